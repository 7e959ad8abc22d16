"""Photometric errors from the 5-sigma limiting magnitude of each visit.

The model is that of the LSST overview paper (Ivezic et al. 2019, ApJ 873, 111, eqs. 4-5)::

    x = 10 ** (0.4 * (m - m5))
    sigma_rand**2 = (0.04 - gamma) * x + gamma * x**2
    sigma**2 = sigma_sys**2 + sigma_rand**2

``m`` is the true magnitude, ``m5`` the visit's 5-sigma depth (at ``m = m5`` the random error is
0.2 mag, i.e. signal-to-noise 5), ``gamma`` sets the balance between source photon noise (the
linear term) and sky and read noise (the quadratic term), and ``sigma_sys`` is the systematic
floor reached by bright stars. Ivezic et al. give gamma = 0.038 for u and 0.039 for g-y, and
sigma_sys = 0.005 mag for LSST. The same form, with constants fitted to published or measured
errors, serves every survey cadence in :mod:`varsynth.cadences` (each documents its numbers).
Because ``x`` grows with ``m`` and both terms are non-negative, the error never decreases with
magnitude.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from varsynth.cadences.base import Epochs

__all__ = ["GAMMA", "LSST_BAND_GAMMA", "SIGMA_SYS", "M5ErrorModel", "error_model_for", "m5_sigma"]

#: Ivezic et al. (2019) gamma for the LSST g-y bands, used by default for every survey.
GAMMA = 0.039
#: Bands of LSST whose gamma differs from :data:`GAMMA` (Ivezic et al. 2019, Table 2).
LSST_BAND_GAMMA: dict[str, float] = {"u": 0.038}
#: Default systematic floor in magnitudes (Ivezic et al. 2019, LSST).
SIGMA_SYS = 0.005


def m5_sigma(
    mag: np.ndarray | float, m5: np.ndarray | float, gamma: np.ndarray | float = GAMMA, sigma_sys: float = SIGMA_SYS
) -> np.ndarray:
    """1-sigma magnitude errors of true magnitudes ``mag`` at 5-sigma depths ``m5`` (broadcast).

    Arguments:
        mag: true magnitudes (finite).
        m5: 5-sigma limiting magnitudes of the visits (finite).
        gamma: sky-noise parameter, in (0, 0.04].
        sigma_sys: systematic floor in magnitudes, >= 0.

    Raises:
        ValueError: a non-finite magnitude or depth, or gamma / sigma_sys out of range.
    """
    mag = np.asarray(mag, dtype=np.float64)
    m5 = np.asarray(m5, dtype=np.float64)
    gamma = np.asarray(gamma, dtype=np.float64)
    if not np.all(np.isfinite(m5)):
        raise ValueError("m5 (5-sigma depth) must be finite; these epochs carry no depth information")
    if not np.all(np.isfinite(mag)):
        raise ValueError("mag must be finite")
    if np.any(gamma <= 0) or np.any(gamma > 0.04):
        raise ValueError(f"gamma must be in (0, 0.04]; got {gamma}")
    if not (np.isfinite(sigma_sys) and sigma_sys >= 0):
        raise ValueError(f"sigma_sys must be finite and >= 0; got {sigma_sys}")
    x = 10.0 ** (0.4 * (mag - m5))
    return np.sqrt(sigma_sys**2 + (0.04 - gamma) * x + gamma * x * x)


@dataclass(frozen=True)
class M5ErrorModel:
    """The :func:`m5_sigma` model with a survey's constants.

    Attributes:
        sigma_sys: systematic floor in magnitudes.
        gamma: sky-noise parameter of every band not in ``band_gamma``.
        band_gamma: per-band gamma where it differs (band name -> gamma).
    """

    sigma_sys: float = SIGMA_SYS
    gamma: float = GAMMA
    band_gamma: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        gammas = {"gamma": self.gamma} | {f"band_gamma[{b!r}]": g for b, g in self.band_gamma.items()}
        for name, g in gammas.items():
            if not 0 < g <= 0.04:
                raise ValueError(f"{name} must be in (0, 0.04]; got {g}")
        if not (np.isfinite(self.sigma_sys) and self.sigma_sys >= 0):
            raise ValueError(f"sigma_sys must be finite and >= 0; got {self.sigma_sys}")

    def __call__(self, mag: np.ndarray, epochs: Epochs) -> np.ndarray:
        """1-sigma errors (mag) of true magnitudes ``mag``, one per epoch of ``epochs``."""
        mag = np.asarray(mag, dtype=np.float64)
        if mag.shape != epochs.time.shape:
            raise ValueError(f"mag has shape {mag.shape}; the epochs need {epochs.time.shape}")
        gamma: np.ndarray | float = self.gamma
        if self.band_gamma:
            gamma = np.full(mag.shape, self.gamma)
            for b, g in self.band_gamma.items():
                gamma[epochs.band == b] = g
        return m5_sigma(mag, epochs.m5, gamma, self.sigma_sys)


def error_model_for(survey: str, sigma_sys: float = SIGMA_SYS) -> M5ErrorModel:
    """The error model of a survey's photometric system: LSST's per-band gamma, else :data:`GAMMA`."""
    return M5ErrorModel(sigma_sys, GAMMA, LSST_BAND_GAMMA if survey == "lsst" else {})
