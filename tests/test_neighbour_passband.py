"""Physics neighbours near the requested passband (``flow.neighbour_passband_dex``), with the embedded model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from varsynth.bands import band
from varsynth.generation import StarRequest, generate_table, load_model
from varsynth.generation.config import GenerationConfig
from varsynth.generation.engine import neighbour_wave
from varsynth.latent.catalog import PhysicsCatalog


@pytest.fixture()
def weighed():
    """A fresh copy of the embedded model whose flow weighs passbands at 0.1 dex (the session's
    shared model is left as it is)."""
    model = load_model("default")
    model.flow.config = dataclasses.replace(model.flow.config, neighbour_passband_dex=0.1)
    return model


def test_the_passband_is_that_of_the_bands_generated(weighed):
    i_band, v_band = band("ogle3", "I").wave_eff, band("ogle3", "V").wave_eff
    one = GenerationConfig.build(StarRequest("LPV", subtype="Mira"), n=2, cadence="ogle3", bands=("I",))
    both = GenerationConfig.build(StarRequest("LPV", subtype="Mira"), n=2, cadence="ogle3")
    assert neighbour_wave(weighed, one) == pytest.approx(i_band)
    assert neighbour_wave(weighed, both) == pytest.approx(np.sqrt(i_band * v_band))  # one neighbour per star
    plain = load_model("default")
    if plain.flow.config.neighbour_passband_dex is None:  # a bundle that ignores passbands asks for none
        assert neighbour_wave(plain, one) is None


def test_i_band_miras_take_the_reddest_training_miras(weighed):
    """No training Mira light curve is in I; the embedded catalog's reddest Mira rows are the
    OGLE-III catalog I-band amplitudes of EROS-1 Miras (or, in a catalog without them, EROS-1 R).
    Weighed by passband, an I-band Mira of 300 d takes one of them as its neighbour in most draws
    (else one of the R-band Miras nearest in period); unweighed, mostly V-band ASAS and EROS-1 ones."""
    catalog, given = weighed.catalog, np.array([np.nan, np.nan, np.log10(300.0)])
    mira = catalog.rows("LPV", "Mira")
    reddest = catalog.wave_eff[mira].max()
    _, rows = catalog.draw("LPV", "Mira", given, 300, np.random.default_rng(0), wave_nm=806.0, wave_dex=0.1)
    assert np.mean(catalog.wave_eff[rows] == reddest) > 0.5  # the 27 I-band rows, at their periods
    assert np.all(catalog.wave_eff[rows] >= 760.0)  # else the EROS-1 R-band Miras nearest in period
    _, rows = catalog.draw("LPV", "Mira", given, 300, np.random.default_rng(0))
    assert np.mean(catalog.wave_eff[rows] == reddest) < 0.2


def test_generation_with_passband_weight_runs_and_changes_the_draw(weighed):
    request = StarRequest("LPV", subtype="Mira", period=300.0)
    kwargs = {"n": 20, "cadence": "ogle3", "bands": ("I",), "seed": 3}
    table = generate_table(request, model=weighed, **kwargs)
    assert np.isfinite(np.asarray(table["mag"], float)).all()
    again = generate_table(request, model=weighed, **kwargs)
    np.testing.assert_array_equal(np.asarray(table["mag"]), np.asarray(again["mag"]))  # still seeded
    weighed.flow.config = dataclasses.replace(weighed.flow.config, neighbour_passband_dex=None)
    other = generate_table(request, model=weighed, **kwargs)
    assert not np.array_equal(np.asarray(table["mag"]), np.asarray(other["mag"]))


def test_the_model_card_says_how_neighbours_are_chosen():
    from types import SimpleNamespace

    from varsynth.evaluation.card import _generation_lines
    from varsynth.models.flow import FlowConfig

    weighed = _generation_lines(
        SimpleNamespace(flow=FlowConfig(neighbour_bandwidth=0.25, neighbour_passband_dex=0.1)), {}
    )
    plain = _generation_lines(SimpleNamespace(flow=FlowConfig(neighbour_bandwidth=0.25)), {})
    assert any("0.1 dex" in line and "neighbour_passband_dex" in line for line in weighed)
    assert not any("neighbour_passband_dex" in line for line in plain)


def _catalog(periods: np.ndarray) -> PhysicsCatalog:
    """20 Miras at 500 nm, 20 at 650 nm (light curves) and 20 I-band catalog rows (806 nm)."""
    n = len(periods)
    return PhysicsCatalog(
        vclass=np.full(n, "LPV", dtype=object),
        subtype=np.full(n, "Mira", dtype=object),
        phys=np.c_[np.full(n, np.nan), np.full(n, np.nan), periods],
        wave_eff=np.repeat([500.0, 650.0, 806.0], n // 3),
        light_curve=np.repeat([True, True, False], n // 3),
    )


def test_outside_only_weighs_the_passband_beyond_the_class_light_curves_only():
    rng = np.random.default_rng(0)
    given = np.array([np.nan, np.nan, np.log10(300.0)])
    same = _catalog(np.full(60, np.log10(300.0)))
    assert same.wave_range("LPV") == (500.0, 650.0)  # the I-band rows are no light curves
    kw = {"wave_dex": 0.1, "outside_only": True}
    _, rows = same.draw("LPV", "Mira", given, 200, rng, wave_nm=806.0, **kw)
    assert (same.wave_eff[rows] == 806.0).all()  # outside: the rows nearest in passband
    _, rows = same.draw("LPV", "Mira", given, 200, rng, wave_nm=600.0, wave_dex=0.1)
    assert (same.wave_eff[rows] == 650.0).all()  # weighed everywhere: the nearest band
    spread = _catalog(np.log10(300.0) + rng.normal(0, 0.05, 60))
    _, rows = spread.draw("LPV", "Mira", given, 200, np.random.default_rng(1), wave_nm=600.0, **kw)
    _, plain = spread.draw("LPV", "Mira", given, 200, np.random.default_rng(1))
    np.testing.assert_array_equal(rows, plain)  # inside: by physics alone, as without a passband
    assert len(set(spread.wave_eff[rows])) == 3
