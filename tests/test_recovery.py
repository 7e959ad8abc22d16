"""Period recovery: Lomb-Scargle search, the 1% rule with binaries, Fourier templates, the section."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import write_tiny_dataset
from hypothesis import given, settings
from hypothesis import strategies as st

from varsynth.evaluation import recovery
from varsynth.evaluation.binomial import compare_fractions
from varsynth.evaluation.context import EvalContext
from varsynth.evaluation.recovery import (
    fit_template,
    fourier_template,
    is_recovered,
    recovered_period,
    resample_template,
    search_window,
)
from varsynth.generation.model import load_model


def _epochs(n: int, baseline: float, seed: int) -> np.ndarray:
    return np.sort(np.random.default_rng(seed).uniform(0.0, baseline, n))


@pytest.mark.parametrize("period", [0.0537, 0.731, 3.7, 120.0])
def test_a_sinusoid_sampled_at_random_is_recovered(period):
    t = _epochs(200, 600.0, seed=1)
    rng = np.random.default_rng(2)
    mag = 15 + 0.3 * np.sin(2 * math.pi * t / period + 0.4) + rng.normal(0, 0.02, t.size)
    found = recovered_period(t, mag, np.full(t.size, 0.02), min_period=0.04, max_period=300.0)
    assert abs(found / period - 1) < 0.005  # 0.4% for 5 cycles of the 120-day period
    assert is_recovered(found, period)


def test_bands_with_different_mean_magnitudes_are_searched_together():
    period = 0.4123
    t = _epochs(150, 400.0, seed=3)
    band = np.where(np.random.default_rng(4).random(t.size) < 0.5, "g", "r")
    mag = np.where(band == "g", 16.0, 15.2) + 0.2 * np.sin(2 * math.pi * t / period)
    found = recovered_period(t, mag, np.full(t.size, 0.01), band, min_period=0.1, max_period=50.0)
    assert is_recovered(found, period)


def test_a_double_dip_binary_is_found_at_half_its_period_and_counts_only_as_binary():
    period = 1.37  # orbital: a primary and a slightly shallower secondary eclipse per orbit
    t = _epochs(400, 700.0, seed=5)
    phase = np.mod(t / period, 1.0)
    dips = 0.6 * np.exp(-0.5 * ((phase - 0.25) / 0.03) ** 2) + 0.5 * np.exp(-0.5 * ((phase - 0.75) / 0.03) ** 2)
    mag = 14 + dips + np.random.default_rng(6).normal(0, 0.01, t.size)
    found = recovered_period(t, mag, np.full(t.size, 0.01), min_period=0.1, max_period=50.0)
    assert abs(found / (period / 2) - 1) < 1e-3
    assert not is_recovered(found, period)
    assert is_recovered(found, period, binary=True)


def test_is_recovered_known_answers():
    assert is_recovered(1.009, 1.0) and not is_recovered(1.011, 1.0)
    assert is_recovered(0.503, 1.0, binary=True) and not is_recovered(0.503, 1.0)
    assert not is_recovered(math.nan, 1.0) and not is_recovered(2.0, 1.0, binary=True)
    np.testing.assert_array_equal(
        is_recovered(np.array([1.0, 0.5, 3.0]), 1.0, binary=np.array([False, True, True])), [True, True, False]
    )
    assert is_recovered(1.04, 1.0, tol=0.05)
    with pytest.raises(ValueError, match="tol"):
        is_recovered(1.0, 1.0, tol=0.0)


def test_search_window_known_answers():
    assert search_window((0.3, 10.0), 1000.0) == (0.15, 20.0)
    assert search_window((0.05, 0.2), 1000.0) == (0.04, 0.4)  # floor at 0.04 d
    assert search_window((100.0, 800.0), 3000.0) == (50.0, 1000.0)  # ceiling at 1000 d
    assert search_window((100.0, 800.0), 600.0) == (50.0, 300.0)  # half the baseline
    with pytest.raises(ValueError, match="period_range"):
        search_window((2.0, 1.0), 100.0)
    with pytest.raises(ValueError, match="baseline"):
        search_window((10.0, 20.0), 5.0)


def test_recovered_period_refuses_bad_input():
    t = _epochs(50, 100.0, seed=7)
    y, e = np.sin(t), np.full(t.size, 0.1)
    with pytest.raises(ValueError, match="min_period"):
        recovered_period(t, y, e, min_period=2.0, max_period=1.0)
    with pytest.raises(ValueError, match="epochs"):
        recovered_period(t[:3], y[:3], e[:3], min_period=0.1, max_period=10.0)
    with pytest.raises(ValueError, match="err"):
        recovered_period(t, y, np.zeros(t.size), min_period=0.1, max_period=10.0)
    with pytest.raises(ValueError, match="band"):
        recovered_period(t, y, e, np.array(["g"]), min_period=0.1, max_period=10.0)


def test_the_template_of_a_fourier_series_reproduces_it_exactly():
    coef = np.array([15.0, 0.3, -0.1, 0.05, 0.2, 0.08, -0.02])  # a0, a1..a3 (cos), b1..b3 (sin)
    phase = np.random.default_rng(8).random(80)
    k = np.arange(1, 4)
    series = (
        coef[0]
        + np.cos(2 * math.pi * np.outer(phase, k)) @ coef[1:4]
        + np.sin(2 * math.pi * np.outer(phase, k)) @ coef[4:]
    )
    np.testing.assert_allclose(fourier_template(coef, phase), series, atol=1e-12)
    fitted = fit_template(phase, series, np.full(phase.size, 0.01))
    assert fitted.size == 2 * 8 + 1  # 80 points: the full order 8
    np.testing.assert_allclose(fourier_template(fitted, phase), series, atol=1e-9)
    new = np.linspace(0, 1, 33)
    np.testing.assert_allclose(fourier_template(fitted, new), fourier_template(coef, new), atol=1e-6)
    assert fit_template(phase[:20], series[:20], np.full(20, 0.01)).size == 2 * 2 + 1  # 3 points per coefficient


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(9, 60), gap=st.floats(0.2, 0.7))
def test_the_template_does_not_ring_in_phase_gaps(seed, n, gap):
    rng = np.random.default_rng(seed)
    phase = rng.uniform(gap, 1.0, n)  # nothing in [0, gap)
    mag = 15 + 0.4 * np.sin(2 * math.pi * phase) ** 3 + rng.normal(0, 0.05, n)
    try:
        coef = fit_template(phase, mag, np.full(n, 0.05))
    except ValueError as error:  # refused rather than overshooting, never for well-covered phases
        assert "overshoots" in str(error) and not (gap < 0.35 and n >= 30)
        return
    assert np.ptp(fourier_template(coef, np.linspace(0, 1, 200, endpoint=False))) <= 1.5 * np.ptp(mag) + 1e-9


def test_resampled_template_keeps_each_bands_mean_and_folds_on_the_given_period():
    coef = np.array([12.0, 0.3, 0.0, 0.1, 0.0])  # order 2; its mean 12 is dropped
    time = np.linspace(60000.0, 60010.0, 40)
    band = np.where(np.arange(40) % 2, "g", "r")
    mag = np.where(band == "g", 17.0, 16.5)
    out = resample_template(coef, 0.7, time, band, mag, np.zeros(40), 60000.3, np.random.default_rng(0))
    phase = np.mod((time - 60000.3) / 0.7, 1.0)
    expected = mag + 0.3 * np.cos(2 * math.pi * phase) + 0.1 * np.sin(2 * math.pi * phase)
    np.testing.assert_allclose(out, expected, atol=1e-12)
    with pytest.raises(ValueError, match="period"):
        resample_template(coef, 0.0, time, band, mag, np.zeros(40), 60000.3, np.random.default_rng(0))


def test_section_on_the_tiny_dataset(tmp_path, monkeypatch):
    monkeypatch.setattr(recovery, "N_QUICK", 3)  # keeps this file fast; the quick mode uses 8
    data = write_tiny_dataset(tmp_path / "data")
    ctx = EvalContext(
        model=load_model("default"),
        label="default",
        dataset_dir=data,
        data_root=tmp_path,
        report_dir=tmp_path / "report",
        quick=True,
    )
    section = recovery.evaluate_recovery(ctx)
    assert section.name == "recovery" and "recovery" in section.title.lower()
    cadences = [c for c in recovery.CADENCES if c not in ("file", "opsim")]
    by_class = section.summary["per_cadence_class"]
    assert len(by_class) == len(cadences) * len(recovery.RECOVERY_CLASSES)
    assert (by_class["generated n"] == 3).all()
    real_n = by_class.groupby("class")["real n"].max()
    assert (real_n[["CEP", "RRLYR", "ECL"]] > 0).all() and (real_n[["DSCT", "LPV"]] == 0).all()
    for column in ("generated strict", "generated binary_aware", "real binary_aware"):
        values = by_class[column].dropna()
        assert ((values >= 0) & (values <= 1)).all()
    assert (by_class["generated binary_aware"] >= by_class["generated strict"]).all()
    headline, reference = section.summary["headline"], section.summary["headline_reference"]
    mean = "period recovered within 1% (mean over cadences)"
    assert 0 <= headline[mean] <= 1 and 0 <= reference[mean] <= 1
    assert section.summary["seconds"]["lomb_scargle"] > 0
    assert (ctx.report_dir / section.figures[0][1]).is_file()
    assert "no real DSCT, LPV light curves" in section.text and "opsim" in section.text
    # every cadence's comparison says whether it holds against the binomial error, as the numbers say
    for row in section.summary["per_cadence"].to_dict("records"):
        words = compare_fractions(
            row["generated binary_aware"], int(row["generated n"]), row["real binary_aware"], int(row["real n"])
        )
        assert f"real-resampled light curves recovered, {words}" in section.text
