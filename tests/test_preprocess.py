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
