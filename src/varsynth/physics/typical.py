"""A typical effective temperature (K) of each class, for what needs a temperature where a star has none.

The colour-dependent effective wavelength of broad passbands
(:func:`varsynth.bands.effective_wavelength`) needs a temperature; no training LPV, anomalous or
type II Cepheid and no ellipsoidal variable has a Gaia Teff. Where the class has Gaia DR2 Teff
for at least 50 training stars (dataset ``c686127233b9f825``, whose light curves
``88768ad23805407b`` shares), the value is their median, rounded to 50 K; elsewhere it is the
published temperature of the class's spectral types.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from varsynth.bands import effective_wavelengths

__all__ = ["TYPICAL_TEFF", "teff_or_typical", "light_curve_wavelengths"]

#: Typical effective temperature (K) of each class, with where it comes from.
TYPICAL_TEFF: dict[str, tuple[float, str]] = {
    "ACEP": (6300.0, "F-type pulsators, 5,800-6,900 K (Catelan & Smith 2015, Pulsating Stars)"),
    "CEP": (5850.0, "median Gaia DR2 Teff of 4,051 training light curves"),
    "DSCT": (6900.0, "median Gaia DR2 Teff of 251 training light curves"),
    "ECL": (6600.0, "median Gaia DR2 Teff of 95 training light curves"),
    "ELL": (6000.0, "no class temperature; a solar-type value (F-G main-sequence and giant binaries)"),
    "LPV": (3000.0, "Miras, 2,300-3,300 K from their angular sizes (van Belle et al. 1996, AJ 112, 2147)"),
    "RRLYR": (6800.0, "median Gaia DR2 Teff of 2,453 training light curves"),
    "T2CEP": (5800.0, "F-G type pulsators, 5,000-6,500 K (Catelan & Smith 2015, Pulsating Stars)"),
}


def teff_or_typical(teff: float | Sequence[float] | np.ndarray, vclass: str | np.ndarray) -> np.ndarray:
    """``teff`` (K) where finite and positive, else the class's typical temperature (K).

    ``vclass`` is one class name for all stars or one per star.

    >>> from varsynth.physics.typical import teff_or_typical
    >>> teff_or_typical([5000.0, float("nan")], "LPV")
    array([5000., 3000.])
    """
    t = np.atleast_1d(np.asarray(teff, dtype=float)).copy()
    classes = np.broadcast_to(np.asarray(vclass, dtype=object), t.shape)
    missing = ~(np.isfinite(t) & (t > 0))
    if missing.any():
        names, index = np.unique(classes[missing].astype(str), return_inverse=True)
        t[missing] = np.array([TYPICAL_TEFF[n][0] for n in names])[index]
    return t


def light_curve_wavelengths(
    surveys: str | np.ndarray, bands: np.ndarray, teff: float | np.ndarray, vclass: str | np.ndarray, colour: bool
) -> np.ndarray:
    """The effective wavelength (nm) of each light curve (one survey for all or one each; band,
    star temperature in K and class of each) in one of the two conventions: its star's temperature,
    or its class's typical one where unknown, through its band (``colour``); its band's published
    value (not ``colour``). The dataset builder, the tensors a model is fed and generation all
    take their wavelengths from here.

    >>> import numpy as np
    >>> from varsynth.physics.typical import light_curve_wavelengths
    >>> light_curve_wavelengths("eros1", np.array(["B", "B"]), np.array([np.nan, 9600.0]), "LPV", True).round()
    array([621., 556.])
    >>> light_curve_wavelengths("eros1", np.array(["B"]), np.nan, "LPV", False)
    array([555.])
    """
    bands = np.asarray(bands).astype(str)
    if not colour:
        return effective_wavelengths(surveys, bands, np.full(bands.shape, np.nan))
    t = np.broadcast_to(np.asarray(teff, dtype=float), bands.shape)
    return effective_wavelengths(
        surveys, bands, teff_or_typical(t, np.broadcast_to(np.asarray(vclass, dtype=object), bands.shape))
    )
