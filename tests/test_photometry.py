"""Known answers of the mean apparent magnitude in a band (varsynth.generation.photometry).

The black-body colours are checked against astropy's Planck function and the extinction ratios
against the published CCM89 polynomials (Cardelli, Clayton & Mathis 1989, eqs. 3a-b), both
independent of the module's own formulae.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
import pytest
from astropy.modeling.models import BlackBody

from varsynth.generation.photometry import G_WAVE_NM, VEGA_TEFF, blackbody_color, extinction_ratio, mean_magnitude

_FLAM = u.erg / (u.cm**2 * u.s * u.AA * u.sr)


def _planck_color(wave_nm: float, teff: float) -> float:
    """m(wave) - m_G (mag) of a black body of ``teff`` (K), zero for a VEGA_TEFF black body."""

    def radiance(w: float, t: float) -> float:
        return float(BlackBody(t * u.K, scale=1.0 * _FLAM)(w * u.nm).to_value(_FLAM))

    star = -2.5 * np.log10(radiance(wave_nm, teff) / radiance(G_WAVE_NM, teff))
    vega = -2.5 * np.log10(radiance(wave_nm, VEGA_TEFF) / radiance(G_WAVE_NM, VEGA_TEFF))
    return star - vega


def _ccm89(wave_nm: float, r_v: float = 3.1) -> float:
    """A(lambda) / A(V) of the optical CCM89 law (1.1 <= 1/lambda[um] <= 3.3)."""
    y = 1000.0 / wave_nm - 1.82
    a = np.polyval([0.32999, -0.77530, 0.01979, 0.72085, -0.02427, -0.50447, 0.17699, 1.0], y)
    b = np.polyval([-2.09002, 5.30260, -0.62251, -5.38434, 1.07233, 2.28305, 1.41338, 0.0], y)
    return float(a + b / r_v)


@pytest.mark.parametrize(("wave", "teff"), [(806.0, 4000.0), (367.0, 6000.0), (482.7, 20000.0), (971.2, 3000.0)])
def test_blackbody_color_matches_the_planck_function(wave: float, teff: float) -> None:
    assert float(blackbody_color(wave, teff)) == pytest.approx(_planck_color(wave, teff), abs=1e-6)


def test_blackbody_color_is_zero_in_g_and_for_a_vega_like_star() -> None:
    assert np.allclose(blackbody_color(G_WAVE_NM, np.array([3000.0, 6000.0, 30000.0])), 0.0, atol=1e-12)
    assert np.allclose(blackbody_color(np.array([367.0, 551.0, 971.2]), VEGA_TEFF), 0.0, atol=1e-12)
    assert float(blackbody_color(806.0, 4000.0)) < -0.6  # a cool star is bright in I relative to G
    assert float(blackbody_color(367.0, 6000.0)) > 1.0  # and faint in u


def test_extinction_ratio_follows_ccm89_and_is_clipped_to_its_range() -> None:
    assert float(extinction_ratio(1000.0 / 1.82)) == pytest.approx(1.0, abs=1e-6)  # V: a = 1, b = 0
    for wave in (367.0, 482.7, 551.0, 806.0, 869.1):  # the optical range, 1/lambda >= 1.1 / um
        assert float(extinction_ratio(wave)) == pytest.approx(_ccm89(wave), rel=1e-9)
    assert float(extinction_ratio(806.0)) == pytest.approx(0.589, abs=1e-3)
    assert float(extinction_ratio(100.0)) == float(extinction_ratio(300.0)) > float(extinction_ratio(301.0))
    assert float(extinction_ratio(5000.0)) == float(extinction_ratio(3300.0))
    assert float(extinction_ratio(3300.0)) < float(extinction_ratio(2000.0))  # clipped, not extrapolated
    assert np.shape(extinction_ratio(500.0)) == ()
    assert extinction_ratio(np.array([[400.0, 500.0]])).shape == (1, 2)


def test_mean_magnitude_known_answers() -> None:
    abs_mag, dm = np.array([-3.0, 0.5]), np.array([18.477, 10.0])
    none, nan = np.zeros(2), np.full(2, np.nan)
    # unknown temperature, no dust, Vega-calibrated band: M_G + mu exactly
    assert mean_magnitude("ogle3", "I", abs_mag, nan, dm, none).tolist() == (abs_mag + dm).tolist()
    # AB-calibrated band: plus m_AB - m_Vega (LSST g: -0.08, u: +0.91)
    assert mean_magnitude("lsst", "g", abs_mag, nan, dm, none) == pytest.approx(abs_mag + dm - 0.08, abs=1e-12)
    assert mean_magnitude("lsst", "u", abs_mag, nan, dm, none) == pytest.approx(abs_mag + dm + 0.91, abs=1e-12)
    # a Vega-like star seen through one magnitude of A_V in Johnson V
    got = mean_magnitude("ogle3", "V", abs_mag, np.full(2, VEGA_TEFF), dm, np.ones(2))
    assert got == pytest.approx(abs_mag + dm + _ccm89(551.0), abs=1e-9)
    # colour, AB offset and extinction together, one star of known and one of unknown temperature
    teff, a_v = np.array([4000.0, np.nan]), np.array([0.3, 0.3])
    got = mean_magnitude("ztf", "r", abs_mag, teff, dm, a_v)
    dust = 0.3 * _ccm89(633.3)
    assert got[0] == pytest.approx(abs_mag[0] + dm[0] + _planck_color(633.3, 4000.0) + 0.16 + dust, abs=1e-6)
    assert got[1] == pytest.approx(abs_mag[1] + dm[1] + 0.16 + dust, abs=1e-9)
