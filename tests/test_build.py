"""End to end on the real survey files: a small build, its data card, its splits, its bytes."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import SHARED_DATA, shared_dir

from varsynth.bands import BANDS, effective_wavelengths
from varsynth.cli import main
from varsynth.config import CatalogLabelsConfig, DataConfig
from varsynth.data.build import build_dataset
from varsynth.physics.typical import teff_or_typical
from varsynth.taxonomy import CLASSES

FILES = (
    "train.parquet",
    "val.parquet",
    "test.parquet",
    "stars.parquet",
    "config.yaml",
    "data_card.json",
    "data_card.md",
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Two builds of the same small config and seed: the first with an empty period-search cache
    (cold), the second reading every search from it (warm); a third with the options off by
    default (colour wavelengths, labels from the OGLE-III catalog)."""
    shared_dir("crts-periodic")
    tmp = tmp_path_factory.mktemp("build")
    cfg = DataConfig.from_dict(
        {
            "data_root": str(SHARED_DATA),
            "limit_per_class": 10,  # enough for the rarest class (CRTS ELL) to pass cleaning
            "period_workers": 1,
            "augment": {"large_class_threshold": 40, "target_small": 60, "target_large": 120},
        }
    )
    cache = tmp / "cache"
    first = build_dataset(cfg, tmp / "a", progress=False, cache_dir=cache)
    second = build_dataset(cfg, tmp / "b", progress=False, cache_dir=cache)
    labelled = replace(cfg, wavelengths="colour", catalog_labels=CatalogLabelsConfig(enabled=True))
    colour = build_dataset(labelled, tmp / "c", progress=False, cache_dir=cache)
    return first, second, colour


@pytest.mark.shared_data
def test_rebuild_is_byte_identical(built):
    first, second, _ = built
    for name in FILES:
        assert (first.out_dir / name).read_bytes() == (second.out_dir / name).read_bytes(), name


@pytest.mark.shared_data
def test_cold_and_warm_builds_give_the_same_dataset_id(built):
    first, second, _ = built
    assert len(list((first.out_dir.parent / "cache").glob("*.json"))) > 100  # the warm build had them all
    assert first.card["dataset_id"] == second.card["dataset_id"]
    assert first.n_samples == second.n_samples


@pytest.mark.shared_data
def test_every_class_and_survey_is_present(built):
    card = built[0].card
    per_class = {r["class"]: r for r in card["table1"] if r["survey"] == "all"}
    assert set(CLASSES) <= set(per_class)
    surveys = {r["survey"] for r in card["table1"]} - {"all"}
    assert surveys == {"ogle3", "eros1", "sdss-s82", "crts", "gaia-dr3", "css", "asas"}
    for vclass in CLASSES:
        assert per_class[vclass]["lightcurves_clean"] > 0
    assert card["period_search"] and all(0 <= r["success_rate"] <= 1 for r in card["period_search"])
    searched = {r["survey"] for r in card["period_search"]}
    assert {"crts", "gaia-dr3", "asas"} <= searched and "css" not in searched  # CSS: published periods
    assert any("Drake et al. 2017" in c for c in card["credits"]) and any("Pojmanski" in c for c in card["credits"])


@pytest.mark.shared_data
def test_no_physical_star_in_two_splits_and_test_split_is_real(built):
    out = built[0].out_dir
    keys, objects = {}, {}
    for split in ("train", "val", "test"):
        table = pq.read_table(out / f"{split}.parquet")
        keys[split] = set(table["star_key"].to_pylist())
        objects[split] = set(table["object_id"].to_pylist())
        if split == "test":
            assert not any(table["augmented"].to_pylist())
        assert set(table["split"].to_pylist()) <= {split}
    for a, b in (("train", "val"), ("train", "test"), ("val", "test")):
        assert not keys[a] & keys[b]
        assert not objects[a] & objects[b], (a, b, sorted(objects[a] & objects[b])[:5])
    stars = pq.read_table(out / "stars.parquet").to_pylist()
    split_of_object: dict[str, str] = {}
    for row in stars:
        assert split_of_object.setdefault(row["object_id"], row["split"]) == row["split"]
        if row["star_key"] in keys["train"] | keys["val"] | keys["test"]:
            assert row["star_key"] in keys[row["split"]]
    section = built[0].card["crossmatch"]
    assert section["enabled"] and section["radius_arcsec"] == 5.0
    assert section["dataset_stars"] == len(stars)
    assert "Physical stars in several surveys" in (out / "data_card.md").read_text()


@pytest.mark.shared_data
def test_samples_are_scaled_and_restorable(built):
    table = pq.read_table(built[0].out_dir / "train.parquet").slice(0, 50).to_pylist()
    for row in table:
        assert len(row["phase"]) == len(row["mag"]) == row["n_points"] <= 300
        assert min(row["mag"]) == 0.0 and max(row["mag"]) == 1.0
        assert row["mag_max"] > row["mag_min"]
        assert all(0 <= p < 1 for p in row["phase"])


@pytest.mark.shared_data
def test_each_light_curve_has_its_stars_wavelength_through_its_band_when_asked(built):
    """``wavelengths: colour``: ``wave_eff`` is the star's temperature (its class's typical one where
    unknown) through its band; the LPVs of EROS-1 sit far redder than the channels' published
    555/760 nm. The default (``published``) keeps each band's published value."""
    first, colour = built[0].out_dir, built[2].out_dir
    assert json.loads((first / "data_card.json").read_text())["wavelengths"] == "published"
    assert json.loads((colour / "data_card.json").read_text())["wavelengths"] == "colour"
    published = pq.read_table(first / "train.parquet", columns=["survey", "band", "wave_eff"]).to_pandas()
    np.testing.assert_allclose(
        published.wave_eff, [BANDS[(s, b)].wave_eff for s, b in zip(published.survey, published.band)], rtol=1e-6
    )
    out = colour
    t = pq.read_table(out / "train.parquet", columns=["survey", "band", "vclass", "teff", "wave_eff"]).to_pandas()
    expected = effective_wavelengths(
        t.survey.to_numpy(), t.band.to_numpy(), teff_or_typical(t.teff.to_numpy(), t.vclass.to_numpy())
    )
    np.testing.assert_allclose(t.wave_eff, expected, rtol=1e-6)
    lpv = t[(t.survey == "eros1") & (t.vclass == "LPV")]
    assert len(lpv) and (lpv.wave_eff[lpv.band == "B"] > 615).all() and (lpv.wave_eff[lpv.band == "R"] > 785).all()
    hot = t[(t.survey == "eros1") & (t.vclass == "RRLYR")]
    assert len(hot) and (hot.wave_eff[hot.band == "B"] < 575).all()


@pytest.mark.shared_data
def test_stars_of_other_surveys_take_ogle3_catalog_labels_when_asked(built):
    """``catalog_labels``: EROS-1 stars that are OGLE-III catalog stars carry its id and labels,
    the card counts them; without it every survey keeps its own labels."""
    first, labelled = built[0].out_dir, built[2].out_dir
    assert json.loads((first / "data_card.json").read_text())["catalog_labels"] is None
    assert "Each survey's own labels" in (first / "data_card.md").read_text()
    rows = json.loads((labelled / "data_card.json").read_text())["catalog_labels"]
    assert rows and {r["survey"] for r in rows} >= {"eros1"} and all(r["stars"] > 0 for r in rows)
    assert "| eros1 | RRLYR | RRLYR/RRab |" in (labelled / "data_card.md").read_text()
    stars = pq.read_table(labelled / "stars.parquet", columns=["survey", "vclass", "subtype", "meta_json"]).to_pandas()
    meta = stars.meta_json.map(json.loads)
    adopted = stars[meta.map(lambda m: m.get("ogle3_match") == "adopted")]
    assert len(adopted) and (adopted.survey != "ogle3").all()
    assert meta[adopted.index].map(lambda m: m["ogle3_id"].startswith("OGLE-")).all()
    eros_rr = stars[(stars.survey == "eros1") & (stars.vclass == "RRLYR")]
    assert set(eros_rr.subtype) & {"RRab", "RRc"}
    plain = pq.read_table(first / "stars.parquet", columns=["survey", "vclass", "subtype"]).to_pandas()
    assert set(plain[(plain.survey == "eros1") & (plain.vclass == "RRLYR")].subtype) == {""}


@pytest.mark.shared_data
def test_data_card_reports_skips_and_provenance(built):
    out = built[0].out_dir
    card = json.loads((out / "data_card.json").read_text())
    reasons = {(r["survey"], r["reason"]) for r in card["skips"]}
    assert any(s == "sdss-s82" for s, _ in reasons)  # SDSS flags bad points with magerr 99.999
    assert all(r["count"] > 0 for r in card["skips"])
    crts = [r for r in card["physics_provenance"] if r["survey"] == "crts" and r["parameter"] == "teff"]
    assert crts and all(r.get("missing", 0) > 0 and not r.get("derived") for r in crts)
    # no distance in CRTS, but T2CEP, ACEP and ELL get M_G from their period relations
    rare = [
        r
        for r in card["physics_provenance"]
        if r["survey"] == "crts" and r["parameter"] == "abs_mag" and r["class"] in {"T2CEP", "ACEP", "ELL"}
    ]
    assert rare and all(r.get("derived", 0) > 0 for r in rare)
    relations = {r["how"] for r in card["physics_relations"] if r["parameter"] == "abs_mag"}
    assert any("Groenewegen" in how for how in relations)
    md = (out / "data_card.md").read_text()
    assert "## Skipped, with reasons" in md and "| RRLYR | sdss-s82 |" in md


def test_cli_refuses_a_bad_config(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("clean: {min_snr: -1}\n")
    assert main(["data", "build", "--config", str(bad), "--out", str(tmp_path / "o")]) == 2
    assert "clean.min_snr must be >= 0" in capsys.readouterr().err
