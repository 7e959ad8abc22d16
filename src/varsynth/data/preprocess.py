"""Preprocessing of the paper's section 2.1, one named pure function per step.

The steps, in the paper's order: S/N cut (amplitude over mean error), three
iterations of 3-sigma clipping on magnitude and error, dropping multi-mode and semi-regular
subtypes, phase folding with the catalog period, random undersampling to a fixed length, and
min-max scaling to [0, 1] with the scale kept so that magnitudes can be restored.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

import numpy as np
from astropy.stats import sigma_clip

from varsynth.lightcurve.folding import fourier_design

__all__ = [
    "signal_to_noise",
    "clip_outliers",
    "subtype_dropped",
    "EPOCH_POINTS_PER_ORDER",
    "epoch_of_reference",
    "phase_fold",
    "undersample",
    "minmax_scale",
    "restore_magnitudes",
]


def signal_to_noise(mag: np.ndarray, mag_err: np.ndarray) -> float:
    """Variability amplitude over mean photometric error (the paper's S/N).

    The paper does not define the amplitude further. The raw peak-to-peak range would grow with
    the number of points even for pure noise (500 points of noise reach about 6 sigma), so the
    amplitude here is the 5th-95th percentile range of the magnitudes, which is close to the
    peak-to-peak amplitude of a real variable and blind to the outliers clipped afterwards.

    Arguments:
        mag: magnitudes, shape (N,).
        mag_err: 1-sigma errors in magnitudes, shape (N,).

    Returns:
        ``(p95(mag) - p5(mag)) / mean(mag_err)``; 0 for fewer than two points.
    """
    if mag.size < 2:
        return 0.0
    p5, p95 = np.percentile(mag, [5.0, 95.0])
    return float((p95 - p5) / mag_err.mean())


def clip_outliers(mag: np.ndarray, mag_err: np.ndarray, *, sigma: float = 3.0, iters: int = 3) -> np.ndarray:
    """Mask of points kept by sigma clipping on magnitude and on error (paper: 3 x 3 sigma).

    Each quantity is clipped around its median with astropy's ``sigma_clip`` for ``iters``
    iterations; a point is kept only if neither its magnitude nor its error was clipped.

    Returns:
        Boolean array, shape (N,), True for kept points.
    """
    if iters == 0 or mag.size == 0:
        return np.ones(mag.shape, dtype=bool)
    clipped = sigma_clip(np.vstack([mag, mag_err]), sigma=sigma, maxiters=iters, axis=1, masked=True, copy=True)
    return np.asarray(~np.ma.getmaskarray(clipped).any(axis=0))


def subtype_dropped(subtype: str, patterns: Sequence[str]) -> bool:
    """True when ``subtype`` matches one of the shell ``patterns`` (e.g. ``*/*`` for multi-mode)."""
    return any(fnmatch.fnmatchcase(subtype, p) for p in patterns)


#: Points per Fourier coefficient pair the epoch's refining fit needs at least (order <= (n - 1) / this).
EPOCH_POINTS_PER_ORDER = 5
#: Phases (cycles) on which the refining fit is searched, across the extreme bin and its neighbours.
_EPOCH_GRID_STEPS = 401


def epoch_of_reference(
    time: np.ndarray,
    mag: np.ndarray,
    period: float,
    *,
    faintest: bool,
    n_bins: int = 20,
    mag_err: np.ndarray | None = None,
    fit_order: int = 0,
) -> float:
    """Epoch (days) put at phase 0: maximum light for pulsators, primary minimum for binaries.

    The extremum is taken on the phase-binned median light curve, so that one outlier cannot set
    the zero point; the epoch is the first observation time shifted to that phase (the median
    phase of the extreme bin's points). With ``fit_order`` > 0 it is then refined to the
    extremum of the light curve's weighted least-squares Fourier series (order ``fit_order``,
    lower when there are fewer than :data:`EPOCH_POINTS_PER_ORDER` points per coefficient pair,
    at least 2) within one bin width (1 / ``n_bins`` cycle) of the binned one; where the series
    peaks at that window's edge, or the light curve is too sparse for an order-2 series, the
    binned extremum stays. A bin of 1/20 cycle leaves phase 0 anywhere within about +-0.025 cycle
    of the extremum (median 0.016 cycle from an order-8 fit's extremum for the Cepheids of the
    training set, 0.028 for the eclipsing binaries), a nuisance a model must then learn.

    Arguments:
        time: observation times in days, shape (N,).
        mag: magnitudes, shape (N,).
        period: period in days.
        faintest: True to put the faintest bin (eclipse) at phase 0, False for the brightest.
        n_bins: phase bins of the binned median.
        mag_err: magnitude errors (mag), shape (N,), weights of the refining fit (1 / err);
            required when ``fit_order`` > 0.
        fit_order: highest order of the refining Fourier series; 0 keeps the binned extremum.
    """
    phase = np.mod(time - time[0], period) / period
    idx = np.minimum((phase * n_bins).astype(int), n_bins - 1)
    medians = np.full(n_bins, np.nan)
    for b in np.unique(idx):
        medians[b] = np.median(mag[idx == b])
    best = int(np.nanargmax(medians) if faintest else np.nanargmin(medians))
    centre = float(np.median(phase[idx == best]))
    if fit_order > 0:
        if mag_err is None:
            raise ValueError("mag_err is required to refine the epoch with a Fourier fit (fit_order > 0)")
        centre = _refined_extremum(phase, mag, mag_err, centre, 1.0 / n_bins, fit_order, faintest)
    return float(time[0] + centre * period)


def _refined_extremum(
    phase: np.ndarray,
    mag: np.ndarray,
    mag_err: np.ndarray,
    centre: float,
    half_width: float,
    fit_order: int,
    faintest: bool,
) -> float:
    """Phase (cycles) of the extremum of the weighted Fourier fit within ``half_width`` of
    ``centre``, or ``centre`` when the fit is too poorly constrained or peaks at the window's edge."""
    order = min(fit_order, (phase.size - 1) // EPOCH_POINTS_PER_ORDER)
    err = np.asarray(mag_err, dtype=np.float64)
    if order < 2 or not np.all(np.isfinite(err) & (err > 0)):
        return centre
    w = 1.0 / err
    coef, *_ = np.linalg.lstsq(fourier_design(phase, order) * w[:, None], mag * w, rcond=None)
    grid = centre + np.linspace(-half_width, half_width, _EPOCH_GRID_STEPS)
    series = fourier_design(grid, order) @ coef
    i = int(np.argmax(series) if faintest else np.argmin(series))
    if i == 0 or i == grid.size - 1:
        return centre
    return float(grid[i])


def phase_fold(time: np.ndarray, period: float, epoch: float) -> np.ndarray:
    """Phases in [0, 1) of ``time`` (days) for ``period`` (days) and ``epoch`` (days)."""
    if not (np.isfinite(period) and period > 0):
        raise ValueError(f"period must be a positive number of days, got {period!r}")
    return np.mod((time - epoch) / period, 1.0)


def undersample(n_points: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of a random subset of ``length`` points (all points if there are fewer), sorted.

    Arguments:
        n_points: points available.
        length: points wanted (the paper's sequence length, 300).
        rng: the random generator; the caller owns the seed.
    """
    if n_points <= length:
        return np.arange(n_points)
    return np.sort(rng.choice(n_points, size=length, replace=False))


def minmax_scale(mag: np.ndarray, mag_err: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Scale magnitudes to [0, 1] and errors by the same factor.

    Returns:
        ``(scaled_mag, scaled_err, mag_min, mag_max)``; restore with :func:`restore_magnitudes`.
        A constant light curve (max == min) raises ``ValueError``: it carries no shape.
    """
    lo, hi = float(mag.min()), float(mag.max())
    if not hi > lo:
        raise ValueError("cannot min-max scale a constant light curve")
    span = hi - lo
    return (mag - lo) / span, mag_err / span, lo, hi


def restore_magnitudes(
    scaled: np.ndarray, scaled_err: np.ndarray, mag_min: float, mag_max: float
) -> tuple[np.ndarray, np.ndarray]:
    """Invert :func:`minmax_scale`: magnitudes and errors from scaled values and the kept scale."""
    span = mag_max - mag_min
    return scaled * span + mag_min, scaled_err * span
