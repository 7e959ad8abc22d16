"""Phase folding and binning of one light curve (:meth:`LightCurve.fold`, :meth:`LightCurve.bin`).

:func:`fold_phase` gives the phase in [0, 1) of every observation for a period and an epoch of
phase 0. :func:`bin_points` averages magnitudes in bins of phase or of time with inverse-variance
weights: in a bin of points m_i with errors s_i, w_i = 1 / s_i^2, the magnitude is
sum(w_i m_i) / sum(w_i) and its error 1 / sqrt(sum(w_i)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["BinnedCurve", "fold_phase", "bin_points", "fourier_design"]


def fourier_design(phase: np.ndarray, order: int, *, derivative: bool = False) -> np.ndarray:
    """The design matrix (n, 2 order + 1) of a Fourier series at ``phase`` (n,) (cycles): columns
    1, cos(2 pi k phase) for k = 1..order, sin(2 pi k phase) for k = 1..order, so that
    ``fourier_design(phase, K) @ [a_0, a_1..a_K, b_1..b_K]`` is the series. ``derivative``: the
    columns' derivatives in phase (per cycle; 0 for the constant), giving the series' slope."""
    k = np.arange(1, order + 1)
    angle = 2 * math.pi * np.outer(np.asarray(phase, dtype=np.float64), k)
    if derivative:
        w = 2 * math.pi * k
        return np.hstack([np.zeros((angle.shape[0], 1)), -w * np.sin(angle), w * np.cos(angle)])
    return np.hstack([np.ones((angle.shape[0], 1)), np.cos(angle), np.sin(angle)])


def fold_phase(time: np.ndarray, period: float, epoch: float) -> np.ndarray:
    """Phases in [0, 1) of ``time`` (days) for ``period`` (days) and ``epoch`` of phase 0 (days).

    ``((time - epoch) / period) mod 1``; a phase that rounds up to 1.0 (a time a hair before an
    epoch of phase 0) is 0.0, so every phase is in [0, 1).

    Raises:
        ValueError: a period that is not a finite number > 0 days, or an epoch that is not finite.
    """
    if not (math.isfinite(period) and period > 0):
        raise ValueError(f"period must be a finite number of days > 0, got {period!r}")
    if not math.isfinite(epoch):
        raise ValueError(f"epoch must be a finite time in days, got {epoch!r}")
    phase = np.mod((np.asarray(time, dtype=np.float64) - epoch) / period, 1.0)
    phase[phase >= 1.0] = 0.0
    return phase


@dataclass(frozen=True)
class BinnedCurve:
    """A light curve averaged in bins (:meth:`LightCurve.bin`); only bins holding points are kept.

    Attributes:
        kind: ``phase`` (``x`` and ``edges`` in phase, [0, 1]) or ``time`` (days, MJD).
        x: centre of each bin (middle of its edges), shape (K,).
        mag: inverse-variance weighted mean magnitude of each bin, shape (K,).
        mag_err: its 1-sigma error, ``1 / sqrt(sum of 1 / mag_err^2)``, shape (K,) (mag).
        n: points in each bin, shape (K,), all >= 1.
        edges: ``(low, high)`` edges of each bin, shape (K, 2); a point on a shared edge goes to
            the upper bin (up to the float rounding of the edge), the last bin also holds its
            upper edge.
    """

    kind: str
    x: np.ndarray
    mag: np.ndarray
    mag_err: np.ndarray
    n: np.ndarray
    edges: np.ndarray

    def __len__(self) -> int:
        return int(self.x.size)


def _bins(
    values: np.ndarray, lo: float, hi: float, n_bins: int | None, width: float | None, what: str
) -> tuple[np.ndarray, np.ndarray, int]:
    """Bin index of every value, the edges of all bins, for ``n_bins`` bins over [lo, hi] or
    bins of ``width`` from ``lo`` (the last one cut at ``hi``)."""
    if (n_bins is None) == (width is None):
        raise ValueError("give exactly one of n_bins (a number of bins) and width (the width of a bin)")
    if n_bins is not None:
        if isinstance(n_bins, bool) or not isinstance(n_bins, (int, np.integer)) or n_bins < 1:
            raise ValueError(f"n_bins must be an integer >= 1, got {n_bins!r}")
        count = int(n_bins)
        step = (hi - lo) / count
    else:
        assert width is not None
        if not (math.isfinite(width) and width > 0):
            raise ValueError(f"width must be a finite number > 0 ({what}), got {width!r}")
        step = float(width)
        count = max(1, math.ceil((hi - lo) / step - 1e-9))
    index = np.zeros(values.size, dtype=np.int64) if step == 0 else np.floor((values - lo) / step).astype(np.int64)
    index = np.clip(index, 0, count - 1)
    low = lo + step * np.arange(count)
    edges = np.column_stack([low, np.minimum(low + step, hi)])
    edges[-1, 1] = hi
    return index, edges, count


def bin_points(
    x: np.ndarray,
    mag: np.ndarray,
    mag_err: np.ndarray,
    *,
    kind: str,
    n_bins: int | None = None,
    width: float | None = None,
) -> BinnedCurve:
    """Inverse-variance weighted mean magnitudes in bins of ``x`` (see the module docstring).

    Arguments:
        x: phases in [0, 1) (``kind="phase"``: bins over [0, 1]) or times in days
            (``kind="time"``: bins from the first to the last time).
        mag, mag_err: magnitudes and their 1-sigma errors (> 0), shape as ``x``.
        kind: ``phase`` or ``time``.
        n_bins: number of bins of equal width; or
        width: width of a bin (phase units or days); the last bin is cut at the end of the range.

    Raises:
        ValueError: both or neither of ``n_bins`` and ``width``, a value out of range, no points,
            or an error that is not a finite number > 0.
    """
    if kind not in ("phase", "time"):
        raise ValueError(f"kind must be 'phase' or 'time', got {kind!r}")
    if x.size == 0:
        raise ValueError("cannot bin a light curve without points")
    if not (np.isfinite(mag_err).all() and (mag_err > 0).all()):
        raise ValueError("mag_err must be finite and > 0 mag for inverse-variance weights")
    lo, hi = (0.0, 1.0) if kind == "phase" else (float(x.min()), float(x.max()))
    index, edges, count = _bins(x, lo, hi, n_bins, width, "phase units" if kind == "phase" else "days")
    w = mag_err**-2.0
    sum_w = np.bincount(index, weights=w, minlength=count)
    sum_wm = np.bincount(index, weights=w * mag, minlength=count)
    n = np.bincount(index, minlength=count)
    kept = n > 0
    edges = edges[kept]
    return BinnedCurve(
        kind=kind,
        x=edges.mean(axis=1),
        mag=sum_wm[kept] / sum_w[kept],
        mag_err=sum_w[kept] ** -0.5,
        n=n[kept],
        edges=edges,
    )
