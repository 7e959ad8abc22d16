"""Fourier decomposition of folded light curves, in the OGLE convention.

A light curve folded on its period is fitted by weighted least squares with

    m(phi) = A_0 + sum_k A_k cos(2 pi k phi + phi_k),   k = 1..order,

and described by the peak-to-peak amplitude of the fitted series (mag), the amplitude ratios
R_k1 = A_k / A_1 and the phase differences phi_k1 = phi_k - k phi_1 (radians, in [0, 2 pi)),
as in the OGLE-III catalogs (Soszynski et al. 2008). The phase differences do not depend on the
epoch of phase 0, so generated and real light curves compare without aligning them.
"""

from __future__ import annotations

import math

import numpy as np

from varsynth.lightcurve.folding import fourier_design

__all__ = ["FOURIER_NAMES", "fourier_parameters"]

#: Parameters :func:`fourier_parameters` returns, in this order.
FOURIER_NAMES: tuple[str, ...] = ("amplitude", "R21", "phi21", "R31", "phi31")


def fourier_parameters(
    phase: np.ndarray, mag: np.ndarray, err: np.ndarray | None = None, order: int = 4
) -> dict[str, float]:
    """Amplitude (mag), R21, phi21, R31, phi31 (radians) of one folded light curve.

    Arguments:
        phase: phases (any real numbers; only their fractional part matters), shape (N,).
        mag: magnitudes, shape (N,).
        err: 1-sigma errors (weights 1 / err); ``None``: unweighted.
        order: harmonics of the fit (>= 3, for R31 and phi31).

    Raises:
        ValueError: fewer points than the fit's 2 * order + 1 parameters, or ``order`` < 3.
    """
    phase, mag = np.asarray(phase, dtype=float), np.asarray(mag, dtype=float)
    if order < 3:
        raise ValueError(f"order must be >= 3 for R31 and phi31, got {order}")
    if phase.size < 2 * order + 1:
        raise ValueError(f"need at least {2 * order + 1} points for an order-{order} fit, got {phase.size}")
    design = fourier_design(phase, order)
    w = np.ones_like(mag) if err is None else 1.0 / np.maximum(np.asarray(err, dtype=float), 1e-6)
    coef, *_ = np.linalg.lstsq(design * w[:, None], mag * w, rcond=None)
    a, b = coef[1 : order + 1], coef[order + 1 :]
    amp = np.hypot(a, b)  # a cos x + b sin x = A cos(x + phi) with phi = atan2(-b, a)
    phi = np.arctan2(-b, a)
    grid = np.linspace(0, 1, 1000, endpoint=False)
    fitted = fourier_design(grid, order) @ coef
    return {
        "amplitude": float(np.ptp(fitted)),
        "R21": float(amp[1] / amp[0]),
        "phi21": float(np.mod(phi[1] - 2 * phi[0], 2 * math.pi)),
        "R31": float(amp[2] / amp[0]),
        "phi31": float(np.mod(phi[2] - 3 * phi[0], 2 * math.pi)),
    }
