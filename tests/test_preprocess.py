"""Known-answer tests of the paper's preprocessing steps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from varsynth.data.preprocess import (
    clip_outliers,
    epoch_of_reference,
    minmax_scale,
    phase_fold,
    restore_magnitudes,
    signal_to_noise,
    subtype_dropped,
    undersample,
)


def test_signal_to_noise_is_amplitude_over_mean_error():
    phase = np.linspace(0, 1, 1000, endpoint=False)
    mag = 15 + 0.5 * np.sin(2 * np.pi * phase)  # 5-95% range of a sinusoid: 2 * 0.5 * cos(0.05 pi)
    err = np.full(1000, 0.1)
    assert signal_to_noise(mag, err) == pytest.approx(10 * np.cos(0.05 * np.pi), rel=1e-3)
    assert signal_to_noise(mag[:1], err[:1]) == 0.0


def test_signal_to_noise_of_pure_noise_stays_below_five():
    rng = np.random.default_rng(0)
    err = np.full(2000, 0.05)
    assert signal_to_noise(15 + rng.normal(0, 0.05, 2000), err) < 5


def test_clip_outliers_removes_a_magnitude_and_an_error_outlier():
    rng = np.random.default_rng(1)
    mag = rng.normal(15, 0.05, 400)
    err = rng.normal(0.02, 0.002, 400).clip(0.01)
    mag[7] = 19.0
    err[42] = 0.5
    keep = clip_outliers(mag, err, sigma=3, iters=3)
    assert not keep[7] and not keep[42]
    assert keep.sum() >= 390


def test_clip_outliers_with_zero_iterations_keeps_everything():
    mag = np.array([1.0, 1.0, 100.0])
    assert clip_outliers(mag, np.ones(3), iters=0).all()


@pytest.mark.parametrize(
    ("subtype", "dropped"),
    [("1O/2O", True), ("F/1O", True), ("RRd", True), ("SRV", True), ("F", False), ("RRab", False)],
)
def test_subtype_filter(subtype, dropped):
    assert subtype_dropped(subtype, ["*/*", "RRd", "SRV", "OSARG"]) is dropped


def test_phase_fold_known_answer():
    t = np.array([10.0, 11.0, 12.5, 13.0])
    np.testing.assert_allclose(phase_fold(t, 2.0, 10.0), [0.0, 0.5, 0.25, 0.5])
    with pytest.raises(ValueError, match="period"):
        phase_fold(t, 0.0, 10.0)


def test_epoch_of_reference_puts_maximum_light_at_phase_zero():
    rng = np.random.default_rng(3)
    period, t_max = 0.55, 3.1
    t = np.sort(rng.uniform(0, 200, 600))
    mag = 15 - 0.4 * np.cos(2 * np.pi * (t - t_max) / period)  # brightest (smallest) at t_max
    mag[5] = 10.0  # one wild point must not move the zero point
    epoch = epoch_of_reference(t, mag, period, faintest=False)
    offset = ((epoch - t_max) / period + 0.5) % 1 - 0.5
    assert abs(offset) < 0.05
    faint = epoch_of_reference(t, mag, period, faintest=True)
    assert abs(((faint - t_max) / period) % 1 - 0.5) < 0.05


def _eclipse(t: np.ndarray, period: float, t_min: float) -> np.ndarray:
    """A detached binary: flat at 14 mag with a 0.6-mag primary and 0.3-mag secondary eclipse
    (Gaussian, sigma 0.02 cycle), primary minimum at ``t_min`` (days)."""
    x = ((t - t_min) / period + 0.5) % 1 - 0.5
    y = ((t - t_min) / period) % 1 - 0.5
    return 14 + 0.6 * np.exp(-0.5 * (x / 0.02) ** 2) + 0.3 * np.exp(-0.5 * (y / 0.02) ** 2)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_refined_epoch_finds_a_narrow_eclipse_minimum(seed):
    rng = np.random.default_rng(seed)
    period, t_min = 1.37, 5.0 + rng.uniform(0, 1.37)
    t = np.sort(rng.uniform(0, 900, 400))
    err = np.full(t.size, 0.01)
    mag = _eclipse(t, period, t_min) + rng.normal(0, 0.01, t.size)
    off = lambda e: abs(((e - t_min) / period + 0.5) % 1 - 0.5)  # noqa: E731
    binned = epoch_of_reference(t, mag, period, faintest=True)
    refined = epoch_of_reference(t, mag, period, faintest=True, mag_err=err, fit_order=16)
    assert off(refined) < 0.003  # the binned median phase is only good to about half a bin (0.025)
    assert off(refined) <= off(binned) + 1e-9 or off(binned) < 0.003


def test_refined_epoch_puts_an_rrab_maximum_at_phase_zero():
    rng = np.random.default_rng(5)
    period = 0.58
    # an RRab-like series (R21 0.5, R31 0.33, phi21 4.0, phi31 2.0 in the sine convention,
    # amplitude about 1 mag): its maximum light is found on a fine grid
    amps, phis = np.array([0.35, 0.175, 0.115, 0.07]), np.array([0.0, 4.0, 2.0, 6.0])
    shape = lambda x: 15 - np.sum(amps * np.sin(2 * np.pi * np.outer(x, np.arange(1, 5)) + phis), axis=1)  # noqa: E731
    fine = np.arange(100_000) / 100_000
    x_max = fine[np.argmin(shape(fine))]
    t = np.sort(rng.uniform(0, 300, 250))
    err = np.full(t.size, 0.02)
    mag = shape(t / period) + rng.normal(0, 0.02, t.size)
    refined = epoch_of_reference(t, mag, period, faintest=False, mag_err=err, fit_order=8)
    assert abs((refined / period - x_max + 0.5) % 1 - 0.5) < 0.004


def test_refined_epoch_keeps_the_binned_one_when_too_sparse_or_without_errors():
    rng = np.random.default_rng(8)
    period = 2.0
    t = np.sort(rng.uniform(0, 100, 12))  # 12 points: no order-2 fit with 5 points per pair
    mag = 15 - 0.4 * np.cos(2 * np.pi * t / period)
    err = np.full(t.size, 0.02)
    assert epoch_of_reference(t, mag, period, faintest=False, mag_err=err, fit_order=8) == epoch_of_reference(
        t, mag, period, faintest=False
    )
    with pytest.raises(ValueError, match="mag_err"):
        epoch_of_reference(t, mag, period, faintest=False, fit_order=8)


def test_undersample_returns_sorted_unique_indices():
    rng = np.random.default_rng(0)
    idx = undersample(1000, 300, rng)
    assert idx.size == 300 and np.all(np.diff(idx) > 0)
    np.testing.assert_array_equal(undersample(50, 300, rng), np.arange(50))


@settings(max_examples=50, deadline=None)
@given(
    # magnitudes as surveys publish them: millimag resolution
    st.lists(st.integers(-5000, 30000).map(lambda m: m / 1000), min_size=2, max_size=50, unique=True),
)
def test_minmax_scale_round_trip(values):
    mag = np.array(values)
    err = np.full(mag.size, 0.03)
    scaled, serr, lo, hi = minmax_scale(mag, err)
    assert scaled.min() == 0.0 and scaled.max() == 1.0
    back, berr = restore_magnitudes(scaled, serr, lo, hi)
    np.testing.assert_allclose(back, mag, atol=1e-9)
    np.testing.assert_allclose(berr, err, rtol=1e-9)


def test_minmax_scale_refuses_a_constant_curve():
    with pytest.raises(ValueError, match="constant"):
        minmax_scale(np.ones(4), np.ones(4))
