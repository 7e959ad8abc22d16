"""Known-physics section: metric functions with known answers, and the section on a tiny dataset."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from helpers import write_tiny_dataset
from hypothesis import given, settings
from hypothesis import strategies as st

from varsynth.evaluation.context import EvalContext
from varsynth.evaluation.known_physics import (
    binned_medians,
    bootstrap_slope,
    circular_mean,
    evaluate_known_physics,
    intensity_mean,
    linear_fit,
    median_gap,
    minimum_location,
    r21_dip,
    teff_stars,
    wrap_phase,
)
from varsynth.evaluation.report import json_safe
from varsynth.generation.model import load_model


def test_binned_medians_of_known_bins():
    x = np.array([0.01, 0.02, 0.03, 0.12, 0.14, 0.16, 0.18, 0.25, np.nan])
    y = np.array([1.0, 5.0, 3.0, 10.0, 20.0, 30.0, 40.0, 7.0, 1.0])
    out = binned_medians(x, y, np.array([0.0, 0.1, 0.2, 0.3]), min_count=2)
    np.testing.assert_allclose(out["center"], [0.05, 0.15, 0.25])
    assert out["n"].tolist() == [3, 4, 1]
    np.testing.assert_allclose(out["median"][:2], [3.0, 25.0])
    assert math.isnan(out["median"][2])  # one point < min_count
    with pytest.raises(ValueError, match="edges"):
        binned_medians(x, y, np.array([0.0, 0.0, 1.0]))


def test_median_gap_averages_the_bins_both_have():
    a = pd.DataFrame({"center": [0, 1, 2], "median": [1.0, 2.0, np.nan]})
    b = pd.DataFrame({"center": [0, 1, 2], "median": [1.5, 1.0, 3.0]})
    assert median_gap(a, b) == pytest.approx(0.75)
    assert math.isnan(median_gap(a.assign(median=np.nan), b))


@settings(max_examples=30, deadline=None)
@given(st.floats(-5, 5), st.floats(-20, 20))
def test_linear_fit_of_an_exact_line_gives_its_slope_and_no_scatter(slope, intercept):
    x = np.linspace(0, 1.5, 40)
    fit = linear_fit(x, slope * x + intercept)
    assert fit["slope"] == pytest.approx(slope, abs=1e-9)
    assert fit["intercept"] == pytest.approx(intercept, abs=1e-9)
    assert fit["scatter"] == pytest.approx(0, abs=1e-9) and fit["n"] == 40


def test_linear_fit_clips_an_outlier():
    rng = np.random.default_rng(1)
    x = np.linspace(0, 1.5, 200)
    y = -2.96 * x + 16.9 + rng.uniform(-0.1, 0.1, x.size)  # bounded noise: only the outlier is beyond 3 sigma
    y[10] += 5.0
    clipped, plain = linear_fit(x, y), linear_fit(x, y, clip_sigma=None)
    assert clipped["n"] == 199 and plain["n"] == 200
    assert abs(clipped["slope"] + 2.96) < 0.05 and clipped["scatter"] == pytest.approx(0.1 / math.sqrt(3), rel=0.15)
    assert plain["scatter"] > 0.3
    assert math.isnan(linear_fit([1.0, 2.0], [1.0, 2.0])["slope"])


def test_bootstrap_slope_error_is_finite_and_near_the_analytic_one():
    x = np.linspace(0, 1, 50)
    slope, err = bootstrap_slope(x, 3 * x + 1, n_boot=50)
    assert slope == pytest.approx(3) and err == pytest.approx(0, abs=1e-9)
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 1, 400)
    y = 2 * x + rng.normal(0, 0.5, x.size)
    slope, err = bootstrap_slope(x, y, n_boot=400, seed=3)
    analytic = 0.5 / (math.sqrt(x.size) * np.std(x))
    assert np.isfinite(err) and err == pytest.approx(analytic, rel=0.25)
    assert abs(slope - 2) < 4 * analytic
    assert bootstrap_slope(x, y, n_boot=10, seed=3) == bootstrap_slope(x, y, n_boot=10, seed=3)
    assert all(math.isnan(v) for v in bootstrap_slope(x[:3], y[:3]))


def test_bootstrap_slope_at_fixed_covariate():
    rng = np.random.default_rng(4)
    c = rng.uniform(0, 1, 300)
    x = c + rng.normal(0, 0.3, c.size)  # x correlates with the covariate
    y = 2 * x - 5 * c
    fixed, err = bootstrap_slope(x, y, c, n_boot=20)
    marginal, _ = bootstrap_slope(x, y, n_boot=20)
    assert fixed == pytest.approx(2) and err == pytest.approx(0, abs=1e-9)
    assert marginal < 0  # the covariate reverses the marginal trend


def test_minimum_location_finds_the_dip_inside_the_window():
    log_p = np.linspace(0, 1.5, 3001)
    r21 = 0.45 - 0.3 * np.exp(-0.5 * ((log_p - 1.02) / 0.04) ** 2)
    r21[log_p < 0.1] = 0.0  # a deeper minimum outside the window is ignored
    binned = binned_medians(log_p, r21, np.arange(0, 1.55, 0.05))
    where, value = minimum_location(binned, 0.8, 1.2)
    assert where == pytest.approx(1.025)
    assert value == pytest.approx(np.median(r21[(log_p >= 1.0) & (log_p < 1.05)])) and value < 0.2
    assert all(math.isnan(v) for v in minimum_location(binned, 2.0, 3.0))


def test_r21_dip_gives_the_minimum_and_its_depth_below_the_plateau():
    log_p = np.linspace(0.3, 1.4, 2201)
    r21 = 0.45 - 0.3 * np.exp(-0.5 * ((log_p - 1.02) / 0.04) ** 2)
    where, value, depth = r21_dip(log_p, r21)
    assert where == pytest.approx(1.025) and value < 0.2
    assert depth == pytest.approx(0.45 - value, abs=1e-6)  # the plateau (log P 0.4-0.7) sits at 0.45
    assert math.isnan(r21_dip(log_p[log_p > 0.75], r21[log_p > 0.75])[2])  # no plateau stars


@settings(max_examples=50, deadline=None)
@given(st.floats(-20, 20), st.floats(0, 2 * math.pi))
def test_wrap_phase_keeps_angles_within_pi_of_the_center(phi, center):
    out = float(wrap_phase(np.array([phi]), center)[0])
    assert center - math.pi - 1e-9 <= out < center + math.pi + 1e-9
    assert math.isclose(math.cos(out), math.cos(phi), abs_tol=1e-9)
    assert math.isclose(math.sin(out), math.sin(phi), abs_tol=1e-9)


def test_circular_mean_across_zero_and_intensity_mean():
    across = circular_mean(np.array([0.1, 2 * math.pi - 0.1]))  # the arithmetic mean would be pi
    assert 0 <= across < 2 * math.pi and math.cos(across) == pytest.approx(1)
    assert circular_mean(np.array([1.0, 1.2, np.nan])) == pytest.approx(1.1)
    assert intensity_mean(np.full(5, 15.3)) == pytest.approx(15.3)
    assert intensity_mean(np.array([15.0, 16.0])) == pytest.approx(-2.5 * math.log10((10**-6 + 10**-6.4) / 2))


def test_teff_stars_keeps_ogle3_i_band_cepheids_with_teff():
    frame = pd.DataFrame(
        {
            "vclass": ["CEP", "CEP", "CEP", "CEP", "RRLYR", "CEP"],
            "subtype": ["F", "F", "1O", "F", "RRab", "F"],
            "survey": ["ogle3", "ogle3", "ogle3", "ogle3", "ogle3", "eros1"],
            "band": ["I", "V", "I", "I", "I", "R"],
            "teff_source": ["gaia", "gaia", "derived", "missing", "derived", "derived"],
            "teff": [5500.0, 5500.0, 6000.0, np.nan, 6500.0, 5800.0],
        }
    )
    assert teff_stars(frame)["teff"].tolist() == [5500.0]
    assert teff_stars(frame, "1O")["teff"].tolist() == [6000.0]


def _synthetic_catalog(seed: int = 0) -> pd.DataFrame:
    """OGLE-III-like catalog rows: LMC CEP F on a PL relation of slope -2.96, RRab and RRc, SMC decoys."""
    rng = np.random.default_rng(seed)
    n = 400
    log_p = rng.uniform(0.1, 1.4, n)
    cep = pd.DataFrame(
        {
            "vclass": "CEP",
            "subtype_norm": "F",
            "Field": "LMC100.1",
            "P_1": 10**log_p,
            "I": 16.9 - 2.96 * log_p + rng.normal(0, 0.1, n),
            "A_1": rng.uniform(0.2, 0.8, n),
            "R21_1": 0.45 - 0.3 * np.exp(-0.5 * ((log_p - 1.02) / 0.06) ** 2),
            "phi21_1": 4.0 + log_p,
            "phi31_1": rng.uniform(2, 3, n),
        }
    )
    period = rng.uniform(0.45, 0.75, n)
    rrab = pd.DataFrame(
        {
            "vclass": "RRLYR",
            "subtype_norm": "RRab",
            "Field": "LMC101.2",
            "P_1": period,
            "I": 18.8,
            "A_1": 0.5 - 2.0 * (np.log10(period) + 0.25),
            "R21_1": 0.5,
            "phi21_1": 4.0,
            "phi31_1": 2.5 + 5.0 * (period - 0.57),
        }
    )
    rrc = rrab.assign(subtype_norm="RRc", P_1=period / 2, A_1=0.27)
    smc = cep.assign(Field="SMC100.1", I=0.0)  # would wreck the PL fit if kept
    return pd.concat([cep, rrab, rrc, smc], ignore_index=True)


@pytest.fixture(scope="module")
def model():
    return load_model("default")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return write_tiny_dataset(tmp_path_factory.mktemp("physics") / "data")


@pytest.fixture
def small(monkeypatch):
    """Quick mode with fewer stars still (5 periods x 6 Cepheids, 40 RRab, 20 RRc, 3 Teff x 8, 4 steps)."""
    from varsynth.evaluation import known_physics

    monkeypatch.setattr(known_physics, "_QUICK", known_physics._Sizes(5, 6, 40, 20, 3, 8, 4, 30))


def test_section_on_a_tiny_dataset_with_a_catalog(tmp_path, model, tiny, small):
    ctx = EvalContext(model, "default", tiny, tmp_path / "no-data", tmp_path / "report", quick=True)
    ctx.__dict__["ogle3_catalog"] = _synthetic_catalog()  # the cached property, given
    section = evaluate_known_physics(ctx)
    assert section.name == "physics" and "Known physics" in section.title
    assert len(section.figures) == 5
    for _, path in section.figures:
        assert (tmp_path / "report" / path).stat().st_size > 1000
    pl = section.summary["period_luminosity"]
    assert pl["real"]["slope"] == pytest.approx(-2.96, abs=0.05)  # read from the catalog's LMC rows
    assert -4 < pl["generated"]["slope"] < -2  # generated Cepheids follow a PL relation
    hz = section.summary["hertzsprung"]
    assert hz["R21_min_log_p_real"] == pytest.approx(1.025, abs=0.05)
    assert np.isfinite(hz["R21_median_gap"]) and hz["n_real"] == 400  # LMC rows only
    # bootstrap errors of the two dip bars: finite, and well under the 0.4-dex search window
    assert set(hz["dip_se"]) == {"R21_min_log_p", "R21_dip_depth"}
    assert all(0 <= v < 0.2 for v in hz["dip_se"].values())
    rr = section.summary["rr_lyrae"]
    assert rr["real"]["phi31_slope_rad_per_day"] == pytest.approx(5.0, abs=1e-6)
    assert rr["real"]["RRab_amplitude_slope_mag_per_dex"] == pytest.approx(-2.0, abs=1e-6)
    assert rr["generated"]["RRab"]["median_period_d"] > rr["generated"]["RRc"]["median_period_d"]
    seq = section.summary["teff_sequence"]["curves"]
    assert len(seq) == 4 and seq["teff_K"].is_monotonic_increasing
    trend = section.summary["teff_trend"]
    assert trend["generated"]["n"] > 0 and np.isfinite(trend["generated"]["amplitude"]["slope_err"])
    assert trend["real"]["n"] == 0  # the tiny dataset's Cepheids have no subtype F
    assert "not under" not in section.text and "OGLE-III LMC" in section.text
    json.dumps(json_safe(section.summary))


def test_section_without_the_catalog_keeps_the_generated_numbers(tmp_path, model, tiny, small):
    ctx = EvalContext(model, "default", tiny, tmp_path / "no-data", tmp_path / "report", quick=True)
    assert ctx.ogle3_catalog is None
    section = evaluate_known_physics(ctx)
    assert "not under" in section.text
    assert "real" not in section.summary["period_luminosity"]
    assert np.isfinite(section.summary["period_luminosity"]["generated"]["slope"])
    assert "R21_median_gap" not in section.summary["hertzsprung"]
    assert set(section.summary["rr_lyrae"]) == {"generated"}
    assert len(section.figures) == 5
