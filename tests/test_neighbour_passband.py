"""Physics neighbours near the requested passband (``flow.neighbour_passband_dex``), with the embedded model."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from varsynth.bands import band
from varsynth.generation import StarRequest, generate_table, load_model
from varsynth.generation.config import GenerationConfig
from varsynth.generation.engine import neighbour_wave


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
    """No training Mira was observed in I; the embedded catalog's reddest are EROS-1 R (760 nm).
    Weighed by passband, an I-band Mira of 300 d takes one of them as its neighbour; unweighed,
    mostly V-band ASAS and EROS-1 B ones."""
    catalog, given = weighed.catalog, np.array([np.nan, np.nan, np.log10(300.0)])
    mira = catalog.rows("LPV", "Mira")
    reddest = catalog.wave_eff[mira].max()
    _, rows = catalog.draw("LPV", "Mira", given, 300, np.random.default_rng(0), wave_nm=806.0, wave_dex=0.1)
    assert np.all(catalog.wave_eff[rows] == reddest)
    _, rows = catalog.draw("LPV", "Mira", given, 300, np.random.default_rng(0))
    assert np.mean(catalog.wave_eff[rows] == reddest) < 0.5


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
