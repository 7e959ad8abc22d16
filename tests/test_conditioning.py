"""What the network and the flow are conditioned on when generation draws physics: each star is
shown to the model as its training neighbour was (a parameter that neighbour lacked is masked),
while the drawn value stays in the output (varsynth.generation.engine.conditioned_physics)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from varsynth.generation import StarRequest, generate_table
from varsynth.generation.abs_mag import ABS_MAG
from varsynth.generation.engine import conditioned_physics
from varsynth.latent.catalog import PhysicsCatalog

TEFF, PERIOD = 0, 2


def _model(phys: np.ndarray) -> SimpleNamespace:
    n = len(phys)
    catalog = PhysicsCatalog(
        vclass=np.full(n, "LPV", dtype=object),
        subtype=np.full(n, "Mira", dtype=object),
        phys=phys,
        wave_eff=np.full(n, 555.0),
    )
    return SimpleNamespace(catalog=catalog)


def test_drawn_parameter_the_neighbour_lacked_is_masked_given_one_is_kept() -> None:
    # catalog rows: 0 has all three parameters, 1 lacks Teff and M_G (as 1,644 of 1,645 LPVs do)
    model = _model(np.array([[np.log10(3000.0), -4.0, 2.5], [np.nan, np.nan, 2.4]]))
    phys = np.array([[np.log10(3000.0), -4.0, 2.5], [np.log10(3000.0), -4.0, 2.4]])
    none = np.zeros(2, bool)
    cond = conditioned_physics(model, StarRequest("LPV", subtype="Mira"), phys, np.array([0, 1]), none)
    assert np.array_equal(cond[0], phys[0])
    assert np.isnan(cond[1, TEFF]) and np.isnan(cond[1, ABS_MAG]) and cond[1, PERIOD] == 2.4
    assert np.isfinite(phys).all()  # the drawn values themselves are not touched
    given = conditioned_physics(model, StarRequest("LPV", subtype="Mira", teff=3000.0), phys, np.array([1, 1]), none)
    assert np.allclose(given[:, TEFF], np.log10(3000.0)) and np.isnan(given[:, ABS_MAG]).all()
    uncond = conditioned_physics(model, StarRequest("LPV"), phys, np.array([0, 0]), np.array([False, True]))
    assert np.isfinite(uncond[0]).all() and np.isnan(uncond[1, ABS_MAG])


def _median_amplitude(table) -> float:
    ids, mags = np.asarray(table["id"]), np.asarray(table["mag"])
    return float(np.median([np.ptp(mags[ids == i]) for i in np.unique(ids)]))


def test_mira_amplitude_in_the_i_band_is_that_of_a_mira(default_model) -> None:
    # OGLE-III LMC Miras have a median I-band peak-to-peak amplitude of 1.3 mag. Conditioned on the
    # one training LPV with a Teff (6,134 K), generated Miras had 0.6 mag at 300 days.
    table = generate_table(
        StarRequest("LPV", subtype="Mira", period=300.0),
        n=100,
        cadence="uniform",
        cadence_options={"n_epochs": 100, "baseline": 1500.0, "band": "I"},
        model=default_model,
        seed=3,
        noise=False,
        chunk_size=100,
    )
    assert 0.9 < _median_amplitude(table) < 3.5
