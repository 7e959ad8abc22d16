"""End to end on the real survey files: a small build, its data card, its splits, its bytes."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch
from conftest import SHARED_DATA, shared_dir

from varsynth.bands import BANDS, effective_wavelengths
from varsynth.cli import main
from varsynth.config import CatalogAmplitudesConfig, CatalogLabelsConfig, DataConfig
from varsynth.data.build import build_dataset
from varsynth.data.io import read_split
from varsynth.data.tensors import DataFilter
from varsynth.latent.catalog import build_catalog
from varsynth.latent.catalog_bands import catalog_band_rows
from varsynth.latent.flow import MIN_DECODED_RANGE, catalog_amplitude_data, decoded_ranges, flow_data
from varsynth.models.config import ModelConfig
from varsynth.models.cvae import CVAE
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
    default (colour wavelengths, labels and I-band amplitudes from the OGLE-III catalog)."""
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
    labelled = replace(
        cfg,
        wavelengths="colour",
        catalog_labels=CatalogLabelsConfig(enabled=True),
        catalog_amplitudes=CatalogAmplitudesConfig(enabled=True),
    )
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
def test_ogle3_catalog_amplitudes_become_one_i_band_row_per_star(built):
    """``catalog_amplitudes``: EROS-1 stars that are OGLE-III catalog stars record its I-band
    amplitude; the flow prior and the physics catalog read them as one more I-band row per star,
    after the light curves; a dataset without them gives none."""
    first, amp = built[0].out_dir, built[2].out_dir
    assert json.loads((first / "data_card.json").read_text())["catalog_amplitudes"] is None
    rows = json.loads((amp / "data_card.json").read_text())["catalog_amplitudes"]
    assert any(r["survey"] == "eros1" and r["verdict"] == "recorded" and r["stars"] > 0 for r in rows)
    assert "## I-band amplitudes from the OGLE-III catalog" in (amp / "data_card.md").read_text()
    real = DataFilter(real_only=True)
    table = real.apply(read_split(amp, "train"))
    classes = ("RRLYR", "LPV")
    extra = catalog_band_rows(amp, table, classes, colour=True)
    keys = table["star_key"].to_pylist()
    star_rows = pq.read_table(amp / "stars.parquet", columns=["star_key", "meta_json"]).to_pylist()
    meta = {r["star_key"]: json.loads(r["meta_json"]) for r in star_rows}
    assert len(extra) > 0 and len({keys[i] for i in extra.rows}) == len(extra)  # one row per star
    for i, amplitude in zip(extra.rows, extra.amplitude):
        assert meta[keys[i]]["ogle3_amplitude_I"] == amplitude
    wave = table["wave_eff"].to_numpy()
    for i in extra.rows:  # the star's reddest light curve
        assert wave[i] == max(w for k, w in zip(keys, wave) if k == keys[i])
    assert {table["vclass"][int(i)].as_py() for i in extra.rows} <= set(classes)
    only_lpv = catalog_band_rows(amp, table, ["LPV"], colour=True)
    assert set(only_lpv.rows) < set(extra.rows)
    assert np.allclose(extra.wave_eff, BANDS[("ogle3", "I")].wave_eff)
    plain, with_amp = build_catalog(amp, real), build_catalog(amp, real, catalog_amplitudes=classes)
    n = len(plain.vclass)
    assert len(with_amp.vclass) == n + len(extra) and np.isnan(with_amp.scaled_err[n:]).all()
    assert (with_amp.vclass[n:] == plain.vclass[extra.rows]).all()
    assert np.allclose(with_amp.wave_eff[n:], extra.wave_eff)
    assert with_amp.light_curve is not None and with_amp.light_curve.sum() == n  # rows without a light curve ...
    for vclass in set(with_amp.vclass[n:]):  # ... do not widen the wavelengths seen in light curves
        assert with_amp.wave_range(vclass) == plain.wave_range(vclass)
    assert len(catalog_band_rows(first, real.apply(read_split(first, "train")), classes, colour=False)) == 0


@pytest.mark.shared_data
def test_catalog_amplitude_rows_ask_the_flow_for_the_amplitude_that_decodes_to_the_catalogs(built):
    """A catalog I-band row keeps its light curve's shape code and physics, takes I's wavelength,
    and its flow amplitude times the decoded curve's peak-to-peak is the catalog's ``A_1``: a
    decoder fixed to 0.5 + 0.3 cos(2 pi phi) (peak-to-peak 0.6) asks for A_1 / 0.6."""
    amp = built[2].out_dir
    model = CVAE(
        ModelConfig(
            arch="fourier",
            decoder="periodic",
            harmonics=2,
            hidden=8,
            latent_dim=2,
            physics=("teff", "abs_mag", "period"),
            decoder_physics=True,
            condition_wavelength=True,
            dropout=0.0,
        )
    ).eval()
    head = model.periodic.mag_head
    with torch.no_grad():
        head.weight.zero_()
        head.bias.copy_(torch.tensor([0.5, 0.3, 0.0, 0.0, 0.0]))
    real = DataFilter(real_only=True)
    data = flow_data(model, amp, "train", real)
    rows = catalog_amplitude_data(model, data, amp, "train", real, ["RRLYR", "LPV"])
    extra = catalog_band_rows(amp, real.apply(read_split(amp, "train")), ["RRLYR", "LPV"], colour=False)
    assert len(rows) == len(extra) > 0
    np.testing.assert_allclose(decoded_ranges(model, rows), 0.6, atol=1e-5)
    np.testing.assert_allclose(10 ** rows.log_amp.numpy(), extra.amplitude / 0.6, rtol=1e-5)
    np.testing.assert_allclose(rows.wave.numpy(), BANDS[("ogle3", "I")].wave_eff / 1000, rtol=1e-6)
    torch.testing.assert_close(rows.mu, data.mu[torch.from_numpy(extra.rows)])
    torch.testing.assert_close(rows.phys, data.phys[torch.from_numpy(extra.rows)])
    with torch.no_grad():  # a nearly flat decoded curve does not multiply the amplitude beyond 1 / 0.5
        head.bias.copy_(torch.tensor([0.5, 0.01, 0.0, 0.0, 0.0]))
    flat = catalog_amplitude_data(model, data, amp, "train", real, ["RRLYR", "LPV"])
    np.testing.assert_allclose(10 ** flat.log_amp.numpy(), extra.amplitude / MIN_DECODED_RANGE, rtol=1e-5)


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
