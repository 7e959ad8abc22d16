"""Labels from the OGLE-III catalog: known answers on a small catalog, and the real EROS-1 stars."""

from __future__ import annotations

import json
import math
import re
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import shared_dir

from varsynth.config import CatalogLabelsConfig, CleanConfig, ConfigError, DataConfig
from varsynth.data.catalog_labels import adopt_catalog_labels, catalog_ids, label_changes
from varsynth.evaluation.context import EvalContext
from varsynth.lightcurve import LightCurve
from varsynth.surveys.eros import read_eros1
from varsynth.surveys.ogle import read_ogle3_catalog
from varsynth.surveys.skips import SkipLog

RA0, DEC0 = 80.0, -69.0  # degrees, an LMC field
ARCSEC = 1 / 3600
DROP = CleanConfig().drop_subtypes
CFG = CatalogLabelsConfig(enabled=True)  # 3 arcsec, 10 %


def east(arcsec: float) -> float:
    """RA offset (degrees) of ``arcsec`` on the sky at DEC0."""
    return arcsec * ARCSEC / math.cos(math.radians(DEC0))


def row(ident: str, vtype: str, subtype: str, ra_deg: float, p1: float, p2: float = np.nan) -> dict:
    """One OGLE-III catalog row (RA in hours, as the catalog gives it)."""
    return {"ID": ident, "Type": vtype, "Subtype": subtype, "RA": ra_deg / 15.0, "DECL": DEC0,
            "P_1": p1, "P_2": p2, "P_3": np.nan}  # fmt: skip


def curve(
    star: str, vclass: str, subtype: str, period: float, dra_arcsec: float, band: str = "R", survey: str = "eros1"
):
    return LightCurve(
        star, survey, band, [0, 1, 2], [15, 15.2, 15.1], [0.01] * 3, vclass, subtype, period,
        meta={"ra": RA0 + east(dra_arcsec), "dec": DEC0},
    )  # fmt: skip


CATALOG = pd.DataFrame(
    [
        row("OGLE-LMC-LPV-1", "LPV", "SRV", RA0, 120.0),
        row("OGLE-LMC-LPV-2", "LPV", "Mira", RA0 + east(100), 300.0),
        row("OGLE-LMC-T2CEP-1", "T2Cep", "WVir", RA0 + east(200), 15.0),
        row("OGLE-LMC-RRLYR-1", "RRLyr", "RRe", RA0 + east(300), 0.30),
        row("OGLE-LMC-CEP-1", "Cep", "1", RA0 + east(400), 2.5),
        row("OGLE-LMC-DPV-1", "DPV", "", RA0 + east(500), 9.0),
        row("OGLE-LMC-LPV-3", "LPV", "OSARG", RA0 + east(600), 40.0, 330.0),
    ]
)


def relabel(lcs: list[LightCurve], cfg: CatalogLabelsConfig = CFG) -> int:
    return adopt_catalog_labels(lcs, CATALOG, cfg, DROP)


def test_known_answers_on_a_small_catalog():
    known = curve("k", "RRLYR", "RRc", 0.3, 5000)  # far away: the dataset's RR Lyrae subtypes
    srv = curve("a", "LPV", "Mira", 125.0, 0.5)  # SRV by OGLE-III, period within 10 %: dropped by cleaning
    srv_b = curve("a", "LPV", "Mira", 125.0, 0.5, band="B")
    mira_other_period = curve("b", "LPV", "Mira", 200.0, 100.4)  # a third off: keeps its label
    t2 = curve("c", "CEP", "", 15.3, 200.2)  # type II Cepheid; W Vir is no survey's subtype here
    rre = curve("d", "RRLYR", "", 0.3, 300.1)  # RRe: no survey labels it, no cleaning drops it
    cep = curve("e", "ECL", "", 2.5, 400.0)
    cep_ogle = curve("OGLE-LMC-CEP-1", "CEP", "1O", 2.5, 400.0, band="I", survey="ogle3")
    dpv = curve("f", "ECL", "", 9.0, 500.0)
    second_period = curve("g", "LPV", "Mira", 335.0, 600.0)  # OGLE-III's P_2
    outside = curve("h", "LPV", "Mira", 120.0, 3.5)  # beyond 3 arcsec of the SRV
    lcs = [known, srv, srv_b, mira_other_period, t2, rre, cep, cep_ogle, dpv, second_period, outside]
    assert relabel(lcs) == 4  # a, c, e, g change (d matches and stays RRLYR); OGLE-III curves are not re-read
    assert [(lc.vclass, lc.subtype) for lc in (srv, srv_b)] == [("LPV", "SRV")] * 2
    assert srv.meta["survey_label"] == "LPV/Mira" and srv.meta["ogle3_id"] == "OGLE-LMC-LPV-1"
    assert srv.meta["ogle3_separation_arcsec"] == pytest.approx(0.5, abs=1e-3)
    assert (mira_other_period.vclass, mira_other_period.subtype) == ("LPV", "Mira")
    assert mira_other_period.meta["ogle3_match"] == "period_differs"
    assert (t2.vclass, t2.subtype) == ("T2CEP", "")
    assert (rre.vclass, rre.subtype) == ("RRLYR", "")
    assert (cep.vclass, cep.subtype) == ("CEP", "1O")  # the OGLE-III light curves' mode
    assert "ogle3_match" not in cep_ogle.meta
    assert (dpv.vclass, dpv.meta["ogle3_match"]) == ("ECL", "class_outside")
    assert (second_period.vclass, second_period.subtype) == ("LPV", "OSARG")
    assert "ogle3_match" not in outside.meta and outside.subtype == "Mira"
    assert "ogle3_match" not in known.meta


def test_the_card_counts_stars_not_bands_and_ids_are_those_adopted():
    a = curve("a", "LPV", "Mira", 125.0, 0.5)
    a_b = curve("a", "LPV", "Mira", 125.0, 0.5, band="B")
    b = curve("b", "LPV", "Mira", 200.0, 100.4)
    e = curve("e", "CEP", "", 2.5, 400.0)
    relabel([a, a_b, b, e, curve("x", "CEP", "1O", 3.0, 9000, band="I", survey="ogle3")])
    assert label_changes([a, a_b, b, e]) == [
        {"survey": "eros1", "survey_label": "CEP", "ogle3_label": "CEP/1O", "stars": 1},
        {"survey": "eros1", "survey_label": "LPV/Mira", "ogle3_label": "LPV/SRV", "stars": 1},
        {"survey": "eros1", "survey_label": "LPV/Mira", "ogle3_label": "kept (period_differs)", "stars": 1},
    ]
    assert catalog_ids(pd.Series([lc.meta for lc in (a, b, e)])).tolist() == ["OGLE-LMC-CEP-1", "OGLE-LMC-LPV-1"]


def test_tolerance_and_radius_are_the_configured_ones():
    tight = CatalogLabelsConfig(enabled=True, period_tolerance=0.02)
    a = curve("a", "LPV", "Mira", 125.0, 0.5)  # 4 % off
    assert relabel([a], tight) == 0 and a.meta["ogle3_match"] == "period_differs"
    wide = CatalogLabelsConfig(enabled=True, radius_arcsec=4.0)
    b = curve("b", "LPV", "Mira", 120.0, 3.5)
    assert relabel([b], wide) == 1 and b.subtype == "SRV"


def test_stars_without_positions_or_an_empty_catalog_are_left_alone():
    lc = curve("a", "LPV", "Mira", 125.0, 0.5)
    lc.meta.pop("ra")
    assert relabel([lc]) == 0 and lc.subtype == "Mira"
    b = curve("b", "LPV", "Mira", 125.0, 0.5)
    assert adopt_catalog_labels([b], CATALOG.iloc[:0], CFG, DROP) == 0 and b.subtype == "Mira"


@pytest.mark.parametrize(
    ("key", "value", "valid"),
    [
        ("radius_arcsec", 0.0, "in (0, 10]"),
        ("radius_arcsec", 11.0, "in (0, 10]"),
        ("period_tolerance", 0.5, "in (0, 0.2]"),
    ],
)
def test_bad_settings_are_refused_by_name(key, value, valid):
    with pytest.raises(ConfigError, match=rf"catalog_labels\.{key} must be {re.escape(valid)}, got"):
        DataConfig.from_dict({"catalog_labels": {"enabled": True, key: value}})


def test_off_by_default_so_older_configs_keep_their_labels():
    assert DataConfig().catalog_labels.enabled is False
    assert DataConfig.from_dict({}).to_dict()["catalog_labels"] == {
        "enabled": False,
        "radius_arcsec": 3.0,
        "period_tolerance": 0.1,
    }


@pytest.mark.shared_data
def test_real_eros1_stars_take_ogle3_labels():
    """The EROS-1 labels against the OGLE-III catalog (docs/data.md): most "Miras" are
    semi-regular, most RR Lyrae RRab, and some Cepheids type II or anomalous ones."""
    lcs = read_eros1(shared_dir("eros1-lmc"), skips=SkipLog(), bands=("R",))
    before = {lc.key: (lc.vclass, lc.subtype) for lc in lcs}
    catalog = read_ogle3_catalog(shared_dir("ogle3-catalog") / "ogle3_catalog.txt.bz2")
    dataset = {("CEP", "F"), ("CEP", "1O"), ("RRLYR", "RRab"), ("RRLYR", "RRc"), ("LPV", "Mira")}  # every survey's
    changed = adopt_catalog_labels(lcs, catalog, CFG, DROP, subtypes=dataset)
    after = Counter((before[lc.key], (lc.vclass, lc.subtype)) for lc in lcs if lc.meta.get("ogle3_match") == "adopted")
    mira = ("LPV", "Mira")
    assert after[(mira, ("LPV", "SRV"))] > after[(mira, mira)] >= 40
    assert after[(("RRLYR", ""), ("RRLYR", "RRab"))] >= 900
    assert after[(("RRLYR", ""), ("RRLYR", "RRc"))] >= 40
    assert sum(n for (b, a), n in after.items() if b == ("CEP", "") and a[0] in {"T2CEP", "ACEP"}) >= 20
    assert sum(n for (b, a), n in after.items() if b != a) == changed
    # subtypes come only from the dataset's vocabulary or the cleaning's drop list
    subtypes = {(lc.vclass, lc.subtype) for lc in lcs}
    assert not {s for c, s in subtypes if c in {"T2CEP", "ACEP"} and s}
    assert ("RRLYR", "RRe") not in subtypes


def test_evaluation_leaves_out_the_ogle3_stars_trained_on_in_another_surveys_light_curves(tmp_path):
    """The OGLE-III catalog a model is compared with loses the stars of its training and
    validation splits: OGLE-III's own ids and those other surveys' stars took labels from."""
    metas = [{}, {"ogle3_id": "OGLE-LMC-RRLYR-7", "ogle3_match": "adopted"},
             {"ogle3_id": "OGLE-LMC-RRLYR-8", "ogle3_match": "period_differs"},
             {"ogle3_id": "OGLE-LMC-RRLYR-9", "ogle3_match": "adopted"}]  # fmt: skip
    stars = pa.table(
        {
            "star_id": ["OGLE-LMC-CEP-0001", "100_1", "100_2", "100_3"],
            "split": ["train", "val", "train", "test"],
            "meta_json": [json.dumps(m) for m in metas],
        }
    )
    pq.write_table(stars, tmp_path / "stars.parquet")
    ctx = EvalContext(None, "m", tmp_path, tmp_path / "no-data", tmp_path / "report")  # type: ignore[arg-type]
    assert ctx.training_star_ids == {"OGLE-LMC-CEP-0001", "100_1", "100_2", "OGLE-LMC-RRLYR-7"}
