"""The generation engine's stages, one by one (physics, epochs, photometry)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from varsynth.bands import effective_wavelength
from varsynth.cadences import get_cadence
from varsynth.generation import GenerationConfig, StarRequest
from varsynth.generation.engine import _draw_epochs, _draw_stars, _mean_magnitudes

RR = StarRequest("RRLYR", period=0.55)


def test_physics_stage_keeps_given_values_and_draws_one_base_point_per_star(default_model):
    config = GenerationConfig(RR, get_cadence("uniform"), n=7)
    stars = _draw_stars(default_model, config, 7, np.random.default_rng(0))
    assert stars.phys.shape == (7, 3) and stars.base.shape == (7, default_model.cvae.config.latent_dim + 1)
    np.testing.assert_allclose(stars.phys[:, 2], np.log10(0.55))
    assert stars.conditioned.shape == (7, 3) and np.isfinite(stars.base).all()


def test_epochs_stage_makes_one_light_curve_per_star_and_band(default_model):
    config = GenerationConfig(RR, get_cadence("uniform", n_epochs=5, baseline=10.0), n=3)
    ep = _draw_epochs(default_model, config, 3, np.random.default_rng(1), np.full(3, 0.5), np.full(3, 6500.0))
    assert len(ep.time) == 15 and ep.star.tolist() == [0] * 5 + [1] * 5 + [2] * 5
    assert ep.pair_star.tolist() == [0, 1, 2] and ep.curve.tolist() == ep.star.tolist()
    assert not ep.outside.any() and ep.first.tolist() == [ep.time[0], ep.time[5], ep.time[10]]
    assert ep.wave_um.dtype == np.float32 and np.all(ep.wave_um > 0.3)


def test_epochs_stage_leaves_out_bands_outside_the_trained_range_unless_asked(default_model):
    lsst = GenerationConfig(RR, get_cadence("lsst-wfd"), n=2)
    kept = _draw_epochs(default_model, lsst, 2, np.random.default_rng(2), np.full(2, 0.5), np.full(2, np.nan))
    flagged = _draw_epochs(
        default_model,
        replace(lsst, allow_extrapolation=True),
        2,
        np.random.default_rng(2),
        np.full(2, 0.5),
        np.full(2, np.nan),
    )
    assert "y" not in set(kept.band) and "y" in set(flagged.band)
    assert flagged.outside[flagged.band == "y"].all() and not flagged.outside[flagged.band != "y"].any()
    only_g = _draw_epochs(
        default_model, replace(lsst, bands=("g",)), 2, np.random.default_rng(2), np.full(2, 0.5), np.full(2, np.nan)
    )
    assert set(only_g.band) == {"g"} and len(only_g.pair_star) == 2


def test_photometry_stage_puts_a_star_at_its_distance_modulus(default_model):
    request = StarRequest("RRLYR", period=0.55, abs_mag=0.6, distance_modulus=10.0)
    config = GenerationConfig(request, get_cadence("gaia"), n=2)
    stars = _draw_stars(default_model, config, 2, np.random.default_rng(3))
    ep = _draw_epochs(default_model, config, 2, np.random.default_rng(3), np.full(2, 0.55), 10 ** stars.phys[:, 0])
    mbar, dm, a_v = _mean_magnitudes(config, stars, ep, np.random.default_rng(3))
    np.testing.assert_allclose(dm, 10.0)
    np.testing.assert_allclose(a_v, 0.0)
    np.testing.assert_allclose(mbar, 10.6, atol=1e-9)  # Gaia G: the mean G itself


def test_epochs_stage_gives_each_light_curve_its_stars_wavelength_in_a_broad_band(default_model):
    """A model trained on colour-dependent wavelengths sees a cool star's Gaia G light curve at
    the wavelength of its temperature (733 nm at 3,000 K, 599 nm at 9,600 K); a model trained on
    the published ones, at 639.7 nm whatever the star."""
    config = GenerationConfig(StarRequest("CEP", period=5.0), get_cadence("gaia"), n=2)
    teff = np.array([3000.0, 9600.0])
    colour = replace(default_model, catalog=replace(default_model.catalog, colour_wavelengths=True))
    nominal = replace(default_model, catalog=replace(default_model.catalog, colour_wavelengths=False))
    ep = _draw_epochs(colour, config, 2, np.random.default_rng(4), np.full(2, 5.0), teff)
    np.testing.assert_allclose(ep.wave_um[ep.pair_star], np.array([0.7335, 0.5987])[ep.pair_star], atol=5e-4)
    ep = _draw_epochs(nominal, config, 2, np.random.default_rng(4), np.full(2, 5.0), teff)
    np.testing.assert_allclose(ep.wave_um, 0.6397, atol=1e-6)
    # unknown temperature: the class's typical one (CEP 5,850 K)
    ep = _draw_epochs(colour, config, 2, np.random.default_rng(4), np.full(2, 5.0), np.full(2, np.nan))
    np.testing.assert_allclose(ep.wave_um, effective_wavelength("gaia-dr3", "G", 5850.0)[0] / 1000.0, atol=1e-6)
