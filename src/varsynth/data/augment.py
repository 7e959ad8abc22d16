"""Augmentation of the paper's section 2.2: Gaussian resampling, phase shift, undersampling.

A new light curve is drawn from a cleaned, phase-folded, untrimmed one by (1) resampling each
magnitude from a Gaussian with the point's error as standard deviation, (2) shifting every phase
by one U(0, 1) draw, and (3) undersampling to the sequence length (done by the caller with
:func:`varsynth.data.preprocess.undersample`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["gaussian_resample", "phase_shift", "augmentation_counts"]


def gaussian_resample(mag: np.ndarray, mag_err: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Magnitudes redrawn from N(mag, mag_err^2), point by point (same shape as ``mag``)."""
    return rng.normal(mag, mag_err)


def phase_shift(phase: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Phases shifted by one uniform draw in [0, 1) and wrapped back into [0, 1)."""
    return np.mod(phase + rng.uniform(0.0, 1.0), 1.0)


def augmentation_counts(n_real: int, target: int) -> int:
    """Augmented copies needed to bring ``n_real`` light curves up to ``target`` (never < 0)."""
    return max(0, target - n_real)
