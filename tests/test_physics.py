"""Tests of varsynth.physics: known answers per relation, provenance and priority rules, and
checks on the real data (Gaia DR2 x OGLE-III cross-match, EROS-1, SDSS Stripe 82)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from conftest import shared_dir
from scipy import stats

from varsynth.lightcurve import PROVENANCES, LightCurve, PhysParam
from varsynth.physics import assign_physics, physics_summary
from varsynth.physics import relations as rel
from varsynth.physics.relations import Estimate

# Solar reference values: Teff = 5772 K (IAU 2015 B3); (V-Ic) = 0.70 (Casagrande et al. 2010,
# 2012); (BP-RP) = 0.82 and M_G - M_V = 4.67 - 4.81 (Casagrande & VandenBerg 2018); SDSS
# g - r = 0.44, r - i = 0.11 (Holmberg et al. 2006 / Willmer 2018, rounded).
SUN_TEFF = 5772.0


# ------------------------------------------------------------------------------ relations


def test_lmc_constants_are_the_published_numbers() -> None:
    assert rel.LMC_DISTANCE_MODULUS.value == 18.477
    assert rel.LMC_DISTANCE_MODULUS.err == pytest.approx(0.0263, abs=1e-4)
    assert rel.LMC_E_V_MINUS_I == Estimate(0.09, 0.07)


def _ccm89_a_over_av(wavelength_um: float, r_v: float = 3.1) -> float:
    """Cardelli, Clayton & Mathis 1989, eqs. 3a-b (optical, 1.1 <= x <= 3.3 per micron)."""
    y = 1.0 / wavelength_um - 1.82
    a = np.polyval([0.32999, -0.77530, 0.01979, 0.72085, -0.02427, -0.50447, 0.17699, 1.0], y)
    b = np.polyval([-2.09002, 5.30260, -0.62251, -5.38434, 1.07233, 2.28305, 1.41338, 0.0], y)
    return float(a + b / r_v)


def test_extinction_ratios_agree_with_cardelli_law() -> None:
    sfd = rel.SFD98_A_OVER_EBV
    assert _ccm89_a_over_av(0.551) == pytest.approx(1.0, abs=0.01)
    assert sfd["I"] / sfd["V"] == pytest.approx(_ccm89_a_over_av(0.806), abs=0.03)
    # Band-integrated (SFD98) versus monochromatic at the effective wavelength: a few per cent.
    assert sfd["r"] / sfd["V"] == pytest.approx(_ccm89_a_over_av(0.6165), rel=0.07)
    a_v = rel.a_v_from_e_v_minus_i(Estimate(0.09, 0.07))
    assert a_v.value == pytest.approx(0.09 * 3.315 / 1.375, rel=1e-9)
    assert a_v.err == pytest.approx(0.07 * 3.315 / 1.375, rel=1e-9)
    wc = rel.WANG_CHEN_2019_A_OVER_AV
    assert wc["G"] / (wc["BP"] - wc["RP"]) == pytest.approx(1.890, abs=0.03)


def test_gaia_g_minus_v_known_answers() -> None:
    assert rel.gaia_g_minus_v(0.0).value == pytest.approx(-0.01597)
    # The Sun: G - V = M_G - M_V = 4.67 - 4.81 = -0.14.
    assert rel.gaia_g_minus_v(0.70).value == pytest.approx(-0.14, abs=0.015)
    assert rel.gaia_g_minus_v(1.0).value == pytest.approx(-0.258, abs=0.001)
    for outside in (-0.5, 5.1, math.nan):
        assert math.isnan(rel.gaia_g_minus_v(outside).value)


def test_sdss_to_johnson_cousins_sun() -> None:
    g, r, i = 5.12 + 0.44, 5.12, 5.12 - 0.11
    v, vi = rel.sdss_to_johnson_cousins(g, r, i)
    assert vi.value == pytest.approx(0.70, abs=0.02)
    assert v.value == pytest.approx(g - 0.5784 * 0.44 - 0.0038)
    assert vi.err == pytest.approx(math.hypot(0.0054, 0.0078))


def test_teff_from_v_minus_i_sun_and_range() -> None:
    sun = rel.teff_from_v_minus_i(0.70, 0.0)
    assert sun.value == pytest.approx(SUN_TEFF, abs=100)
    assert sun.err == 59.0
    # Redder means cooler, more metal-poor at fixed colour means hotter (theta decreases).
    assert rel.teff_from_v_minus_i(1.0, 0.0).value < sun.value
    assert rel.teff_from_v_minus_i(0.70, -1.5).value > sun.value
    for vi, feh in ((0.40, 0.0), (1.50, 0.0), (0.70, 0.5), (math.nan, 0.0)):
        assert math.isnan(rel.teff_from_v_minus_i(vi, feh).value)


def test_teff_from_g_minus_r_sun_and_casagrande_consistency() -> None:
    assert rel.teff_from_g_minus_r(0.44).value == pytest.approx(SUN_TEFF, abs=150)
    f_star = rel.teff_from_g_minus_r(0.30)
    assert f_star.value == pytest.approx(10 ** (3.882 - 0.316 * 0.3 + 0.0488 * 0.09 + 0.0283 * 0.027))
    # Independent check through Lupton (2005) and Casagrande et al. (2010): r - i = 0.10 for an
    # F star with g - r = 0.30.
    _, vi = rel.sdss_to_johnson_cousins(15.30, 15.00, 14.90)
    assert f_star.value == pytest.approx(rel.teff_from_v_minus_i(vi.value, 0.0).value, abs=250)
    assert math.isnan(rel.teff_from_g_minus_r(-0.4).value)
    assert math.isnan(rel.teff_from_g_minus_r(1.4).value)


def test_teff_from_bp_minus_rp_sun_giant_dwarf_and_range() -> None:
    dwarf = rel.teff_from_bp_minus_rp(0.82, 0.0, giant=False)
    assert dwarf.value == pytest.approx(SUN_TEFF, abs=120)
    assert dwarf.err == 61.0
    assert rel.teff_from_bp_minus_rp(0.82, 0.0, giant=True).err == 83.0
    assert math.isnan(rel.teff_from_bp_minus_rp(0.35, 0.0, giant=False).value)
    assert not math.isnan(rel.teff_from_bp_minus_rp(0.35, 0.0, giant=True).value)
    assert math.isnan(rel.teff_from_bp_minus_rp(1.9, 0.0, giant=True).value)


def test_rrlyrae_abs_v_chaboyer() -> None:
    assert rel.rrlyrae_abs_v(Estimate(-1.6, 0.0)) == Estimate(pytest.approx(0.56), pytest.approx(0.12))
    typical = rel.rrlyrae_abs_v(Estimate(-1.5, 0.5))
    assert typical.value == pytest.approx(0.23 * -1.5 + 0.928)
    assert typical.err == pytest.approx(math.sqrt(0.12**2 + 0.004**2 + 0.115**2))
    assert math.isnan(rel.rrlyrae_abs_v(Estimate(-3.0, 0.1)).value)


def test_gaia_parallax_error_matches_edr3_summary_and_performance_formula() -> None:
    assert rel.gaia_edr3_parallax_error(17.0) == pytest.approx(0.07)
    assert rel.gaia_edr3_parallax_error(20.0) == pytest.approx(0.5)
    assert rel.gaia_edr3_parallax_error(12.0) == pytest.approx(0.025)
    assert math.isnan(rel.gaia_edr3_parallax_error(21.5))
    # The performance formula's bright floor (G = 13) lies below the quoted 0.02-0.03 mas.
    for g in np.arange(15.0, 20.01, 0.5):
        z = 10 ** (0.4 * (g - 15.0))
        formula = math.sqrt(40 + 800 * z + 30 * z * z) / 1000.0
        assert rel.gaia_edr3_parallax_error(g) == pytest.approx(formula, rel=0.3)


def test_abs_mag_from_parallax() -> None:
    est = rel.abs_mag_from_parallax(10.0, 10.0)
    assert est.value == pytest.approx(10.0 + 5 * math.log10(10.017) - 10.0)
    assert est.err == pytest.approx(5 / math.log(10) * 0.025 / 10.017)
    assert math.isnan(rel.abs_mag_from_parallax(18.0, 0.2).value)  # 0.2/0.21 < 5
    assert math.isnan(rel.abs_mag_from_parallax(12.0, -1.0).value)
    assert math.isnan(rel.abs_mag_from_parallax(12.0, math.nan).value)


def test_eros1_calibration_and_range() -> None:
    v, vi = rel.eros1_to_johnson_cousins(19.3, 18.7)
    assert vi.value == pytest.approx(0.5039 + 0.1680 * 0.6)
    assert v.value == pytest.approx(19.3 + 0.1010 - 0.3925 * 0.6)
    assert (v.err, vi.err) == (0.295, 0.106)
    assert all(math.isnan(e.value) for e in rel.eros1_to_johnson_cousins(18.0, 15.5))


def test_assumed_feh() -> None:
    assert rel.assumed_feh("RRLYR", None) == Estimate(-1.5, 0.5)
    assert rel.assumed_feh("CEP", "LMC") == Estimate(-0.33, 0.13)
    assert rel.assumed_feh("ECL", None) == Estimate(0.0, 0.3)


# ------------------------------------------------------------------------- assign_physics


def _lc(survey: str, star_id: str, band: str, vclass: str, meta: dict, period: float = 1.0) -> LightCurve:
    """A one-point light curve carrying only what the physics step reads."""
    return LightCurve(star_id, survey, band, [0.0], [15.0], [0.01], vclass, period=period, meta=meta)


def _ogle(star_id: str = "OGLE-LMC-CEP-0001", v: float = 15.0, i: float = 14.4) -> list[LightCurve]:
    meta = {"host": "LMC", "ogle_id": star_id, "mean_mag": {"V": v, "I": i}, "period_source": "catalog"}
    return [_lc("ogle3", star_id, b, "CEP", dict(meta), period=3.2) for b in ("I", "V")]


def _xmatch(star_id: str = "OGLE-LMC-CEP-0001") -> pd.DataFrame:
    row = {"teff_val": 5600.0, "phot_g_mean_mag": 14.8, "r_est": 4000.0, "r_lo": 3000.0, "r_hi": 5000.0}
    return pd.DataFrame([row], index=pd.Index([star_id], name="OGLE-ID"))


def test_lmc_star_default_priorities() -> None:
    lcs = _ogle()
    assign_physics(lcs, _xmatch())
    phys = lcs[0].physics
    assert phys["teff"] == PhysParam(5600.0, 324.0, "gaia", phys["teff"].note)
    assert phys["abs_mag"].source == "derived"
    # By hand: (V-I)_0 = 0.51, V_0 = 15 - 2.411*0.09, G-V(0.51) = -0.09023, mu = 18.477.
    v0 = 15.0 - 0.09 * 3.315 / 1.375
    assert phys["abs_mag"].value == pytest.approx(v0 - 0.09023 - 18.477, abs=1e-4)
    assert 0.1 < phys["abs_mag"].err < 0.3
    assert "Pietrzynski" in phys["abs_mag"].note
    assert (phys["period"].value, phys["period"].source) == (3.2, "catalog")
    assert math.isnan(phys["period"].err)


def test_lmc_star_paper_priorities_and_no_xmatch() -> None:
    lcs = _ogle()
    assign_physics(lcs, _xmatch(), abs_mag_priority=("gaia", "derived"), teff_priority=("derived", "gaia"))
    phys = lcs[0].physics
    assert phys["abs_mag"].source == "gaia"
    assert phys["abs_mag"].value == pytest.approx(14.8 - 5 * math.log10(4000.0) + 5)
    assert phys["abs_mag"].err == pytest.approx(5 / math.log(10) * 2000 / 8000)
    assert phys["teff"].source == "derived"
    expected = rel.teff_from_v_minus_i(0.51, -0.33).value
    assert phys["teff"].value == pytest.approx(expected, rel=1e-9)
    assert "Casagrande" in phys["teff"].note
    assign_physics(lcs, None)
    assert lcs[0].physics["teff"].source == "derived"


def test_all_bands_of_a_star_get_identical_physics_from_merged_meta() -> None:
    # Each band only knows its own mean magnitude: the star needs both for V - I.
    base = {"host": "LMC", "ogle_id": "OGLE-LMC-CEP-0002", "period_source": "catalog"}
    lcs = [
        _lc("ogle3", "OGLE-LMC-CEP-0002", "I", "CEP", {**base, "mean_mag": {"I": 14.4}}),
        _lc("ogle3", "OGLE-LMC-CEP-0002", "V", "CEP", {**base, "mean_mag": {"V": 15.0}}),
    ]
    assign_physics(lcs, None)
    assert lcs[0].physics == lcs[1].physics
    assert lcs[0].physics is not lcs[1].physics
    assert lcs[0].physics["teff"].source == "derived"


def test_crts_star_is_missing_teff_and_abs_mag() -> None:
    meta = {"mean_mag": {"V": 15.2}, "period_source": "lomb-scargle", "period_ok": True}
    lc = _lc("crts", "CSS_J000001", "V", "RRLYR", meta, period=0.55)
    assign_physics([lc], None)
    assert lc.physics["teff"].is_missing and "no colour" in lc.physics["teff"].note
    assert lc.physics["abs_mag"].is_missing and "crts" in lc.physics["abs_mag"].note
    assert lc.physics["period"].source == "derived"


def test_validity_ranges_become_missing_with_reason() -> None:
    hot = _ogle("OGLE-LMC-CEP-0003", v=15.0, i=14.7)  # (V-I)_0 = 0.21
    assign_physics(hot, None)
    assert hot[0].physics["teff"].is_missing
    assert "outside Casagrande" in hot[0].physics["teff"].note
    mira = {"mean_mag": {"G": 9.0}, "bp_rp": 3.2, "parallax_mas": 0.01, "period_source": "lomb-scargle"}
    lpv = _lc("gaia-dr3", "123", "G", "LPV", mira, period=300.0)
    assign_physics([lpv], None)
    assert lpv.physics["teff"].is_missing and "giant range" in lpv.physics["teff"].note
    assert lpv.physics["abs_mag"].is_missing and "parallax" in lpv.physics["abs_mag"].note


def test_gaia_dr3_star_with_good_parallax() -> None:
    meta = {"mean_mag": {"G": 12.0}, "bp_rp": 0.6, "parallax_mas": 2.0, "period_source": "lomb-scargle"}
    lc = _lc("gaia-dr3", "456", "G", "RRLYR", meta, period=0.6)
    assign_physics([lc], None)
    mag = lc.physics["abs_mag"]
    assert mag.source == "gaia"
    assert mag.value == pytest.approx(12.0 + 5 * math.log10(2.017) - 10.0)
    assert mag.err > 0.28  # the unknown extinction dominates
    teff = lc.physics["teff"]
    assert teff.source == "derived"
    assert teff.value == pytest.approx(rel.teff_from_bp_minus_rp(0.6, -1.5, giant=True).value)


def test_sdss_rrlyrae_gets_chaboyer_abs_mag_and_ivezic_teff() -> None:
    mags = {"u": 17.8, "g": 16.7, "r": 16.5, "i": 16.45, "z": 16.44}
    meta = {"mean_mag": mags, "period_source": "catalog"}
    lcs = [_lc("sdss-s82", "4099", b, "RRLYR", meta, period=0.64) for b in "ugriz"]
    assign_physics(lcs, None)
    assert all(lc.physics == lcs[0].physics for lc in lcs)
    mag, teff = lcs[0].physics["abs_mag"], lcs[0].physics["teff"]
    assert mag.source == "derived" and "Chaboyer" in mag.note
    assert mag.value == pytest.approx(0.583 - 0.07, abs=0.05)
    ebv = rel.STRIPE82_E_B_MINUS_V.value
    assert teff.value == pytest.approx(rel.teff_from_g_minus_r(0.2 - (3.793 - 2.751) * ebv).value)


def test_period_provenance() -> None:
    cat = _lc("ogle3", "a", "I", "CEP", {"period_source": "catalog", "period_err": 1e-6}, period=2.0)
    ls_ok = _lc("crts", "b", "V", "ECL", {"period_source": "lomb-scargle"}, period=0.4)
    ls_bad = _lc("crts", "c", "V", "ECL", {"period_source": "lomb-scargle", "period_ok": False}, period=0.4)
    none = _lc("crts", "d", "V", "LPV", {"period_source": "lomb-scargle"}, period=math.nan)
    assign_physics([cat, ls_ok, ls_bad, none], None)
    assert cat.physics["period"] == PhysParam(2.0, 1e-6, "catalog", "survey catalogue")
    assert ls_ok.physics["period"].source == "derived"
    assert ls_bad.physics["period"].is_missing and "failed" in ls_bad.physics["period"].note
    assert none.physics["period"].is_missing


@pytest.mark.parametrize("prio", [(), ("gaia", "gaia"), ("gaia", "catalog")])
def test_bad_priorities_raise(prio: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="priority"):
        assign_physics(_ogle(), None, teff_priority=prio)


def test_physics_summary_counts_stars_and_is_json() -> None:
    lcs = _ogle() + _ogle("OGLE-LMC-CEP-0009", v=15.0, i=14.7)
    lcs.append(_lc("crts", "x", "V", "RRLYR", {"period_source": "lomb-scargle"}, period=0.5))
    assign_physics(lcs, _xmatch())
    summary = physics_summary(lcs)
    json.dumps(summary)
    cep = summary["ogle3"]["CEP"]
    assert cep["teff"] == {"gaia": 1, "derived": 0, "catalog": 0, "missing": 1}
    assert cep["abs_mag"]["derived"] == 2
    assert cep["period"]["catalog"] == 2
    assert set(summary["crts"]["RRLYR"]["teff"]) == set(PROVENANCES)
    assert summary["crts"]["RRLYR"]["teff"]["missing"] == 1


def test_values_are_plain_floats() -> None:
    lcs = _ogle()
    assign_physics(lcs, _xmatch(), abs_mag_priority=("gaia", "derived"))
    for param in lcs[0].physics.values():
        assert type(param.value) is float and type(param.err) is float


# ------------------------------------------------------------------------------- real data


def _load_xmatch() -> pd.DataFrame:
    folder = shared_dir("gaia-dr2-ogle3-xmatch")
    frames = [pd.read_csv(f) for f in sorted(folder.glob("*.csv"))]
    return pd.concat(frames, ignore_index=True).drop_duplicates("OGLE-ID").set_index("OGLE-ID")


@pytest.mark.shared_data
def test_real_lmc_cepheids_derived_teff_tracks_gaia() -> None:
    xmatch = _load_xmatch()
    cep = xmatch[xmatch.index.str.startswith("OGLE-LMC-CEP") & xmatch["teff_val"].notna()]
    lcs = []
    for ogle_id, row in cep.iterrows():
        meta = {"host": "LMC", "ogle_id": ogle_id, "mean_mag": {"I": row["I"], "V": row["I"] + row["V_I"]}}
        lcs.append(_lc("ogle3", ogle_id, "I", "CEP", meta))
    assign_physics(lcs, xmatch, teff_priority=("derived", "gaia"))
    derived = np.array([lc.physics["teff"].value if lc.physics["teff"].source == "derived" else np.nan for lc in lcs])
    ok = np.isfinite(derived)
    diff = derived[ok] - cep["teff_val"].to_numpy()[ok]
    rho = stats.spearmanr(derived[ok], cep["teff_val"].to_numpy()[ok]).statistic
    med = float(np.median(diff))
    robust = float(1.4826 * np.median(np.abs(diff - med)))
    print(f"\nLMC Cepheids: n={ok.sum()} median(derived-Gaia)={med:.0f} K robust sigma={robust:.0f} K rho={rho:.2f}")
    assert ok.sum() > 1000
    assert rho > 0.6
    # Gaia DR2 Priam ignores extinction (cooler); E(V-I)=0.09 makes the derived Teff hotter.
    assert 0 < med < 600
    assert robust < 400


@pytest.mark.shared_data
def test_real_xmatch_abs_gmag_column_is_i_band_in_some_files() -> None:
    """Why M_G is recomputed from phot_g_mean_mag and r_est rather than read from abs_Gmag."""
    folder = shared_dir("gaia-dr2-ogle3-xmatch")
    table = pd.read_csv(folder / "var_conf_matches.csv")
    dm = 5 * np.log10(table["r_est"]) - 5
    assert np.allclose(table["abs_Gmag"], table["I"] - dm, atol=1e-3)
    assert not np.allclose(table["abs_Gmag"], table["phot_g_mean_mag"] - dm, atol=1e-3)


@pytest.mark.shared_data
def test_real_eros1_calibration_reproduces_from_ogle3() -> None:
    eros_dir, ogle_dir = shared_dir("eros1-lmc"), shared_dir("ogle3-catalog")
    from astropy import units as u
    from astropy.coordinates import SkyCoord

    ogle = pd.read_csv(
        ogle_dir / "ogle3_catalog.txt.bz2",
        sep="\t",
        comment="#",
        header=None,
        usecols=[0, 5, 6, 12, 13, 14],
        names=["ID", "RA", "DECL", "I", "V", "P_1"],
        dtype={"ID": str},
    )
    ogle = ogle[ogle["ID"].str.startswith("OGLE-LMC") & (ogle["V"] > 0) & (ogle["I"] > 0)]
    eros = pd.concat([pd.read_csv(eros_dir / f) for f in ("train.csv", "test.csv")], ignore_index=True)
    ra = 15 * (eros["asc_d"] + eros["asc_m"] / 60 + eros["asc_s"] / 3600)
    dec = np.sign(eros["dec_d"]) * (eros["dec_d"].abs() + eros["dec_m"] / 60 + eros["dec_s"] / 3600)
    idx, sep, _ = SkyCoord(ra.to_numpy() * u.deg, dec.to_numpy() * u.deg).match_to_catalog_sky(
        SkyCoord(ogle["RA"].to_numpy() * 15 * u.deg, ogle["DECL"].to_numpy() * u.deg)
    )
    match = ogle.iloc[idx]
    period = (eros["period"] / eros["div_period"]).to_numpy()
    colour = (eros["magnitude_b"] - eros["magnitude_r"]).to_numpy()
    keep = (
        (sep.arcsec < 3)
        & (np.abs(period - match["P_1"].to_numpy()) < 0.02 * match["P_1"].to_numpy())
        & (eros["type"].to_numpy() < 4)
        & (colour > -0.1)
        & (colour < 1.3)
    )
    vi = (match["V"] - match["I"]).to_numpy()[keep]
    fit = stats.siegelslopes(vi, colour[keep])
    print(f"\nEROS-1 x OGLE-III: n={keep.sum()} V-I = {fit.intercept:.4f} + {fit.slope:.4f} (B_E-R_E)")
    assert keep.sum() > 1500
    assert fit.intercept == pytest.approx(0.5039, abs=0.01)
    assert fit.slope == pytest.approx(0.1680, abs=0.01)


@pytest.mark.shared_data
def test_real_stripe82_reddening_measurement() -> None:
    folder = shared_dir("sdss-s82-rrlyrae")
    names = ["Num", "Type", "Per"] + [f"{q}{b}" for b in "ugriz" for q in ("A", "mag", "phi", "T")]
    table = pd.read_csv(folder / "apj326724t2.txt", skiprows=42, header=None, sep=r"\s+", names=names)
    ebv = []
    for row in table.itertuples():
        lc = pd.read_csv(folder / "light-curves" / f"{row.Num}.csv")
        r = lc.loc[(lc["band"] == "r") & (lc["mag"] > 0) & (lc["mag"] < 30), "mag"].to_numpy()
        if r.size >= 20:
            ebv.append((np.percentile(r, 2) - row.magr) / rel.SFD98_A_OVER_EBV["r"])
    median = float(np.median(ebv))
    print(f"\nStripe 82 RR Lyrae: n={len(ebv)} median E(B-V)={median:.3f}")
    assert len(ebv) > 450
    assert median == pytest.approx(rel.STRIPE82_E_B_MINUS_V.value, abs=0.01)


def test_eros1_star_and_missing_colour_reasons() -> None:
    meta = {"host": "LMC", "mean_mag": {"B": 19.3, "R": 18.7}, "period_source": "catalog"}
    rr = [_lc("eros1", "1_2", b, "RRLYR", dict(meta), period=0.55) for b in "BR"]
    mira_meta = {"host": "LMC", "mean_mag": {"B": 18.2, "R": 15.7}, "period_source": "catalog"}
    mira = _lc("eros1", "3_4", "R", "LPV", mira_meta, period=280.0)
    no_v = _lc("ogle3", "OGLE-LMC-CEP-0005", "I", "CEP", {"host": "LMC", "mean_mag": {"I": 14.0}})
    sdss = _lc("sdss-s82", "7", "g", "RRLYR", {"mean_mag": {"g": 16.7}})
    assign_physics([*rr, mira, no_v, sdss], None)
    vi0 = 0.5039 + 0.1680 * 0.6 - 0.09
    assert rr[0].physics["teff"].value == pytest.approx(rel.teff_from_v_minus_i(vi0, -1.5).value)
    assert rr[0].physics["teff"].err > 500  # EROS-1 colours say little: honest large error
    assert rr[0].physics["abs_mag"].source == "derived"
    assert rr[0].physics == rr[1].physics
    for lc in (mira, no_v):
        assert "no usable V-I colour" in lc.physics["teff"].note
        assert "no usable V-I colour" in lc.physics["abs_mag"].note
    assert "no g, r, i" in sdss.physics["teff"].note and "no g, r, i" in sdss.physics["abs_mag"].note


def test_xmatch_with_id_column_and_duplicates() -> None:
    table = _xmatch().reset_index()
    table = pd.concat([table, table.assign(teff_val=9999.0)], ignore_index=True)
    lcs = _ogle()
    assign_physics(lcs, table)
    assert lcs[0].physics["teff"].value == 5600.0
