"""Colour-dependent effective wavelengths of broad passbands, and the classes' typical temperatures."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from varsynth.bands import BANDS, band, effective_wavelength, effective_wavelengths
from varsynth.physics.typical import TYPICAL_TEFF, teff_or_typical
from varsynth.taxonomy import CLASSES

H_C_OVER_K = 1.4387769e7  # nm K


def top_hat_mean(lo: float, hi: float, teff: float) -> float:
    """Photon-weighted mean wavelength of a black body through a top hat, by quadrature."""
    photons = lambda lam: lam**-4 / np.expm1(H_C_OVER_K / (lam * teff))  # noqa: E731
    return quad(lambda lam: lam * photons(lam), lo, hi)[0] / quad(photons, lo, hi)[0]


@pytest.mark.parametrize("teff", [2500.0, 3000.0, 5850.0, 9600.0, 20000.0])
@pytest.mark.parametrize("name", ["B", "R"])
def test_eros_channels_give_the_black_bodys_mean_wavelength(name, teff):
    lo, hi = band("eros1", name).top_hat
    assert effective_wavelength("eros1", name, teff)[0] == pytest.approx(top_hat_mean(lo, hi, teff), abs=0.3)


def test_known_answers_and_the_published_values_at_hot_temperatures():
    # a Vega-like star sees the EROS channels at their published wavelengths (555, 760 nm)
    assert effective_wavelength("eros1", "B", 9600.0)[0] == pytest.approx(555.0, abs=2)
    assert effective_wavelength("eros1", "R", 9600.0)[0] == pytest.approx(760.0, abs=8)
    # a 3,000 K Mira: 621 and 792 nm; Gaia G: 733 nm for it, 641 nm for a solar-type star (published 639.7)
    assert effective_wavelength("eros1", "B", 3000.0)[0] == pytest.approx(620.8, abs=0.5)
    assert effective_wavelength("eros1", "R", 3000.0)[0] == pytest.approx(791.7, abs=0.5)
    assert effective_wavelength("gaia-dr3", "G", 3000.0)[0] == pytest.approx(733.5, abs=1)
    assert effective_wavelength("gaia-dr3", "G", 6000.0)[0] == pytest.approx(639.7, abs=3)


def test_bands_without_a_transmission_and_unknown_temperatures_keep_the_published_value():
    for key in [("ogle3", "I"), ("asas", "V"), ("css", "V"), ("lsst", "g"), ("ztf", "r")]:
        np.testing.assert_array_equal(effective_wavelength(*key, [3000.0, 9600.0]), BANDS[key].wave_eff)
    np.testing.assert_array_equal(effective_wavelength("eros1", "B", [np.nan, -1.0, 0.0]), 555.0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(500.0, 100000.0), min_size=2, max_size=6))
def test_broad_band_wavelengths_redden_as_stars_cool_and_stay_inside_the_band(teffs):
    t = np.sort(np.asarray(teffs))
    for survey, name in [("eros1", "B"), ("eros1", "R"), ("gaia-dr3", "G")]:
        w = effective_wavelength(survey, name, t)
        assert np.all(np.diff(w) <= 1e-9)  # hotter: bluer (or equal beyond the tabulated range)
        lo, hi = band(survey, name).top_hat or (330.0, 1050.0)
        assert np.all((w > lo) & (w < hi))


def test_many_light_curves_at_once_match_one_by_one():
    surveys = np.array(["eros1", "ogle3", "eros1", "gaia-dr3"])
    names = np.array(["B", "I", "R", "G"])
    teff = np.array([3000.0, 3000.0, np.nan, 7000.0])
    one = [effective_wavelength(s, n, t)[0] for s, n, t in zip(surveys, names, teff)]
    np.testing.assert_allclose(effective_wavelengths(surveys, names, teff), one)


def test_every_class_has_a_typical_temperature():
    assert set(TYPICAL_TEFF) == set(CLASSES)
    assert TYPICAL_TEFF["LPV"][0] == 3000.0 and all(2000 < t < 10000 for t, _ in TYPICAL_TEFF.values())
    np.testing.assert_array_equal(
        teff_or_typical([np.nan, 4000.0, np.nan], np.array(["LPV", "LPV", "RRLYR"], dtype=object)),
        [3000.0, 4000.0, TYPICAL_TEFF["RRLYR"][0]],
    )


def test_a_model_is_fed_the_wavelengths_of_its_own_convention():
    """The same dataset rows give a published-convention model the bands' published values and a
    colour-convention model its stars' temperatures through them; ``None`` keeps what is stored."""
    import pyarrow as pa

    from varsynth.data.tensors import table_wavelengths

    table = pa.table(
        {
            "survey": ["eros1", "eros1", "gaia-dr3", "ogle3"],
            "band": ["B", "R", "G", "I"],
            "vclass": ["LPV", "RRLYR", "CEP", "CEP"],
            "teff": [np.nan, 6800.0, 3000.0, 5850.0],
            "wave_eff": [1.0, 2.0, 3.0, 4.0],
        }
    )
    np.testing.assert_array_equal(table_wavelengths(table, None), [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(table_wavelengths(table, False), [555.0, 760.0, 639.7, 806.0])
    colour = table_wavelengths(table, True)
    np.testing.assert_allclose(
        colour[:3],
        [
            effective_wavelength("eros1", "B", 3000.0)[0],  # LPV: the class's typical 3,000 K
            effective_wavelength("eros1", "R", 6800.0)[0],
            effective_wavelength("gaia-dr3", "G", 3000.0)[0],
        ],
    )
    assert colour[3] == 806.0
