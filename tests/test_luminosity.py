"""Tests of varsynth.physics.luminosity: M_G(period) of T2CEP, ACEP and ELL, known answers,
draws with the quoted scatter, their use in assign_physics, and checks on the real OGLE-III and
Gaia DR2 data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import SHARED_DATA, shared_dir
from hypothesis import given, settings
from hypothesis import strategies as st

from varsynth.lightcurve import LightCurve
from varsynth.physics import assign_physics
from varsynth.physics import luminosity as lum

# ------------------------------------------------------------------------- known answers


def test_bolometric_correction_known_answers() -> None:
    # Andrae et al. 2018, eq. 7: BC_G = a0 = 0.060 mag at the solar 5772 K; the cool branch's a0
    # (1.749) is reached only at 5772 K, outside its 3300-4000 K range, so check continuity.
    assert lum.bolometric_correction_g(5772.0) == pytest.approx(0.060, abs=1e-12)
    assert lum.bolometric_correction_g(3999.999) == pytest.approx(lum.bolometric_correction_g(4000.0), abs=0.05)
    assert math.isnan(lum.bolometric_correction_g(9000.0))
    assert math.isnan(lum.bolometric_correction_g(3000.0))


def test_t2cep_relation_is_groenewegen_jurkovic_minus_bc() -> None:
    # M_bol = 0.12 - 1.78 log P (Groenewegen & Jurkovic 2017): at P = 1 d M_bol = 0.12, at 10 d -1.66.
    bc = lum.bolometric_correction_g(5900.0)
    assert bc == pytest.approx(0.0676, abs=1e-4)
    assert lum.t2cep_abs_g(1.0).value == pytest.approx(0.12 - bc, abs=1e-9)
    assert lum.t2cep_abs_g(10.0).value == pytest.approx(-1.66 - bc, abs=1e-9)
    assert lum.t2cep_abs_g(10.0).err == pytest.approx(0.30, abs=0.01)
    assert lum.t2cep_abs_g(60.0).err == pytest.approx(0.70, abs=0.01)  # RV Tau, extrapolated
    assert math.isnan(lum.t2cep_abs_g(0.2).value) and math.isnan(lum.t2cep_abs_g(500.0).value)


def test_acep_relations_known_answers_and_published_offset_from_bl_her() -> None:
    assert lum.acep_abs_g(1.0).value == pytest.approx(-0.638)
    assert lum.acep_abs_g(1.0, "1O").value == pytest.approx(-1.313)
    assert lum.acep_abs_g(10.0, "F") == lum.acep_abs_g(0.1, "1O")  # both outside: NaN
    assert math.isnan(lum.acep_abs_g(10.0).value)
    # "At a fixed period, the ACs are brighter than ... BL Herculis stars by ~0.7-1 mag"
    # (A&A 699, A370, 2025, section 1): our ACEP F relation against the published T2CEP one.
    for period in (1.0, 1.3, 1.6):
        gap = lum.t2cep_abs_g(period).value - lum.acep_abs_g(period).value
        assert 0.65 <= gap <= 1.05, (period, gap)
    with pytest.raises(ValueError, match="mode must be one of"):
        lum.acep_abs_g(1.0, "2O")


def test_roche_density_is_110_over_hours_squared() -> None:
    # 3 pi / (0.462^3 G P^2): the classic 110 g cm^-3 (P / h)^-2 of a lobe-filling star.
    assert lum.roche_density(1.0 / 24.0) == pytest.approx(110.5, rel=2e-3)
    assert lum.roche_density(10.0 / 24.0) == pytest.approx(1.105, rel=2e-3)


def test_ell_relation_dwarf_to_giant() -> None:
    # R = 0.85 (1 / (rho_L / 1.41))^(1/3) Rsun, L from R and 5800 K: a solar-type dwarf at 0.4 d.
    rho = lum.roche_density(0.4) / 1.41
    radius = 0.85 * rho ** (-1.0 / 3.0)
    expected = 4.74 - 5 * math.log10(radius) - 10 * math.log10(5800 / 5772) - lum.bolometric_correction_g(5800)
    assert lum.ell_abs_g(0.4).value == pytest.approx(expected, abs=1e-9)
    assert 4.5 < lum.ell_abs_g(0.4).value < 5.2
    assert -2.0 < lum.ell_abs_g(30.0).value < 0.0  # a giant
    assert lum.ell_abs_g(1.0).err == pytest.approx(0.67, abs=0.01)
    assert math.isnan(lum.ell_abs_g(0.05).value)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.5, 149.0), st.floats(1.01, 1.5))
def test_t2cep_brighter_at_longer_period(period: float, factor: float) -> None:
    longer = min(period * factor, 150.0)
    assert lum.t2cep_abs_g(longer).value < lum.t2cep_abs_g(period).value


@settings(max_examples=60, deadline=None)
@given(st.floats(0.1, 90.0), st.floats(1.01, 1.1))
def test_ell_brighter_at_longer_period(period: float, factor: float) -> None:
    assert lum.ell_abs_g(period * factor).value < lum.ell_abs_g(period).value


def test_class_luminosity_registry() -> None:
    assert lum.class_luminosity("RRLYR") is None
    assert lum.class_luminosity("ACEP", "1O").estimate(1.0).value == pytest.approx(-1.313)
    assert lum.class_luminosity("ACEP", "").estimate(1.0).value == pytest.approx(-0.638)
    assert {c for c in ("T2CEP", "ACEP", "ELL", "CEP") if lum.class_luminosity(c)} == lum.LUMINOSITY_CLASSES
    assert "Groenewegen" in lum.class_luminosity("T2CEP").note


# ----------------------------------------------------------------------------------- draws


@pytest.mark.parametrize("vclass,period", [("T2CEP", 8.0), ("ACEP", 1.2), ("ELL", 0.5)])
def test_draws_have_the_relation_mean_and_scatter(vclass: str, period: float) -> None:
    relation = lum.class_luminosity(vclass)
    est = relation.estimate(period)
    n = 20000
    draws = relation.draw(np.full(n, period), np.random.default_rng(3))
    # mean within 4 standard errors, standard deviation within 4 of its standard errors
    assert abs(draws.mean() - est.value) < 4 * est.err / math.sqrt(n)
    assert abs(draws.std(ddof=1) - est.err) < 4 * est.err / math.sqrt(2 * (n - 1))


def test_draws_outside_the_range_are_nan() -> None:
    out = lum.class_luminosity("T2CEP").draw(np.array([0.1, 5.0]), np.random.default_rng(0))
    assert math.isnan(out[0]) and math.isfinite(out[1])


# -------------------------------------------------------------------------- assign_physics


def _crts(vclass: str, period: float, subtype: str = "") -> LightCurve:
    meta = {"mean_mag": {"V": 15.2}, "period_source": "lomb-scargle", "period_ok": True}
    return LightCurve("CSS_J1", "crts", "V", [0.0], [15.0], [0.01], vclass, subtype=subtype, period=period, meta=meta)


@pytest.mark.parametrize(
    "vclass,subtype,period,name",
    [("T2CEP", "", 12.0, "Groenewegen"), ("ACEP", "1O", 0.8, "ACEP 1O"), ("ELL", "", 0.4, "Roche")],
)
def test_crts_star_of_a_relation_class_gets_a_derived_abs_mag(vclass, subtype, period, name) -> None:
    lc = _crts(vclass, period, subtype)
    assign_physics([lc], None)
    param = lc.physics["abs_mag"]
    est = lum.class_luminosity(vclass, subtype).estimate(period)
    assert param.source == "derived" and name in param.note
    assert param.value == pytest.approx(est.value) and param.err == pytest.approx(est.err)


def test_relation_class_outside_range_stays_missing_with_reasons() -> None:
    lc = _crts("T2CEP", 400.0)
    assign_physics([lc], None)
    param = lc.physics["abs_mag"]
    assert param.is_missing and "outside its range" in param.note and "crts" in param.note


def test_other_classes_are_unchanged() -> None:
    lc = _crts("RRLYR", 0.55)
    assign_physics([lc], None)
    assert lc.physics["abs_mag"].is_missing


# ------------------------------------------------------------------- real data (checks)


@pytest.mark.shared_data
def test_real_lmc_check_offsets_and_scatter() -> None:
    shared_dir("ogle3-catalog")
    shared_dir("gaia-dr2-ogle3-xmatch")
    from varsynth.physics.luminosity_check import run_checks

    checks = run_checks(SHARED_DATA)
    t2 = checks["T2CEP P<50d"]
    assert (
        t2["n"] >= 190 and abs(t2["offset"]) < 0.1 and t2["robust_sigma"] == pytest.approx(lum.T2CEP_SCATTER, abs=0.02)
    )
    assert abs(checks["T2CEP BLHer+WVir"]["offset"]) < 0.1
    assert checks["T2CEP RVTau"]["offset"] < -0.4  # RV Tau sit above the relation
    for mode in ("F", "1O"):
        c = checks[f"ACEP {mode}"]
        assert c["n"] >= 20 and abs(c["offset"]) < 0.05 and c["rms"] < 0.35
        gaia = checks[f"ACEP {mode} (Gaia DR2 G)"]  # independent photometry of the same stars
        assert gaia["n"] >= 5 and abs(gaia["offset"]) < 0.25
    gaia_t2 = checks["T2CEP P<50d (Gaia DR2 G)"]
    assert gaia_t2["n"] >= 50 and abs(gaia_t2["offset"]) < 0.3
    ell = checks["ELL parallax/err>=5, no extinction"]
    assert ell["n"] >= 90 and abs(ell["offset"]) < 0.5 and ell["median_period_days"] < 1.0
