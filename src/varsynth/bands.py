"""Passbands of the surveys varsynth reads or simulates (cadences), with effective wavelengths.

One table for every band fact, so that models can condition on wavelength (nm) and readers
agree on band names. Effective wavelengths are the usual published values (nanometres).

Broad passbands see a red star at a much redder wavelength than a blue one: through EROS-1's
blue channel (420-720 nm) a 3,000 K black body has its photon-weighted mean wavelength at
621 nm, a 9,600 K one at 556 nm; through Gaia G at 733 and 599 nm. :func:`effective_wavelength`
gives that wavelength for a star's temperature in the bands whose transmission is known
(``top_hat`` or ``curve``); the others keep their published value, which moves by less than 15
nm between 3,000 and 9,600 K for the Johnson-Cousins, SDSS and LSST bands.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

__all__ = ["Band", "BANDS", "band", "effective_wavelength", "effective_wavelengths", "TEFF_GRID"]


@dataclass(frozen=True)
class Band:
    """A photometric passband.

    Attributes:
        survey: survey whose photometric system this is.
        name: band name as readers write it in :attr:`LightCurve.band`.
        wave_eff: effective wavelength in nm.
        reference: where the wavelength comes from.
        top_hat: (blue, red) edges (nm) of a passband described by its half-power limits, for
            the colour-dependent effective wavelength; ``None`` where not used.
        curve: name of the published transmission curve (speclite's filter name) for the
            colour-dependent effective wavelength; ``None`` where not used.
    """

    survey: str
    name: str
    wave_eff: float
    reference: str
    top_hat: tuple[float, float] | None = None
    curve: str | None = None


BANDS: dict[tuple[str, str], Band] = {
    (b.survey, b.name): b
    for b in [
        Band("ogle3", "V", 551.0, "Johnson V (Bessell 1990)"),
        Band("ogle3", "I", 806.0, "Cousins I (Bessell 1990)"),
        Band("eros1", "B", 555.0, "EROS blue channel 420-720 nm (Tisserand et al. 2007)", top_hat=(420.0, 720.0)),
        Band("eros1", "R", 760.0, "EROS red channel 620-920 nm (Tisserand et al. 2007)", top_hat=(620.0, 920.0)),
        Band("sdss-s82", "u", 355.1, "SDSS (Fukugita et al. 1996)"),
        Band("sdss-s82", "g", 468.6, "SDSS (Fukugita et al. 1996)"),
        Band("sdss-s82", "r", 616.5, "SDSS (Fukugita et al. 1996)"),
        Band("sdss-s82", "i", 748.1, "SDSS (Fukugita et al. 1996)"),
        Band("sdss-s82", "z", 893.1, "SDSS (Fukugita et al. 1996)"),
        Band("crts", "V", 551.0, "CSS unfiltered, calibrated to V (Drake et al. 2013)"),
        Band("gaia-dr3", "G", 639.7, "Gaia G (Jordi 2010); EDR3 passband (Riello 2021)", curve="gaiadr3-G"),
        Band("css", "V", 551.0, "Catalina SSS unfiltered, calibrated to V (Drake et al. 2013, 2017)"),
        Band("asas", "V", 551.0, "Johnson V (Pojmanski 2002)"),
        Band("lsst", "u", 367.0, "LSST filter throughputs (Ivezic et al. 2019)"),
        Band("lsst", "g", 482.7, "LSST filter throughputs (Ivezic et al. 2019)"),
        Band("lsst", "r", 622.3, "LSST filter throughputs (Ivezic et al. 2019)"),
        Band("lsst", "i", 754.6, "LSST filter throughputs (Ivezic et al. 2019)"),
        Band("lsst", "z", 869.1, "LSST filter throughputs (Ivezic et al. 2019)"),
        Band("lsst", "y", 971.2, "LSST filter throughputs (Ivezic et al. 2019)"),
        Band("ztf", "g", 472.3, "ZTF g (Bellm et al. 2019)"),
        Band("ztf", "r", 633.3, "ZTF r (Bellm et al. 2019)"),
        Band("ztf", "i", 789.0, "ZTF i (Bellm et al. 2019)"),
    ]
}


def band(survey: str, name: str) -> Band:
    """Look up a band; raises ``KeyError`` naming the valid bands of the survey.

    >>> from varsynth.bands import band
    >>> band("lsst", "g").wave_eff  # effective wavelength, nm
    482.7
    >>> band("ogle3", "I")
    Band(survey='ogle3', name='I', wave_eff=806.0, reference='Cousins I (Bessell 1990)', top_hat=None, curve=None)
    >>> band("ztf", "y")
    Traceback (most recent call last):
    ...
    KeyError: "band 'y' of survey 'ztf' is unknown; valid: ['g', 'i', 'r']"
    """
    try:
        return BANDS[(survey, name)]
    except KeyError:
        valid = sorted(n for (s, n) in BANDS if s == survey)
        raise KeyError(f"band {name!r} of survey {survey!r} is unknown; valid: {valid}") from None


#: Temperatures (K) on which :func:`effective_wavelength` is tabulated (log-spaced); outside it
#: the value at the nearest end is used.
TEFF_GRID = np.geomspace(1500.0, 50000.0, 241)

_H_C_OVER_K = 1.4387769e7  # h c / k_B in nm K


@cache
def _wave_table(survey: str, name: str) -> np.ndarray | None:
    """The photon-weighted mean wavelength (nm) of a black body through the band at each
    temperature of :data:`TEFF_GRID`, or ``None`` for a band without a known transmission."""
    b = band(survey, name)
    if b.top_hat is not None:
        lam = np.linspace(b.top_hat[0], b.top_hat[1], 601)
        response = np.ones_like(lam)
    elif b.curve is not None:
        from speclite.filters import load_filter  # published curves; loaded once per band

        f = load_filter(b.curve)
        lam = np.asarray(f.wavelength, dtype=float) / 10.0  # Angstrom -> nm
        response = np.asarray(f.response, dtype=float)
    else:
        return None
    x = _H_C_OVER_K / (lam[None, :] * TEFF_GRID[:, None])
    # photons per unit wavelength of a black body, up to a constant: lambda * B_lambda ~ lambda^-4 / (e^x - 1)
    photons = response[None, :] * lam[None, :] ** -4 / np.expm1(x)
    waves = np.asarray(np.trapezoid(photons * lam[None, :], lam, axis=1) / np.trapezoid(photons, lam, axis=1))
    return waves


def effective_wavelength(survey: str, name: str, teff: float | np.ndarray) -> np.ndarray:
    """Effective wavelength (nm) of band ``name`` of ``survey`` for stars of temperature ``teff`` (K).

    In a band with a known transmission (:attr:`Band.top_hat` or :attr:`Band.curve`), the
    photon-weighted mean wavelength of a black body of ``teff`` through it; elsewhere, and where
    ``teff`` is not finite, the published :attr:`Band.wave_eff`.

    >>> from varsynth.bands import effective_wavelength
    >>> effective_wavelength("eros1", "B", [3000.0, 9600.0]).round()
    array([621., 556.])
    >>> effective_wavelength("ogle3", "I", 3000.0)
    array([806.])
    """
    t = np.atleast_1d(np.asarray(teff, dtype=float))
    nominal = band(survey, name).wave_eff
    table = _wave_table(survey, name)
    if table is None:
        return np.full(t.shape, nominal)
    known = np.isfinite(t) & (t > 0)
    out = np.full(t.shape, nominal)
    out[known] = np.interp(np.log(t[known]), np.log(TEFF_GRID), table)
    return out


def effective_wavelengths(surveys: str | np.ndarray, names: np.ndarray, teff: np.ndarray) -> np.ndarray:
    """:func:`effective_wavelength` (nm) of many light curves: survey, band name and temperature
    (K) of each, (N,) arrays (``surveys`` may be one survey for all)."""
    names = np.asarray(names).astype(str)
    teff = np.broadcast_to(np.asarray(teff, dtype=float), names.shape)
    out = np.empty(names.shape)
    if isinstance(surveys, str):  # one survey (generation): no string pairs to build
        for name in np.unique(names).tolist():
            rows = names == name
            out[rows] = effective_wavelength(surveys, name, teff[rows])
        return out
    surveys = np.broadcast_to(np.asarray(surveys).astype(str), names.shape)
    pairs, index = np.unique(np.char.add(np.char.add(surveys, "|"), names), return_inverse=True)
    for k, pair in enumerate(pairs.tolist()):
        survey, name = pair.split("|")
        rows = index == k
        out[rows] = effective_wavelength(survey, name, teff[rows])
    return out
