"""Tests of the periodograms behind the period search: nifty-ls against astropy's exact sums."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.timeseries import LombScargle

from varsynth.surveys.periodogram import Lattice, exact_power, grid_power, window_maxima


def _light_curve(n: int = 150, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A sawtooth (three strong harmonics) at 0.613 d, irregular epochs over ~3000 days, MJD-like
    times and heteroscedastic errors: times (days), magnitudes, errors."""
    rng = np.random.default_rng(seed)
    t = np.sort(53500.0 + rng.uniform(0.0, 3000.0, n))
    err = rng.uniform(0.02, 0.1, n)
    mag = 16.0 + 0.6 * ((t / 0.613) % 1.0) + rng.normal(0.0, 1.0, n) * err
    return t, mag, err


def test_grid_power_matches_astropy_exact_sums() -> None:
    t, mag, err = _light_curve()
    f0, step, n = 0.001, 1.0 / (3 * 3000.0), 300_000  # the search's coarse grid, 0.001-33 c/d
    power = grid_power(t, mag, err, f0, step, n)
    assert power.shape == (n,)
    sample = np.random.default_rng(1).choice(n, 300, replace=False)
    sample = np.append(sample, np.argmax(power))
    exact = LombScargle(t, mag, err).power(f0 + step * sample, method="cython")
    assert np.max(np.abs(power[sample] - exact)) < 1e-5
    assert abs(1 / (f0 + step * np.argmax(power)) / 0.613 - 1) < 1e-3  # the peak is the signal


def test_grid_power_unweighted() -> None:
    t, mag, _ = _light_curve(seed=3)
    freqs = 1.0 + 0.001 * np.arange(50)
    exact = LombScargle(t, mag).power(freqs, method="cython")
    assert np.max(np.abs(grid_power(t, mag, None, 1.0, 0.001, 50) - exact)) < 1e-5


def test_exact_power_keeps_the_shape_of_its_frequencies() -> None:
    t, mag, err = _light_curve()
    freqs = np.array([[1.0, 1.5, 2.0], [1.0 / 0.613, 3.0, 4.0]])
    power = exact_power(t, mag, err, freqs)
    assert power.shape == (2, 3)
    assert power[1, 0] == LombScargle(t, mag, err).power(freqs[1, 0], method="cython")
    assert np.argmax(power) == 3


@pytest.mark.parametrize("nterms", [1, 3])
def test_window_maxima_match_astropy_on_each_window(nterms: int) -> None:
    """Windows near each other (merged into one segment) and far apart (separate), one clipped at
    the lattice's start: each maximum and its first index as astropy's exact sums give them."""
    t, mag, err = _light_curve(seed=2)
    lattice = Lattice(0.001, 1.0 / (60 * 3000.0), 6_000_000)
    centers = np.array([int((1 / 0.613 - 0.001) * 180_000), 5, 300_000, 300_500, 2_000_000])
    power, index = window_maxima((t, mag, err), lattice, centers, 20, nterms=nterms)
    ls = LombScargle(t, mag, err, nterms=nterms)
    for c, p, m in zip(centers, power, index):
        window = np.arange(max(c - 20, 0), c + 21)
        exact = ls.power(lattice.frequency(window), method="cython" if nterms == 1 else "chi2")
        assert abs(p - exact.max()) < 1e-5
        assert m == window[np.argmax(exact)]
    assert index[1] <= 25  # the clipped window starts at index 0
    assert power[0] == power.max() and power[0] > 0.5  # the signal's window


def test_window_maxima_merge_into_few_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    from varsynth.surveys import periodogram

    calls: list[tuple[int, int]] = []
    original = periodogram._segment_power

    def counting(points, lattice, m_lo, m_hi, nterms, eps):  # type: ignore[no-untyped-def]
        calls.append((m_lo, m_hi))
        return original(points, lattice, m_lo, m_hi, nterms, eps)

    monkeypatch.setattr(periodogram, "_segment_power", counting)
    t, mag, err = _light_curve()
    lattice = Lattice(0.001, 1.0 / (60 * 3000.0), 6_000_000)
    # a peak and its yearly sidelobes (~490 lattice steps apart), then two far aliases
    centers = np.array([300_000, 300_493, 299_507, 480_000, 120_000])
    window_maxima((t, mag, err), lattice, centers, 20, nterms=3)
    assert sorted(calls) == [(119_980, 120_020), (299_487, 300_513), (479_980, 480_020)]
