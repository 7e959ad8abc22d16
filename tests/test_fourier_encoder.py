"""The Fourier-fit encoder input and the training options of the default model (known answers)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from varsynth.config import ConfigError
from varsynth.models.config import ModelConfig
from varsynth.models.cvae import CVAE
from varsynth.models.fourier_encoder import fourier_design, fourier_features
from varsynth.models.loss import kl_latent, pelsvae_loss, weighted_mse


def _curve(phase: torch.Tensor) -> torch.Tensor:
    return 0.5 + 0.3 * torch.cos(2 * math.pi * phase) - 0.1 * torch.sin(4 * math.pi * phase)


def test_fit_recovers_known_coefficients_from_irregular_points():
    g = torch.Generator().manual_seed(0)
    phase = torch.rand(2, 200, generator=g, dtype=torch.float64)
    mag = _curve(phase)
    err = torch.full_like(mag, 0.01)
    feats = fourier_features(phase, mag, err, torch.ones_like(mag), harmonics=4, ridge=0.0, min_err=1e-3)
    coef = feats[:, :9]
    expected = torch.tensor([0.5, 0.3, 0, 0, 0, 0, -0.1, 0, 0], dtype=torch.float64)
    assert torch.allclose(coef, expected.expand(2, -1), atol=1e-6)
    assert feats[0, 10] == pytest.approx(math.log10(200))


def test_padding_and_point_order_do_not_change_the_features():
    g = torch.Generator().manual_seed(1)
    phase = torch.rand(1, 50, generator=g, dtype=torch.float64)
    mag, err = _curve(phase), torch.full((1, 50), 0.02, dtype=torch.float64)
    ones = torch.ones_like(mag)
    base = fourier_features(phase, mag, err, ones, harmonics=6, ridge=1e-3, min_err=1e-3)
    perm = torch.randperm(50, generator=g)
    shuffled = fourier_features(phase[:, perm], mag[:, perm], err[:, perm], ones, harmonics=6, ridge=1e-3, min_err=1e-3)
    pad = lambda x, v: torch.cat([x, torch.full((1, 30), v, dtype=x.dtype)], dim=1)  # noqa: E731
    padded = fourier_features(
        pad(phase, 0.0), pad(mag, 0.0), pad(err, 0.0), pad(ones, 0.0), harmonics=6, ridge=1e-3, min_err=1e-3
    )
    assert torch.allclose(base, shuffled, atol=1e-9)
    assert torch.allclose(base, padded, atol=1e-9)


def test_ridge_keeps_sparse_fits_finite_and_damps_high_harmonics():
    phase = torch.tensor([[0.0, 0.3, 0.6]], dtype=torch.float64)
    mag = torch.tensor([[0.0, 1.0, 0.5]], dtype=torch.float64)
    feats = fourier_features(
        phase, mag, torch.full_like(mag, 0.05), torch.ones_like(mag), harmonics=10, ridge=1e-2, min_err=1e-3
    )
    assert torch.isfinite(feats).all()
    coef = feats[0, :21].abs()
    assert coef[10] < coef[1] and coef[20] < coef[11]  # a_10 < a_1, b_10 < b_1


def test_design_matrix_is_periodic():
    phase = torch.tensor([0.1, 0.7], dtype=torch.float64)
    assert torch.allclose(fourier_design(phase, 5), fourier_design(phase + 3.0, 5), atol=1e-9)


def test_fourier_encoder_model_encodes_and_decodes():
    cfg = ModelConfig(
        arch="fourier",
        decoder="periodic",
        hidden=16,
        latent_dim=5,
        physics=("teff", "period"),
        decoder_physics=True,
        condition_wavelength=True,
    )
    model = CVAE(cfg).eval()
    b, t = 4, 30
    batch = {
        "phase": torch.rand(b, t),
        "mag": torch.rand(b, t),
        "mag_err": torch.full((b, t), 0.02),
        "mask": torch.ones(b, t, dtype=torch.bool),
        "class_index": torch.tensor([0, 1, 2, 3]),
        "phys": torch.zeros(b, 2),
        "phys_mask": torch.ones(b, 2),
        "wave": torch.full((b,), 0.8),
    }
    mag_hat, err_hat, mu, logvar = model(batch)
    assert mag_hat.shape == (b, t) and mu.shape == (b, 5) and torch.isfinite(mag_hat).all()


def test_decoder_width_can_differ_from_the_encoder_width():
    """``decoder_hidden`` sizes the periodic decoder's coefficient network alone (what drawing
    runs); the encoder keeps ``hidden``; ``None`` keeps both at ``hidden`` (every bundle before it)."""
    base = {"arch": "fourier", "decoder": "periodic", "latent_dim": 5, "physics": ("period",)}
    model = CVAE(ModelConfig(hidden=32, decoder_hidden=12, **base)).eval()
    widths = {m.out_features for m in model.periodic.body if isinstance(m, torch.nn.Linear)}
    assert widths == {12} and model.encoder_dense[0].out_features == 32
    assert model.periodic.mag_head.in_features == 12
    same = CVAE(ModelConfig(hidden=32, **base))
    assert {m.out_features for m in same.periodic.body if isinstance(m, torch.nn.Linear)} == {32}
    with pytest.raises(ConfigError, match="model.decoder_hidden"):
        ModelConfig(hidden=32, decoder_hidden=0, **base)


def test_fourier_encoder_needs_the_periodic_decoder():
    with pytest.raises(ConfigError, match="model.arch"):
        ModelConfig(arch="fourier", decoder="sequence")


def test_sum_reduction_is_half_chi2_per_light_curve():
    mag = torch.zeros(2, 4)
    hat = torch.full((2, 4), 0.1)
    err = torch.full((2, 4), 0.1)
    mask = torch.ones(2, 4)
    assert float(weighted_mse(mag, hat, err, mask, 1e-3, "sum")) == pytest.approx(2.0)  # 0.5 * 4 points * 1
    assert float(weighted_mse(mag, hat, err, mask, 1e-3, "mean")) == pytest.approx(1.0)


def test_free_bits_floor_each_dimension():
    mu, logvar = torch.zeros(3, 4), torch.zeros(3, 4)  # KL = 0 in every dimension
    assert float(kl_latent(mu, logvar)) == 0.0
    assert float(kl_latent(mu, logvar, free_bits=0.5)) == pytest.approx(2.0)
    mu[:, 0] = 2.0  # KL_0 = 2 nats: above the floor, counted as is
    assert float(kl_latent(mu, logvar, free_bits=0.5)) == pytest.approx(2.0 + 1.5)


def test_sum_reduction_scales_error_term_by_points():
    g = torch.Generator().manual_seed(0)
    mag, err = torch.rand(2, 10, generator=g), torch.rand(2, 10, generator=g) + 0.01
    hat_err = torch.rand(2, 10, generator=g) + 0.01
    mask = torch.ones(2, 10)
    mu, logvar = torch.zeros(2, 3), torch.zeros(2, 3)
    mean = pelsvae_loss(mag, err, mask, mag, hat_err, mu, logvar, beta=1.0, min_err=0.01)
    total = pelsvae_loss(mag, err, mask, mag, hat_err, mu, logvar, beta=1.0, min_err=0.01, reduction="sum")
    assert float(total.kl_errors) == pytest.approx(10 * float(mean.kl_errors), rel=1e-6)


class _Labels:
    """A dataset of class labels only: 90 of class 0, 10 of class 1."""

    class_index = torch.tensor([0] * 90 + [1] * 10)

    def __len__(self) -> int:
        return 100

    def __getitem__(self, index):
        return {"class_index": self.class_index[index]}


def test_class_balanced_loader_draws_rare_classes_more_often():
    from varsynth.training.fit import _loader

    ds = _Labels()
    natural = sum(np.bincount(b["class_index"].numpy(), minlength=2) for b in _loader(ds, 16, True, 0, 0.0))
    assert natural.tolist() == [90, 10]  # a permutation: every sample once
    draws = np.zeros(2)
    for seed in range(20):
        draws += sum(np.bincount(b["class_index"].numpy(), minlength=2) for b in _loader(ds, 16, True, seed, 1.0))
    assert draws[1] / draws.sum() == pytest.approx(0.5, abs=0.05)  # balanced: half and half
    half = np.zeros(2)
    for seed in range(20):
        half += sum(np.bincount(b["class_index"].numpy(), minlength=2) for b in _loader(ds, 16, True, seed, 0.5))
    assert half[1] / half.sum() == pytest.approx(1 / (1 + 3), abs=0.05)  # weights 90^-0.5 : 10^-0.5 -> 3 : 1 per class
