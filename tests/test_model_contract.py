"""One contract for every encoder x decoder of the model family, the periodic decoder included.

Each combination must give outputs of the right shape and range, pass gradients to every
parameter, be deterministic in evaluation, and survive a save/load round trip of its bundle with
identical outputs (the weights and the configuration restored, nothing left at its initial value).
"""

from __future__ import annotations

import pytest
import torch

from varsynth.bundle import load_bundle, save_bundle
from varsynth.models.config import ARCHITECTURES, DECODERS, ModelConfig
from varsynth.models.cvae import CVAE
from varsynth.models.loss import pelsvae_loss

COMBINATIONS = [(a, d) for a in ARCHITECTURES for d in DECODERS if a != "fourier" or d == "periodic"]


def _batch(b: int = 4, t: int = 32) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    mask = torch.ones(b, t, dtype=torch.bool)
    mask[1, t // 3 :] = False
    return {
        "phase": torch.sort(torch.rand(b, t, generator=g))[0],
        "mag": torch.rand(b, t, generator=g),
        "mag_err": 0.01 + 0.05 * torch.rand(b, t, generator=g),
        "mask": mask,
        "class_index": torch.tensor([0, 2, 5, 7]),
        "phys": torch.randn(b, 3, generator=g),
        "phys_mask": torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 1.0, 0.0]]),
        "wave": torch.tensor([0.8, 0.55, 0.8, 0.44]),
    }


def _model(arch: str, decoder: str, prior: str = "standard") -> CVAE:
    torch.manual_seed(0)
    cfg = ModelConfig(
        arch=arch,
        decoder=decoder,
        hidden=8,
        tcn_blocks=2,
        kernel_size=3,
        latent_dim=3,
        harmonics=4,
        err_harmonics=2,
        physics=("teff", "abs_mag", "period"),
        phys_mean=(3.8, 0.0, 0.0),
        phys_std=(0.1, 1.0, 0.5),
        decoder_physics=True,
        condition_wavelength=True,
        prior=prior,
    )
    return CVAE(cfg)


def test_every_architecture_and_decoder_is_covered() -> None:
    assert ("gru", "periodic") in COMBINATIONS and ("fourier", "periodic") in COMBINATIONS
    assert len(COMBINATIONS) == len(ARCHITECTURES) * len(DECODERS) - 1  # fourier needs the periodic decoder


@pytest.mark.parametrize(("arch", "decoder"), COMBINATIONS)
def test_outputs_gradients_and_determinism(arch: str, decoder: str) -> None:
    model = _model(arch, decoder)
    b = _batch()
    mag_hat, err_hat, mu, logvar = model(b)
    assert mag_hat.shape == err_hat.shape == (4, 32) and mu.shape == logvar.shape == (4, 3)
    assert torch.isfinite(mag_hat).all() and torch.isfinite(err_hat).all()
    assert float(err_hat.detach().min()) > 0
    loss = pelsvae_loss(b["mag"], b["mag_err"], b["mask"], mag_hat, err_hat, mu, logvar, beta=0.5, min_err=0.01)
    loss.total.backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing, f"no gradient reaches {missing}"
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(model(b)[0], model(b)[0])


@pytest.mark.parametrize(("arch", "decoder"), COMBINATIONS)
def test_bundle_round_trip_restores_the_same_function(arch: str, decoder: str, tmp_path) -> None:
    model = _model(arch, decoder, prior="conditional" if arch == "fourier" else "standard")
    with torch.no_grad():  # move every weight away from its initial value, so a missed tensor shows
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    model.eval()
    save_bundle(tmp_path / "b", model, note=arch)
    loaded, meta = load_bundle(tmp_path / "b")
    assert meta == {"note": arch} and loaded.config == model.config and not loaded.training
    b = _batch()
    with torch.no_grad():
        for got, want in zip(loaded(b), model(b), strict=True):
            torch.testing.assert_close(got, want)
        z = torch.randn(4, 3)
        cond = model.condition(b, decoder=True)
        torch.testing.assert_close(
            loaded.decode(z, loaded.condition(b, decoder=True), b["phase"])[0], model.decode(z, cond, b["phase"])[0]
        )
        if model.config.prior == "conditional":
            for got, want in zip(loaded.prior(b), model.prior(b), strict=True):
                torch.testing.assert_close(got, want)
