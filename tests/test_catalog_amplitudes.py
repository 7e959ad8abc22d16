"""I-band amplitudes from the OGLE-III catalog: known answers on a small catalog, and the real
EROS-1 stars against the real catalog."""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from conftest import shared_dir

from varsynth.config import CatalogAmplitudesConfig, ConfigError, DataConfig
from varsynth.data.catalog_amplitudes import AMPLITUDE_VERDICTS, amplitude_counts, record_catalog_amplitudes
from varsynth.data.catalog_labels import catalog_ids
from varsynth.lightcurve import LightCurve
from varsynth.surveys.eros import read_eros1
from varsynth.surveys.ogle import read_ogle3_catalog
from varsynth.surveys.skips import SkipLog

RA0, DEC0 = 80.0, -69.0  # degrees, an LMC field
CFG = CatalogAmplitudesConfig(enabled=True)  # 3 arcsec, 10 %


def east(arcsec: float) -> float:
    """RA offset (degrees) of ``arcsec`` on the sky at DEC0."""
    return arcsec / 3600 / math.cos(math.radians(DEC0))


def row(ident: str, vtype: str, subtype: str, arcsec: float, p1: float, a1: float) -> dict:
    """One OGLE-III catalog row (RA in hours, as the catalog gives it), ``arcsec`` east of RA0."""
    return {"ID": ident, "Type": vtype, "Subtype": subtype, "RA": (RA0 + east(arcsec)) / 15.0, "DECL": DEC0,
            "P_1": p1, "P_2": np.nan, "P_3": np.nan, "A_1": a1}  # fmt: skip


def curve(star: str, vclass: str, subtype: str, period: float, arcsec: float, band: str = "R", survey: str = "eros1"):
    return LightCurve(
        star, survey, band, [0, 1, 2], [15, 15.2, 15.1], [0.01] * 3, vclass, subtype, period,
        meta={"ra": RA0 + east(arcsec), "dec": DEC0},
    )  # fmt: skip


CATALOG = pd.DataFrame(
    [
        row("OGLE-LMC-LPV-1", "LPV", "Mira", 0, 300.0, 1.27),
        row("OGLE-LMC-LPV-2", "LPV", "SRV", 100, 120.0, 0.48),
        row("OGLE-LMC-RRLYR-1", "RRLyr", "RRab", 200, 0.55, 0.71),
        row("OGLE-LMC-RRLYR-2", "RRLyr", "RRc", 300, 0.33, 0.30),
        row("OGLE-LMC-CEP-1", "Cep", "F", 400, 5.0, 0.60),
        row("OGLE-LMC-T2CEP-1", "T2Cep", "WVir", 500, 15.0, 0.50),
        row("OGLE-LMC-RRLYR-3", "RRLyr", "RRab", 600, 0.60, np.nan),
    ]
)


def test_known_answers_on_a_small_catalog():
    mira, mira_b = curve("a", "LPV", "Mira", 310.0, 0.5), curve("a", "LPV", "Mira", 310.0, 0.5, band="B")
    srv = curve("b", "LPV", "Mira", 121.0, 100.2)  # a Mira by EROS-1, semi-regular by OGLE-III
    rrab = curve("c", "RRLYR", "", 0.551, 200.0)  # no subtype: OGLE-III's RRab is no contradiction
    rrc_period = curve("d", "RRLYR", "", 0.50, 300.0)  # 50 % off RRc's period
    cep = curve("e", "CEP", "", 5.0, 400.0)  # OGLE-III has its I-band light curve
    cep_ogle = curve("OGLE-LMC-CEP-1", "CEP", "F", 5.0, 400.0, band="I", survey="ogle3")
    t2 = curve("f", "CEP", "", 15.0, 500.0)  # a type II Cepheid by OGLE-III
    no_amp = curve("g", "RRLYR", "", 0.60, 600.0)
    far = curve("h", "LPV", "Mira", 300.0, 3.5)  # beyond 3 arcsec
    lcs = [mira, mira_b, srv, rrab, rrc_period, cep, cep_ogle, t2, no_amp, far]
    counts = record_catalog_amplitudes(lcs, CATALOG, CFG)
    assert counts == Counter(
        recorded=2, subtype_differs=1, period_differs=1, has_ogle3_light_curve=1, class_differs=1, no_amplitude=1
    )
    assert set(counts) <= set(AMPLITUDE_VERDICTS)
    for lc in (mira, mira_b):  # every band of the star
        assert (lc.meta["ogle3_amplitude_I"], lc.meta["ogle3_amplitude_id"]) == (1.27, "OGLE-LMC-LPV-1")
    assert rrab.meta["ogle3_amplitude_I"] == 0.71 and rrab.meta["ogle3_amplitude_match"] == "recorded"
    for lc, verdict in [
        (srv, "subtype_differs"),
        (rrc_period, "period_differs"),
        (cep, "has_ogle3_light_curve"),
        (t2, "class_differs"),
        (no_amp, "no_amplitude"),
    ]:
        assert lc.meta["ogle3_amplitude_match"] == verdict and "ogle3_amplitude_I" not in lc.meta
    assert "ogle3_amplitude_match" not in far.meta and "ogle3_amplitude_match" not in cep_ogle.meta
    assert amplitude_counts(lcs)[:2] == [
        {"survey": "eros1", "label": "CEP", "verdict": "class_differs", "stars": 1},
        {"survey": "eros1", "label": "CEP", "verdict": "has_ogle3_light_curve", "stars": 1},
    ]
    assert sum(r["stars"] for r in amplitude_counts(lcs)) == 7  # stars, not light curves
    # the stars whose catalog amplitude is learnt from leave the comparison catalog
    assert catalog_ids(pd.Series([lc.meta for lc in lcs])).tolist() == ["OGLE-LMC-LPV-1", "OGLE-LMC-RRLYR-1"]


def test_radius_and_tolerance_are_the_configured_ones():
    a = curve("a", "LPV", "Mira", 330.0, 0.5)  # 10 % off
    assert record_catalog_amplitudes([a], CATALOG, CatalogAmplitudesConfig(enabled=True, period_tolerance=0.05)) == {
        "period_differs": 1
    }
    b = curve("b", "LPV", "Mira", 300.0, 3.5)
    assert record_catalog_amplitudes([b], CATALOG, CatalogAmplitudesConfig(enabled=True, radius_arcsec=4.0)) == {
        "recorded": 1
    }
    c = curve("c", "LPV", "Mira", 300.0, 0.5)
    c.meta.pop("dec")
    assert record_catalog_amplitudes([c], CATALOG, CFG) == {} and c.meta.keys() == {"ra"}


@pytest.mark.parametrize(
    ("key", "value", "valid"),
    [
        ("radius_arcsec", 0.0, "in (0, 10]"),
        ("period_tolerance", 0.5, "in (0, 0.2]"),
        ("enabled", "yes", "true or false"),
    ],
)
def test_bad_settings_are_refused_by_name(key, value, valid):
    with pytest.raises(ConfigError, match=rf"catalog_amplitudes\.{key}.*{re.escape(valid)}"):
        CatalogAmplitudesConfig(**{key: value})


def test_off_by_default():
    assert DataConfig().catalog_amplitudes.enabled is False
    assert DataConfig.from_dict({"catalog_amplitudes": {"enabled": True}}).catalog_amplitudes.enabled


@pytest.mark.shared_data
def test_real_eros1_stars_take_ogle3_amplitudes():
    """EROS-1 RR Lyrae and Miras are OGLE-III catalog stars; their I-band amplitudes are smaller
    than in EROS-1's broad red band (same stars), as for every pulsating star redwards."""
    lcs = read_eros1(shared_dir("eros1-lmc"), skips=SkipLog(), bands=("R",))
    catalog = read_ogle3_catalog(shared_dir("ogle3-catalog") / "ogle3_catalog.txt.bz2")
    counts = record_catalog_amplitudes(lcs, catalog, CFG)
    recorded = [lc for lc in lcs if "ogle3_amplitude_I" in lc.meta]
    by_class = Counter(lc.vclass for lc in recorded)
    assert by_class["RRLYR"] > 1000 and by_class["LPV"] > 40 and counts["recorded"] == len(recorded)
    assert counts["subtype_differs"] > 50  # EROS-1 "Miras" that OGLE-III calls semi-regular or OSARG
    rows = catalog.set_index("ID")
    for lc in recorded[:200]:
        assert lc.meta["ogle3_amplitude_I"] == pytest.approx(rows.loc[lc.meta["ogle3_amplitude_id"], "A_1"], abs=1e-4)
    miras = [lc for lc in recorded if lc.vclass == "LPV"]
    ratio = [np.ptp(np.percentile(lc.mag, [5, 95])) / lc.meta["ogle3_amplitude_I"] for lc in miras]
    assert 1.1 < np.median(ratio) < 2.0
