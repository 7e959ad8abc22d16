"""The training-physics catalog: conditional draws, ranges, unknown classes."""

from __future__ import annotations

import numpy as np
import pytest

from varsynth.config import ConfigError
from varsynth.latent.catalog import PhysicsCatalog, load_catalog, save_catalog


def catalog() -> PhysicsCatalog:
    """CEP on a period-luminosity line (M = -2.5 log P - 1.5), Teff for all; LPV with Teff for 1 star in 10;
    ACEP without Teff and M_G."""
    logp = np.linspace(0.0, 1.5, 100)
    cep = np.stack([np.full(100, 3.76), -2.5 * logp - 1.5, logp], axis=1)
    lpv = np.stack([np.where(np.arange(50) % 10 == 0, 3.5, np.nan), np.full(50, -3.0), np.linspace(2, 2.5, 50)], axis=1)
    acep = np.stack([np.full(10, np.nan), np.full(10, np.nan), np.linspace(-0.2, 0.3, 10)], axis=1)
    return PhysicsCatalog(
        vclass=np.array(["CEP"] * 100 + ["LPV"] * 50 + ["ACEP"] * 10, dtype=object),
        subtype=np.array(["F"] * 50 + ["1O"] * 50 + ["Mira"] * 50 + [""] * 10, dtype=object),
        phys=np.vstack([cep, lpv, acep]),
        wave_eff=np.full(160, 806.0),
    )


def test_missing_parameters_follow_the_given_ones():
    cat = catalog()
    out, _ = cat.draw("CEP", None, np.array([np.nan, np.nan, 1.0]), 200, np.random.default_rng(0))
    assert np.all(out[:, 2] == 1.0)
    np.testing.assert_allclose(out[:, 1], -2.5 * 1.0 - 1.5, atol=0.4)  # near the PL relation at log P = 1
    assert np.all(out[:, 0] == 3.76)


def test_parameter_a_quarter_of_the_class_has_comes_from_the_same_star():
    # 3 in 10 stars have Teff, which rises with period: drawn together from one star, Teff keeps
    # that relation; drawn from a random star having it (the rule before CORE_FRACTION was 0.25,
    # when only parameters >= 50% of the class had went together), it did not.
    logp = np.linspace(-0.4, 0.0, 100)
    teff = np.where(np.arange(100) % 10 < 3, 3.8 + 0.2 * logp, np.nan)
    cat = PhysicsCatalog(
        vclass=np.full(100, "RRLYR", dtype=object),
        subtype=np.full(100, "RRab", dtype=object),
        phys=np.stack([teff, np.full(100, 0.6), logp], axis=1),
        wave_eff=np.full(100, 806.0),
    )
    mean_teff = []
    for p in (-0.35, -0.05):
        out, rows = cat.draw("RRLYR", "RRab", np.array([np.nan, np.nan, p]), 400, np.random.default_rng(2))
        assert np.array_equal(out[:, 0], cat.phys[rows, 0])  # the neighbour's own Teff
        mean_teff.append(out[:, 0].mean())
    # 20 nearest of the 30 stars with a Teff: means ~0.025 dex apart (a random star: within 0.005)
    assert mean_teff[1] - mean_teff[0] > 0.015


def test_sparse_and_absent_parameters():
    cat = catalog()
    lpv, _ = cat.draw("LPV", None, np.full(3, np.nan), 50, np.random.default_rng(1))
    assert np.all(lpv[:, 0] == 3.5) and np.all(np.isfinite(lpv))  # copied from the stars having it
    acep, _ = cat.draw("ACEP", None, np.full(3, np.nan), 5, np.random.default_rng(1))
    assert np.all(np.isnan(acep[:, :2])) and np.all(np.isfinite(acep[:, 2]))


def test_robust_ranges_ignore_a_few_outliers():
    logp = np.concatenate([np.linspace(-0.5, 0.0, 400), [0.5]])  # 400 RR Lyrae and one aliased 3-day star
    cat = PhysicsCatalog(
        np.array(["RRLYR"] * 401, dtype=object),
        np.array([""] * 401, dtype=object),
        np.stack([np.full(401, 3.8), np.full(401, 0.6), logp], axis=1),
        np.full(401, 806.0),
    )
    lo, hi = cat.ranges("RRLYR")["log10_period"]
    assert -0.5 < lo < -0.49 and -0.01 < hi <= 0.0


def test_ranges_subtypes_and_errors(tmp_path):
    cat = catalog()
    assert cat.ranges("CEP", "F")["log10_period"][1] < 0.76
    assert all(np.isnan(v) for v in cat.ranges("ACEP")["log10_teff"])  # no Teff in training
    with pytest.raises(ConfigError, match="class 'RRLYR' is not in this model's training data"):
        cat.rows("RRLYR")
    with pytest.raises(ConfigError, match=r"subtype 'RRab' of CEP .* valid: \['1O', 'F'\]"):
        cat.rows("CEP", "RRab")
    save_catalog(tmp_path, cat)
    again = load_catalog(tmp_path)
    np.testing.assert_array_equal(again.phys, cat.phys)
    assert list(again.vclass) == list(cat.vclass)


def test_error_scale_is_the_class_median_and_survives_a_round_trip(tmp_path):
    n = 6
    cat = PhysicsCatalog(
        np.array(["CEP"] * 3 + ["ECL"] * 3, dtype=object),
        np.array([""] * n, dtype=object),
        np.zeros((n, 3)),
        np.full(n, 800.0),
        scaled_err=np.array([0.01, 0.02, 0.09, 0.1, np.nan, 0.3]),
    )
    assert cat.error_scale("CEP") == pytest.approx(0.02)
    assert cat.error_scale("ECL") == pytest.approx(0.2)
    save_catalog(tmp_path, cat)
    np.testing.assert_array_equal(load_catalog(tmp_path).scaled_err, cat.scaled_err)
    old = PhysicsCatalog(cat.vclass, cat.subtype, cat.phys, cat.wave_eff)  # a bundle from before the column
    save_catalog(tmp_path, old)
    assert load_catalog(tmp_path).scaled_err is None and np.isnan(load_catalog(tmp_path).error_scale("CEP"))


def test_generated_errors_without_a_survey_error_model_have_the_class_scale():
    from varsynth.generation import StarRequest, generate_table
    from varsynth.generation.model import load_model

    model = load_model("default")
    table = generate_table(
        StarRequest("RRLYR", period=0.6), n=30, cadence="uniform", model=model, seed=2, noise=False
    ).to_pandas()
    ratio = table.groupby("id").apply(lambda g: np.median(g["mag_err"]) / np.ptp(g["mag"]), include_groups=False)
    # each curve's median error is the class's typical fraction of the amplitude (the decoder's scaled
    # min-max range, of which a noiseless curve's peak-to-peak covers most); the raw prediction was ~0.9
    assert 0.8 < np.median(ratio) / model.catalog.error_scale("RRLYR") < 2.0


def test_draw_names_the_training_light_curve_each_draw_came_from():
    cat = catalog()
    out, rows = cat.draw("CEP", None, np.array([np.nan, np.nan, 1.0]), 300, np.random.default_rng(2))
    assert rows.shape == (300,) and np.all(cat.vclass[rows] == "CEP")
    np.testing.assert_array_equal(out[:, 1], cat.phys[rows, 1])  # M_G copied from that star
    # all parameters given: the rows are still the class's stars nearest to them
    given = cat.phys[cat.rows("CEP")][7]
    out, rows = cat.draw("CEP", None, given, 50, np.random.default_rng(3), k=1)
    np.testing.assert_array_equal(out, np.repeat(given[None], 50, axis=0))
    np.testing.assert_array_equal(cat.phys[rows], out)


def test_base_codes_round_trip_through_the_bundle(tmp_path):
    cat = catalog()
    cat.base_code = np.random.default_rng(4).standard_normal((len(cat.vclass), 9)).astype(np.float32)
    save_catalog(tmp_path, cat)
    again = load_catalog(tmp_path)
    np.testing.assert_array_equal(again.base_code, cat.base_code)
    cat.base_code = None
    save_catalog(tmp_path, cat)
    assert load_catalog(tmp_path).base_code is None


def test_log_density_is_the_kernel_density_of_the_given_physics():
    """Known answer: one star of a class gives a Gaussian of the 0.01 floor bandwidth around it;
    many stars of N(0, 1) give about the standard normal density; unknown or absent parameters
    are left out."""
    rng = np.random.default_rng(0)
    n = 20000
    values = np.column_stack([np.full(n, np.nan), rng.normal(0, 1, n), rng.normal(0, 1, n)])
    values = np.vstack([values, [[3.8, 0.5, 0.0]]])  # one star of another class
    cat = PhysicsCatalog(np.array(["RRLYR"] * n + ["CEP"]), np.array([""] * (n + 1)), values, np.full(n + 1, 500.0))
    nan = np.nan
    assert cat.log_density("RRLYR", np.array([nan, nan, nan])) == 0.0  # nothing given: uninformative
    # Teff given, but no RRLYR star has it: left out
    assert cat.log_density("RRLYR", np.array([3.8, nan, 0.5])) == cat.log_density("RRLYR", np.array([nan, nan, 0.5]))
    # N(0, 1) smoothed by h = 1.06 n^-1/5: variance 1 + h^2; tolerance ~3x the estimate's sampling error,
    # 1 / sqrt(2 sqrt(pi) n h f(x)) in log density
    for x, tol in ((0.0, 0.03), (1.0, 0.04), (2.0, 0.12)):
        expected = -0.5 * x**2 / (1 + 1.06**2 * n**-0.4) - 0.5 * np.log(2 * np.pi * (1 + 1.06**2 * n**-0.4))
        assert cat.log_density("RRLYR", np.array([nan, nan, x])) == pytest.approx(expected, abs=tol)
    # a single star: a Gaussian of width 0.01 per parameter
    one = cat.log_density("CEP", np.array([3.8, 0.5, 0.01]))
    assert one == pytest.approx(-0.5 * 1.0 - 3 * np.log(0.01 * np.sqrt(2 * np.pi)), abs=1e-9)


def test_a_five_day_period_counts_against_delta_scuti(default_model):
    """The embedded model's catalog: log p(log P = 0.7 | class) is far lower for DSCT and RR Lyrae than for
    Cepheids, which inference adds to each class's evidence."""
    cat, known = default_model.catalog, np.array([np.nan, np.nan, np.log10(5.0)])
    dens = {c: cat.log_density(c, known) for c in ("CEP", "T2CEP", "DSCT", "RRLYR")}
    assert dens["CEP"] > dens["T2CEP"] - 5 and dens["DSCT"] < dens["CEP"] - 20 and dens["RRLYR"] < dens["CEP"] - 20


def _two_band_catalog() -> PhysicsCatalog:
    """60 Miras observed in V (550 nm) and 40 in R (760 nm), periods interleaved on one grid, so
    that each band's stars are as near in period as the other's."""
    logp = np.linspace(2.0, 2.6, 100)
    wave = np.where(np.arange(100) % 5 < 3, 550.0, 760.0)
    phys = np.column_stack([np.full(100, np.nan), np.full(100, -3.0), logp])
    return PhysicsCatalog(np.array(["LPV"] * 100), np.array(["Mira"] * 100), phys, wave)


def test_neighbours_prefer_the_requested_passband():
    cat = _two_band_catalog()
    given = np.array([np.nan, np.nan, 2.3])
    # passbands ignored: the 20 nearest in period, from both bands
    _, rows = cat.draw("LPV", None, given, 400, np.random.default_rng(0))
    assert set(cat.wave_eff[rows]) == {550.0, 760.0}
    # asked for I (806 nm): R is 0.025 dex away, V 0.166 dex, 1.4 standard deviations of log P at 0.1 dex
    out, rows = cat.draw("LPV", None, given, 400, np.random.default_rng(0), wave_nm=806.0, wave_dex=0.1)
    assert np.all(cat.wave_eff[rows] == 760.0)
    assert np.all(np.abs(cat.phys[rows, 2] - 2.3) < 0.2)  # still near the period asked for
    assert np.all(out[:, 2] == 2.3)
    # nothing given: every R-band star is equally near, and all of them are drawn, not the first 20
    _, rows = cat.draw("LPV", None, np.full(3, np.nan), 2000, np.random.default_rng(1), wave_nm=806.0, wave_dex=0.1)
    assert np.all(cat.wave_eff[rows] == 760.0) and len(set(rows.tolist())) == 40


def test_passband_weight_trades_against_physics():
    """A weak passband weight (10 dex) leaves the period to decide: the V and R stars nearest in
    period are both drawn, as without it."""
    cat = _two_band_catalog()
    given = np.array([np.nan, np.nan, 2.3])
    _, rows = cat.draw("LPV", None, given, 400, np.random.default_rng(0), wave_nm=806.0, wave_dex=10.0)
    assert set(cat.wave_eff[rows]) == {550.0, 760.0}


@pytest.mark.parametrize(("wave", "dex"), [(0.0, 0.1), (-5.0, 0.1), (float("nan"), 0.1), (806.0, 0.0)])
def test_invalid_passband_is_refused(wave, dex):
    with pytest.raises(ConfigError, match="wave_nm and wave_dex"):
        _two_band_catalog().draw(
            "LPV", None, np.full(3, np.nan), 1, np.random.default_rng(0), wave_nm=wave, wave_dex=dex
        )


def test_wavelength_convention_is_the_trained_one():
    """A model trained on colour-dependent wavelengths sees a cool star's EROS blue light curve at
    621 nm; one trained before, at 555 nm, the published value, whatever the star."""
    cat = catalog()
    np.testing.assert_allclose(cat.wavelengths("eros1", "B", np.array([3000.0, 9600.0]), "LPV"), 555.0)
    colour = PhysicsCatalog(cat.vclass, cat.subtype, cat.phys, cat.wave_eff, colour_wavelengths=True)
    np.testing.assert_allclose(colour.wavelengths("eros1", "B", np.array([3000.0, np.nan]), "LPV"), 620.85, atol=0.1)
    np.testing.assert_allclose(colour.wavelengths("ogle3", "I", np.array([3000.0]), "LPV"), 806.0)


def test_measured_rows_count_catalog_amplitudes_near_a_passband():
    """Rows without a light curve (OGLE-III catalog I-band amplitudes) of the class and subtype,
    within 0.01 dex of the passband; light-curve rows never count."""
    cat = catalog()
    cat.light_curve = np.ones(160, bool)
    cat.light_curve[[100, 101, 102]] = False  # three LPV Mira rows ...
    cat.wave_eff = cat.wave_eff.copy()
    cat.wave_eff[102] = 640.0  # ... one of them in another passband
    assert cat.measured_rows("LPV", "Mira", 806.0) == 2
    assert cat.measured_rows("LPV", None, 806.0 * 10**0.009) == 2
    assert cat.measured_rows("LPV", None, 806.0 * 10**0.011) == 0
    assert cat.measured_rows("LPV", None, 640.0) == 1
    assert cat.measured_rows("CEP", None, 806.0) == 0  # its rows are light curves
    cat.light_curve = None  # a catalog of light curves only
    assert cat.measured_rows("LPV", "Mira", 806.0) == 0
