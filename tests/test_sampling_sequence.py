"""One sampling sequence: generation and the report's twins both draw through GenerativeModel."""

from __future__ import annotations

import numpy as np
import torch

from varsynth.evaluation.curves import real_curves, twin_curves
from varsynth.generation import StarRequest
from varsynth.generation.engine import iter_generate
from varsynth.generation.model import GenerativeModel


def test_conditions_standardise_the_physics_and_mask_the_unknown(default_model):
    cfg = default_model.cvae.config
    physics = np.array([[np.log10(6500.0), 0.6, np.log10(0.55)], [np.nan, 0.6, np.nan]])
    c = default_model.conditions(np.array([3, 3]), physics, np.array([0.8, 0.55]))
    idx = [("teff", "abs_mag", "period").index(p) for p in cfg.physics]
    want = (physics[0, idx] - np.asarray(cfg.phys_mean)) / np.asarray(cfg.phys_std)
    np.testing.assert_allclose(c["phys"][0].numpy(), want, rtol=1e-6)
    known = np.isfinite(physics[1, idx])
    np.testing.assert_array_equal(c["phys_mask"].numpy(), np.stack([np.ones(len(idx)), known]).astype(np.float32))
    assert float(c["phys"][1][~torch.from_numpy(known)].abs().sum()) == 0.0  # unknown: 0, as in training
    assert c["class_index"].dtype == torch.long and c["wave"].dtype == torch.float32


def test_base_points_are_the_noise_without_a_neighbour_bandwidth(default_model):
    noise = np.random.default_rng(0).standard_normal((4, default_model.cvae.config.latent_dim + 1))
    h = default_model.flow.config.neighbour_bandwidth
    got = default_model.base_points(np.array([0, 1, 2, 3]), noise)
    codes = default_model.catalog.base_code[[0, 1, 2, 3]]
    np.testing.assert_allclose(got, np.sqrt(1 - h * h) * codes + h * noise, rtol=1e-5, atol=1e-6)


def test_generation_and_twins_draw_through_the_model(default_model, tiny_dataset, monkeypatch):
    calls = []
    original = GenerativeModel.draw_latent

    def counted(self, conditions, base):
        calls.append(len(base))
        return original(self, conditions, base)

    monkeypatch.setattr(GenerativeModel, "draw_latent", counted)
    list(iter_generate(StarRequest("RRLYR"), n=3, cadence="uniform", model=default_model, seed=0))
    assert calls == [3]  # one uniform band: one light curve per star
    twin_curves(default_model, real_curves(tiny_dataset, "test"), seed=0)
    assert len(calls) == 2
