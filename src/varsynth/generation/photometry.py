"""From absolute G magnitude to a star's mean apparent magnitude in any passband.

The physical parameter the models know is the absolute Gaia G magnitude M_G. A light curve in
another band needs that band's mean magnitude:

    m_band = M_G + mu + (m_band - m_G)_Teff + A_band

with mu the distance modulus (mag), ``(m_band - m_G)_Teff`` the colour of a black body of the
star's effective temperature (K) through the two bands' effective wavelengths, in the Vega system
(zero for a 9,600 K Vega-like star) plus the AB - Vega offset of AB-calibrated systems (SDSS,
LSST, ZTF; Blanton & Roweis 2007), and ``A_band = A_V * A(lambda)/A(V)`` from the Cardelli,
Clayton & Mathis (1989) law with R_V = 3.1 (``dust_extinction``). A black body is a first-order
colour model: pulsating stars' colours differ from it by a few tenths of a magnitude in the
blue (documented in the model card); the light-curve shape and amplitude per band come from
the trained model, not from this module.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
from dust_extinction.parameter_averages import CCM89

from varsynth.bands import band as band_info

__all__ = ["G_WAVE_NM", "VEGA_TEFF", "AB_MINUS_VEGA", "blackbody_color", "extinction_ratio", "mean_magnitude"]

#: Effective wavelength of Gaia G (nm), the band of the models' absolute magnitude.
G_WAVE_NM = 639.7
#: Temperature (K) of the black body with zero colours in the Vega system.
VEGA_TEFF = 9600.0
#: m_AB - m_Vega per (survey, band) for AB-calibrated systems (Blanton & Roweis 2007, SDSS
#: ugriz; the same values stand for the similar LSST and ZTF filters; LSST y extrapolated).
AB_MINUS_VEGA: dict[tuple[str, str], float] = {
    **{
        (s, b): v
        for s in ("sdss-s82", "lsst", "ztf")
        for b, v in {"u": 0.91, "g": -0.08, "r": 0.16, "i": 0.37, "z": 0.54}.items()
    },
    ("lsst", "y"): 0.60,
}
_HC_OVER_K = 1.4387769e7  # h c / k_B in nm K


def _planck_mag(wave_nm: np.ndarray, teff: np.ndarray) -> np.ndarray:
    """-2.5 log10 of the black-body spectral radiance per unit wavelength (arbitrary zero point)."""
    x = _HC_OVER_K / (wave_nm * teff)
    return -2.5 * (-5.0 * np.log10(wave_nm) - np.log10(np.expm1(x)))


def blackbody_color(wave_nm: float | np.ndarray, teff: float | np.ndarray) -> np.ndarray:
    """Vega-system colour m(wave) - m_G (mag) of a black body of ``teff`` (K)."""
    wave, t = np.asarray(wave_nm, dtype=float), np.asarray(teff, dtype=float)
    star = _planck_mag(wave, t) - _planck_mag(np.full_like(wave, G_WAVE_NM), t)
    vega = _planck_mag(wave, np.full_like(t, VEGA_TEFF)) - _planck_mag(
        np.full_like(wave, G_WAVE_NM), np.full_like(t, VEGA_TEFF)
    )
    return star - vega


def extinction_ratio(wave_nm: float | np.ndarray) -> np.ndarray:
    """A(lambda) / A(V) of the CCM89 law with R_V = 3.1 at ``wave_nm`` (valid 300-3,300 nm)."""
    wave = np.clip(np.atleast_1d(np.asarray(wave_nm, dtype=float)), 300.0, 3300.0)
    return np.asarray(CCM89(Rv=3.1)(wave * u.nm), dtype=float).reshape(np.shape(wave_nm))


def mean_magnitude(
    survey: str, band: str, abs_mag_g: np.ndarray, teff: np.ndarray, distance_modulus: np.ndarray, a_v: np.ndarray
) -> np.ndarray:
    """Mean apparent magnitude (mag) in ``band`` of ``survey`` for each star.

    Arguments:
        survey, band: the passband (a key of :data:`varsynth.bands.BANDS`).
        abs_mag_g: absolute Gaia G magnitudes (mag).
        teff: effective temperatures (K); NaN (unknown): no colour term.
        distance_modulus: distance moduli (mag).
        a_v: V-band extinctions (mag).
    """
    wave = band_info(survey, band).wave_eff
    teff = np.asarray(teff, dtype=float)
    with np.errstate(invalid="ignore"):
        bb = np.where(np.isfinite(teff), blackbody_color(wave, np.where(np.isfinite(teff), teff, VEGA_TEFF)), 0.0)
    color = bb + AB_MINUS_VEGA.get((survey, band), 0.0)
    return abs_mag_g + distance_modulus + color + a_v * float(extinction_ratio(wave))
