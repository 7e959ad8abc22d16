"""The periodograms behind the period search (:mod:`varsynth.surveys.periods`).

Evaluations of the generalised (floating-mean, error-weighted) Lomb-Scargle periodogram and of
its multi-harmonic extension, in astropy's ``standard`` normalisation (0-1, the fraction of the
weighted variance that the model explains):

- :func:`grid_power`: one Fourier term on a long regular frequency grid (the coarse scan),
  computed by nifty-ls (Garrison et al. 2024, RNAAS 8, 250) as non-uniform FFTs with FINUFFT
  (Barnett et al. 2019, SIAM J. Sci. Comput. 41, C479), to better than 1e-5 in power
  (:data:`NUFFT_EPS`; tests/test_periodogram.py compares it with astropy's exact sums).
- :func:`exact_power`: one term at arbitrary frequencies by exact sums (astropy's ``cython``
  method), for the refinement of the coarse peaks.
- :func:`window_maxima`: the highest power of an ``nterms``-harmonic model in short windows of a
  frequency :class:`Lattice` (the alias step), by nifty-ls's ``finufft_chi2`` backend, with nearby
  windows merged into one call.

FINUFFT runs on one thread: the readers already spread the stars over worker processes, and a
single thread sums in the same order every time, so that a search gives the same bits whenever
it runs (the cache relies on that).
"""

from __future__ import annotations

from dataclasses import dataclass

import nifty_ls
import numpy as np
from astropy.timeseries import LombScargle

__all__ = ["NUFFT_EPS", "Lattice", "exact_power", "grid_power", "window_maxima"]

#: Requested relative precision of FINUFFT's sums; the power's error is then below 1e-5 (tested
#: against astropy's exact sums), far below the differences between the peaks that the coarse
#: scan ranks and the alias step compares, and the transform is cheaper than at nifty-ls's
#: double-precision default of 1e-9 (a narrower spreading kernel).
NUFFT_EPS: float = 1e-6

_NUFFT = {"nthreads": 1, "finufft_kwargs": {"eps": NUFFT_EPS}}

#: Largest lattice segment :func:`window_maxima` evaluates in one call, frequencies: a FINUFFT
#: plan took ~0.3 ms to make for 41 as for 4,000 frequencies (finufft 2.5.1, one thread), so
#: windows within this span cost less together than apart.
MAX_SEGMENT: int = 4096


def grid_power(
    time: np.ndarray, mag: np.ndarray, err: np.ndarray | None, f_min: float, step: float, n_freq: int
) -> np.ndarray:
    """One-term power on the regular grid ``f_min + step * arange(n_freq)`` (cycles/day).

    Arguments:
        time: observation times, days, shape (N,), float64.
        mag: magnitudes, shape (N,), float64.
        err: 1-sigma magnitude errors (> 0), shape (N,), float64; None for unweighted.
        f_min: first frequency, cycles/day (> 0).
        step: grid spacing, cycles/day (> 0).
        n_freq: number of frequencies (>= 2).

    Returns:
        The power at each grid frequency, shape (n_freq,).
    """
    f_max = f_min + step * (n_freq - 1)
    result = nifty_ls.lombscargle(time, mag, err, fmin=f_min, fmax=f_max, Nf=n_freq, backend="finufft", **_NUFFT)
    return np.asarray(result.power, dtype=np.float64)


def exact_power(time: np.ndarray, mag: np.ndarray, err: np.ndarray | None, freqs: np.ndarray) -> np.ndarray:
    """One-term power at arbitrary frequencies by exact sums (astropy's ``cython`` method).

    Arguments:
        time, mag, err: as in :func:`grid_power`.
        freqs: frequencies, cycles/day (> 0), any shape.

    Returns:
        The power, shaped like ``freqs``.
    """
    power = LombScargle(time, mag, err, nterms=1).power(np.ravel(freqs), method="cython")
    return np.asarray(power, dtype=np.float64).reshape(np.shape(freqs))


@dataclass(frozen=True)
class Lattice:
    """A regular frequency lattice ``f_min + m * spacing`` for integer ``m`` in ``[0, last]``.

    Attributes:
        f_min: frequency of ``m = 0``, cycles/day (a lattice may reach zero or below: the
            periodogram is even in the frequency, and zero frequency gives NaN, which
            :func:`window_maxima` skips).
        spacing: lattice spacing, cycles/day (> 0).
        last: highest index; every window is clipped to ``[0, last]``.
    """

    f_min: float
    spacing: float
    last: int

    def frequency(self, m: np.ndarray | int) -> np.ndarray:
        """Frequencies (cycles/day) of lattice indices ``m``."""
        return self.f_min + np.asarray(m) * self.spacing


def window_maxima(
    points: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    lattice: Lattice,
    centers: np.ndarray,
    half_width: int,
    *,
    nterms: int = 1,
    eps: float = NUFFT_EPS,
    max_segment: int = MAX_SEGMENT,
) -> tuple[np.ndarray, np.ndarray]:
    """Highest ``nterms`` power in the lattice window ``center +- half_width`` of each center.

    Nearby windows are evaluated together: windows sorted by frequency are merged into one
    contiguous lattice segment while it stays within ``max_segment`` frequencies, and each
    segment is one nifty-ls call, so that the per-call cost (two FINUFFT plans) is paid once for
    e.g. a peak and its yearly sidelobes.

    Arguments:
        points: ``(time, mag, err)``: days, magnitudes, 1-sigma errors (or None), float64.
        lattice: the frequency lattice; windows are clipped to its index range.
        centers: lattice indices of the window centers, shape (K,).
        half_width: half-width of each window, lattice steps (>= 1).
        nterms: Fourier terms of the model (1: the Lomb-Scargle periodogram).
        eps: FINUFFT's requested precision.
        max_segment: largest merged segment, frequencies.

    Returns:
        ``(power, index)``, shape (K,) each: each window's highest power and the lattice index of
        its first occurrence (the lowest frequency among equal maxima).
    """
    centers = np.asarray(centers, dtype=np.int64)
    lo = np.clip(centers - half_width, 0, lattice.last)
    hi = np.clip(centers + half_width, 0, lattice.last)
    best_power = np.empty(centers.size)
    best_index = np.empty(centers.size, dtype=np.int64)
    order = np.argsort(lo, kind="stable")
    start = 0
    while start < order.size:
        seg_lo, seg_hi, stop = lo[order[start]], hi[order[start]], start + 1
        while stop < order.size and max(seg_hi, hi[order[stop]]) - seg_lo < max_segment:
            seg_hi = max(seg_hi, hi[order[stop]])
            stop += 1
        seg_hi = max(seg_hi, seg_lo + 1)  # nifty-ls needs two frequencies at least
        power = _segment_power(points, lattice, int(seg_lo), int(seg_hi), nterms, eps)
        for k in order[start:stop]:
            window = power[lo[k] - seg_lo : hi[k] - seg_lo + 1]
            top = int(np.argmax(np.nan_to_num(window, nan=-np.inf)))
            best_power[k], best_index[k] = window[top], lo[k] + top
        start = stop
    return best_power, best_index


def _segment_power(
    points: tuple[np.ndarray, np.ndarray, np.ndarray | None],
    lattice: Lattice,
    m_lo: int,
    m_hi: int,
    nterms: int,
    eps: float,
) -> np.ndarray:
    """``nterms`` power at lattice indices ``m_lo..m_hi`` (inclusive), shape (m_hi - m_lo + 1,)."""
    time, mag, err = points
    f_lo, f_hi = (float(f) for f in lattice.frequency(np.array([m_lo, m_hi])))
    backend = {"backend": "finufft"} if nterms == 1 else {"backend": "finufft_chi2", "nterms": nterms}
    result = nifty_ls.lombscargle(
        time, mag, err, fmin=f_lo, fmax=f_hi, Nf=m_hi - m_lo + 1, nthreads=1, finufft_kwargs={"eps": eps}, **backend
    )
    return np.asarray(result.power, dtype=np.float64)
