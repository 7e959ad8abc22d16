"""Cross-survey identification: known answers on small coordinate sets, properties, real pairs."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from conftest import SHARED_DATA, shared_dir
from hypothesis import given, settings
from hypothesis import strategies as st

from varsynth.config import ConfigError, CrossmatchConfig, DataConfig
from varsynth.data.crossmatch import (
    SIDEREAL_FREQUENCY,
    Star,
    identify_objects,
    periods_agree,
    stars_from_lightcurves,
)
from varsynth.data.crossmatch_report import crossmatch_summary, split_leaks
from varsynth.data.split import split_stars
from varsynth.lightcurve import LightCurve

CFG = CrossmatchConfig()  # 5 arcsec, period check beyond 1 arcsec, 1 %, aliases up to 2
ARCSEC = 1 / 3600
RA0, DEC0 = 80.0, -69.0  # an LMC field: an arcsec of RA is 1 / cos(dec) of a degree there


def east(arcsec: float) -> float:
    """RA offset (degrees) of ``arcsec`` on the sky at DEC0."""
    return arcsec * ARCSEC / math.cos(math.radians(DEC0))


def star(key: str, dra_arcsec: float = 0.0, ddec_arcsec: float = 0.0, *periods: float, vclass: str = "CEP") -> Star:
    return Star(key, key.split(":")[0], RA0 + east(dra_arcsec), DEC0 + ddec_arcsec * ARCSEC, tuple(periods), vclass)


def objects(stars, cfg=CFG, links=()):
    return identify_objects(stars, cfg, links).object_of


def test_pair_at_one_arcsec_merges_and_at_ten_does_not():
    near = objects([star("ogle3:A", 0, 0, 3.0), star("eros1:B", 1.0, 0, 3.0)])
    assert near == {"eros1:B": "eros1:B", "ogle3:A": "eros1:B"}
    far = objects([star("ogle3:A", 0, 0, 3.0), star("eros1:B", 0, 10.0, 3.0)])
    assert far == {"eros1:B": "eros1:B", "ogle3:A": "ogle3:A"}


def test_period_mismatch_does_not_merge_beyond_the_check_distance():
    ident = identify_objects([star("ogle3:A", 0, 0, 3.0), star("eros1:B", 3.0, 0, 4.1)], CFG)
    assert ident.object_of["ogle3:A"] != ident.object_of["eros1:B"]
    (pair,) = ident.pairs
    assert pair.verdict == "period_differs" and not pair.accepted
    assert pair.separation_arcsec == pytest.approx(3.0, abs=1e-3)
    # the same periods within the close radius merge on position alone
    assert len(set(objects([star("ogle3:A", 0, 0, 3.0), star("eros1:B", 0.8, 0, 4.1)]).values())) == 1


@pytest.mark.parametrize(
    "p_b, b_class, merges",
    [
        (3.02, "CEP", True),  # 0.7 % apart: inside the 1 % tolerance
        (3.05, "CEP", False),  # 1.7 % apart
        (6.0, "ECL", True),  # twice the period: a binary found at half its period
        (1.5, "ELL", True),
        (6.0, "CEP", False),  # ... but not for two pulsators (two Cepheids at P and 2P)
        (9.0, "ECL", False),  # a factor 3 is not accepted
        (1 / (1 / 3.0 + SIDEREAL_FREQUENCY), "CEP", True),  # one-day alias
        (1 / (2 * SIDEREAL_FREQUENCY - 1 / 3.0), "CEP", True),  # alias of order 2, reflected
        (1 / (1 / 3.0 + 3 * SIDEREAL_FREQUENCY), "CEP", False),  # order 3: beyond alias_orders = 2
    ],
)
def test_period_check_at_three_arcsec(p_b, b_class, merges):
    got = objects([star("ogle3:A", 0, 0, 3.0), star("crts:B", 0, 3.0, p_b, vclass=b_class)])
    assert (got["ogle3:A"] == got["crts:B"]) is merges


def test_coarse_asas_positions_match_wider_but_need_the_period():
    got = objects(
        [
            star("crts:A", 0, 0, 3.0),
            star("asas:B", 10.0, 0, 3.0),
            star("asas:C", 0, -12.0, 4.0),
            star("crts:D", 0, 30.0, 0.5),
            star("css:E", 0, 40.0, 0.5),
        ]
    )
    assert got["asas:B"] == got["crts:A"] != got["asas:C"]  # 12 arcsec, other period
    assert got["crts:D"] != got["css:E"]  # 10 arcsec without ASAS: too far


def test_unknown_period_merges_and_secondary_periods_count():
    assert len(set(objects([star("ogle3:A", 0, 0, 3.0), star("gaia-dr3:1", 2.0)]).values())) == 1
    # a double-mode star matched on its second period
    assert len(set(objects([star("ogle3:A", 0, 0, 3.0, 2.2), star("eros1:B", 2.0, 0, 2.2)]).values())) == 1


def test_transitive_groups():
    # A~B at 4 arcsec and B~C at 4 arcsec: A and C are 8 arcsec apart, yet one object
    stars = [
        star("ogle3:A", 0, 0, 2.0),
        star("eros1:B", 0, 4.0, 2.0),
        star("crts:C", 0, 8.0, 2.0),
        star("crts:D", 0, 30.0, 2.0),
    ]
    got = objects(stars)
    assert got["ogle3:A"] == got["eros1:B"] == got["crts:C"] == "crts:C"
    assert got["crts:D"] == "crts:D"


def test_gaia_source_id_links_and_positions():
    lcs = [
        LightCurve(
            "OGLE-LMC-CEP-0001",
            "ogle3",
            "I",
            [0, 1, 2],
            [15, 15.2, 15.1],
            [0.01] * 3,
            "CEP",
            "F",
            3.0,
            meta={"ra": RA0, "dec": DEC0},
        ),
        LightCurve(
            "OGLE-LMC-CEP-0001",
            "ogle3",
            "V",
            [0, 1, 2],
            [15, 15.2, 15.1],
            [0.01] * 3,
            "CEP",
            "F",
            3.0,
            meta={"ra": RA0, "dec": DEC0},
        ),
        LightCurve(
            "111", "gaia-dr3", "G", [0, 1, 2], [15, 15.2, 15.1], [0.01] * 3, "CEP", "", 7.7, meta={"period_ok": False}
        ),
        LightCurve("222", "gaia-dr3", "G", [0, 1, 2], [15, 15.2, 15.1], [0.01] * 3, "RRLYR", "", 0.5, meta={}),
        LightCurve(
            "9",
            "eros1",
            "R",
            [0, 1, 2],
            [15, 15.2, 15.1],
            [0.01] * 3,
            "RRLYR",
            "",
            0.5,
            meta={"ra": 10.0 + east(0.5), "dec": -73.0},
        ),
    ]
    xmatch = pd.DataFrame(
        {"source_id": pd.array([111, 222, 333], dtype="Int64"), "RA": [RA0, 10.0, 20.0], "Dec": [DEC0, -73.0, -70.0]},
        index=pd.Index(["OGLE-LMC-CEP-0001", "OGLE-SMC-RRLYR-0002", "OGLE-LMC-CEP-0003"], name="OGLE-ID"),
    )
    stars, links = stars_from_lightcurves(lcs, xmatch)
    assert [s.key for s in stars] == ["eros1:9", "gaia-dr3:111", "gaia-dr3:222", "ogle3:OGLE-LMC-CEP-0001"]
    assert links == [("gaia-dr3:111", "ogle3:OGLE-LMC-CEP-0001")]
    assert stars[1].periods == ()  # a failed period search is no period
    ident = identify_objects(stars, CFG, links)
    assert ident.object_of["gaia-dr3:111"] == ident.object_of["ogle3:OGLE-LMC-CEP-0001"]
    # 222 has no OGLE light curve but takes its cross-match position: it matches EROS-1 there
    assert ident.object_of["gaia-dr3:222"] == ident.object_of["eros1:9"]
    assert [p.link for p in ident.pairs] == ["position", "gaia_source_id"]
    summary = crossmatch_summary(ident, [s.key for s in stars])
    assert summary["dataset_objects"] == 2 and summary["dataset_objects_several_surveys"] == 2
    assert {r["surveys"]: r["objects"] for r in summary["dataset_survey_pairs"]} == {
        "eros1 + gaia-dr3": 1,
        "gaia-dr3 + ogle3": 1,
    }


def test_disabled_and_bad_input():
    stars = [star("ogle3:A", 0, 0, 3.0), star("eros1:B", 0.1, 0, 3.0)]
    assert objects(stars, CrossmatchConfig(enabled=False)) == {"ogle3:A": "ogle3:A", "eros1:B": "eros1:B"}
    with pytest.raises(ValueError, match="repeated"):
        identify_objects(stars + stars[:1], CFG)
    with pytest.raises(ValueError, match="gaia_links"):
        identify_objects(stars, CFG, [("ogle3:A", "gaia-dr3:7")])
    with pytest.raises(ValueError, match="periods_b"):
        periods_agree([1.0], [0.0], tolerance=0.01, alias_orders=2)
    with pytest.raises(ValueError, match="tolerance"):
        periods_agree([1.0], [1.0], tolerance=1.5, alias_orders=2)
    for raw, key in (
        ({"radius_arcsec": 0}, "radius_arcsec"),
        ({"period_check_beyond_arcsec": 9}, "period_check_beyond_arcsec"),
        ({"period_tolerance": 0.5}, "period_tolerance"),
        ({"alias_orders": 1.5}, "alias_orders"),
    ):
        with pytest.raises(ConfigError, match=key):
            DataConfig.from_dict({"crossmatch": raw})


def _random_field(seed: int, n: int = 40) -> list[Star]:
    """Clumps of 1-3 stars a few arcsec apart in a 2-arcmin field, some with aliased periods."""
    rng = np.random.default_rng(seed)
    stars = []
    for i in range(n):
        x, y, p = rng.uniform(0, 120), rng.uniform(0, 120), float(rng.uniform(0.3, 20))
        for j in range(int(rng.integers(1, 4))):
            q = p * float(rng.choice([1.0, 1.004, 2.0, 1.3]))
            vclass = str(rng.choice(["CEP", "ECL"]))
            stars.append(star(f"s{j}:{i}", x + rng.normal(0, 1.5), y + rng.normal(0, 1.5), q, vclass=vclass))
    return stars


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), perm_seed=st.integers(0, 10_000))
def test_order_independent_and_symmetric(seed, perm_seed):
    stars = _random_field(seed)
    order = np.random.default_rng(perm_seed).permutation(len(stars))
    first = identify_objects(stars, CFG)
    second = identify_objects([stars[i] for i in order], CFG)
    assert first.object_of == second.object_of and first.pairs == second.pairs
    members = defaultdict(set)
    for key, obj in first.object_of.items():
        members[obj].add(key)
    for obj, keys in members.items():
        assert obj == min(keys)  # the id is the smallest member key
    for p in first.pairs:
        assert p.key_a < p.key_b and p.separation_arcsec <= CFG.radius_arcsec
        assert (first.object_of[p.key_a] == first.object_of[p.key_b]) or not p.accepted


@given(pa=st.floats(0.05, 500), pb=st.floats(0.05, 500), double=st.booleans())
def test_period_agreement_is_symmetric(pa, pb, double):
    kw = {"tolerance": 0.01, "alias_orders": 2, "allow_double": double}
    assert periods_agree([pa], [pb], **kw) == periods_agree([pb], [pa], **kw)
    assert periods_agree([pa], [pa * 1.005], **kw)
    assert periods_agree([pa], [2 * pa], **kw) or not double


def test_split_keeps_every_object_on_one_side():
    stars = [(f"ogle3:{i}", "CEP") for i in range(60)] + [(f"eros1:{i}", "CEP") for i in range(60)]
    stars += [(f"eros1:r{i}", "RRLYR") for i in range(30)]
    object_of = {f"eros1:{i}": f"eros1:{i}" for i in range(60)}
    object_of.update({f"ogle3:{i}": f"eros1:{i}" for i in range(40)})  # 40 matched pairs
    out = split_stars(stars, (0.6, 0.2, 0.2), seed=3, object_of=object_of)
    for i in range(40):
        assert out[f"ogle3:{i}"] == out[f"eros1:{i}"]
    cep = [v for k, v in out.items() if not k.startswith("eros1:r")]
    counts = {s: cep.count(s) for s in ("train", "val", "test")}
    assert counts["test"] in (24, 25) and counts["val"] in (24, 25) and sum(counts.values()) == 120
    assert split_stars(list(reversed(stars)), (0.6, 0.2, 0.2), seed=3, object_of=object_of) == out


@pytest.mark.shared_data
def test_real_eros_ogle_cepheids_are_found_and_land_on_one_side():
    from varsynth.surveys.registry import read_survey
    from varsynth.surveys.skips import SkipLog

    shared_dir("eros1-lmc")
    shared_dir("ogle3-lmc-cep")
    lcs = []
    for name in ("ogle3", "eros1"):
        lcs += read_survey(name, SHARED_DATA, skips=SkipLog())
    stars, _ = stars_from_lightcurves(lcs)
    ident = identify_objects(stars, CFG)
    cross = [p for p in ident.pairs if p.key_a.split(":")[0] != p.key_b.split(":")[0]]
    accepted = [p for p in cross if p.accepted]
    # measured: 603 accepted EROS-1/OGLE-III pairs (581 within 1 arcsec), 3 rejected by period
    assert 500 <= len(accepted) <= 700
    assert sum(p.verdict == "close" for p in accepted) >= 550
    assert any(p.verdict == "period_differs" for p in cross)  # crowded-field neighbours kept apart
    split = split_stars(((lc.key, lc.vclass) for lc in lcs), (0.6, 0.2, 0.2), seed=42, object_of=ident.object_of)
    for p in accepted:
        assert split[p.key_a] == split[p.key_b], p
    # the split by survey id alone separates many of these pairs: the leak this module closes
    by_id = split_stars(((lc.key, lc.vclass) for lc in lcs), (0.6, 0.2, 0.2), seed=42)
    assert sum(by_id[p.key_a] != by_id[p.key_b] for p in accepted) > 100


def test_split_leaks_counts_physical_stars_in_two_splits():
    ident = identify_objects(
        [
            star("ogle3:A", 0, 0, 3.0),
            star("eros1:B", 0.5, 0, 3.0),
            star("gaia-dr3:C", 0.2, 0.2),
            star("eros1:D", 0, 60, 1.0),
        ],
        CFG,
    )
    split_of = {"ogle3:A": "train", "eros1:B": "test", "gaia-dr3:C": "train", "eros1:D": "val", "sdss-s82:E": "test"}
    leaks = split_leaks(ident, split_of)
    assert leaks["objects"] == 3 and leaks["objects_in_several_splits"] == 1
    assert leaks["star_pairs_split_apart"] == [
        {"surveys": "eros1 + gaia-dr3", "pairs": 1},
        {"surveys": "eros1 + ogle3", "pairs": 1},
    ]
    assert leaks["examples"] == ["eros1:B: test, gaia-dr3:C: train, ogle3:A: train"]
    whole = split_stars([(k, "CEP") for k in split_of], (0.6, 0.2, 0.2), 0, object_of=ident.object_of)
    assert split_leaks(ident, whole)["objects_in_several_splits"] == 0


@pytest.mark.shared_data
def test_cli_reports_real_eros_duplicates_and_a_dataset_leak(tmp_path, capsys):
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from varsynth.cli import main

    shared_dir("eros1-lmc")
    config = tmp_path / "eros.yaml"
    config.write_text(
        f"data_root: {SHARED_DATA}\nsurveys:\n"
        + "".join(
            f"  {name}: {{enabled: false}}\n" for name in ("ogle3", "sdss-s82", "crts", "gaia-dr3", "css", "asas")
        )
    )
    dataset = tmp_path / "data"
    dataset.mkdir()
    # EROS-1 lists this Cepheid twice, 4.5 arcsec apart with periods 3.8975 and 3.8961 d
    pq.write_table(
        pa.table(
            {"star_key": ["eros1:354_5924", "eros1:354_5935", "eros1:100_100"], "split": ["test", "val", "train"]}
        ),
        dataset / "stars.parquet",
    )
    report_file = tmp_path / "report.json"
    assert (
        main(
            [
                "data",
                "crossmatch",
                "--config",
                str(config),
                "--dataset",
                str(dataset),
                "--json",
                str(report_file),
                "--no-progress",
            ]
        )
        == 0
    )
    report = json.loads(report_file.read_text())
    assert report["read"]["stars_read"] == 3641 == report["read"]["stars_with_position"]
    assert {"link": "position", "verdict": "period_agrees", "surveys": "eros1 + eros1", "pairs": 7} in report["read"][
        "pairs"
    ]
    assert report["dataset"]["objects_in_several_splits"] == 1
    assert "1 of 2 physical stars" in capsys.readouterr().out
    assert main(["data", "crossmatch", "--config", str(config), "--dataset", str(tmp_path)]) == 2
    assert "stars.parquet not found" in capsys.readouterr().err
