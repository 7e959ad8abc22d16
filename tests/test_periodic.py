"""The continuous periodic decoder: exact periodicity, cadence consistency, Fourier known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from test_models import batch

from varsynth.generation.decode import decode_epochs
from varsynth.models.config import ModelConfig
from varsynth.models.cvae import CVAE
from varsynth.models.loss import pelsvae_loss
from varsynth.models.periodic import PeriodicDecoder, fourier_series, phasor


def periodic_model(**kw) -> CVAE:
    torch.manual_seed(0)
    cfg = ModelConfig(
        arch="gru",
        decoder="periodic",
        hidden=16,
        latent_dim=4,
        harmonics=8,
        physics=("teff", "abs_mag", "period"),
        decoder_physics=True,
        condition_wavelength=True,
        **kw,
    )
    return CVAE(cfg).eval()


def test_fourier_series_known_answers():
    phase = torch.tensor([0.0, 0.25, 0.5, 1.25])
    # 1 + 2 cos(2 pi phi) + 3 cos(4 pi phi) + 4 sin(2 pi phi) + 5 sin(4 pi phi)
    out = fourier_series(torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0]), phasor(phase))
    torch.testing.assert_close(out, torch.tensor([6.0, 2.0, 2.0, 2.0]), atol=1e-5, rtol=0)


def test_series_evaluates_a_known_sinusoid():
    coef = torch.tensor([[0.5, 0.2, 0.0, 0.0, 0.1]])  # 0.5 + 0.2 cos(2 pi phi) + 0.1 sin(4 pi phi)
    phase = torch.linspace(0, 1, 50)[None]
    out = PeriodicDecoder.evaluate(coef, phasor(phase))
    truth = 0.5 + 0.2 * torch.cos(2 * math.pi * phase) + 0.1 * torch.sin(4 * math.pi * phase)
    torch.testing.assert_close(out, truth, atol=1e-6, rtol=0)


def test_output_is_exactly_periodic():
    model = periodic_model()
    b = batch()
    z = torch.randn(4, 4)
    cond = model.condition(b, decoder=True)
    phase = torch.rand(4, 200, dtype=torch.float64).float()
    with torch.no_grad():
        m0, e0 = model.decode(z, cond, phase)
        for shift in (1.0, 2.0, -3.0):
            m1, e1 = model.decode(z, cond, phase + shift)
            torch.testing.assert_close(m0, m1, atol=2e-5, rtol=0)
            torch.testing.assert_close(e0, e1, atol=2e-5, rtol=0)


def test_value_at_a_phase_does_not_depend_on_the_other_phases():
    model = periodic_model()
    b = batch(b=1)
    z, cond = torch.randn(1, 4), model.condition(b, decoder=True)
    others = torch.rand(1, 1000)
    with torch.no_grad():
        alone, _ = model.decode(z, cond, torch.tensor([[0.3217]]))
        among, _ = model.decode(z, cond, torch.cat([others[:, :500], torch.tensor([[0.3217]]), others[:, 500:]], dim=1))
        ten, _ = model.decode(z, cond, torch.linspace(0, 1, 10)[None])
        many, _ = model.decode(z, cond, torch.linspace(0, 1, 10_000)[None])
    assert float(alone[0, 0]) == float(among[0, 500])
    assert ten.shape == (1, 10) and many.shape == (1, 10_000)


def test_ragged_decoding_matches_the_padded_batch():
    model = periodic_model()
    b = batch()
    z, cond = torch.randn(4, 4), model.condition(b, decoder=True)
    rng = np.random.default_rng(1)
    counts = [3, 17, 1, 40]
    phase = rng.uniform(0, 1, sum(counts)).astype(np.float32)
    curve = np.repeat(np.arange(4), counts)
    mag, err, mean = decode_epochs(model, z, cond, phase, curve)
    for i, _n in enumerate(counts):
        with torch.no_grad():
            m, e = model.decode(z[i : i + 1], cond[i : i + 1], torch.from_numpy(phase[curve == i])[None])
        np.testing.assert_allclose(mag[curve == i], m[0].numpy(), atol=1e-6)
        np.testing.assert_allclose(err[curve == i], e[0].numpy(), atol=1e-6)
    grid = torch.linspace(0, 1, 2001)[:-1].expand(4, -1)
    with torch.no_grad():
        np.testing.assert_allclose(mean, model.decode(z, cond, grid)[0].mean(dim=1).numpy(), atol=1e-5)


def test_trains_with_the_paper_loss_and_encoder():
    model = periodic_model(phys_dropout=0.5).train()
    b = batch()
    mag_hat, err_hat, mu, logvar = model(b)
    loss = pelsvae_loss(b["mag"], b["mag_err"], b["mask"], mag_hat, err_hat, mu, logvar, beta=0.5, min_err=0.01)
    loss.total.backward()
    assert all(p.grad is not None for p in model.parameters())
    assert float(err_hat.detach().min()) > 0


@pytest.mark.parametrize("changes", [{"decoder": "fourier"}, {"harmonics": 0}, {"phys_dropout": 1.0}])
def test_bad_periodic_configs_are_refused(changes):
    from varsynth.config import ConfigError

    with pytest.raises(ConfigError, match=f"model.{next(iter(changes))}"):
        ModelConfig(**changes)


def test_rectangular_fast_path_matches_the_decoder():
    model = periodic_model()
    b = batch()
    z, cond = torch.randn(4, 4), model.condition(b, decoder=True)
    phase = np.random.default_rng(2).uniform(0, 1, (4, 25)).astype(np.float32)
    mag, err, _ = decode_epochs(model, z, cond, phase.ravel(), np.repeat(np.arange(4), 25))
    with torch.no_grad():
        m, e = model.decode(z, cond, torch.from_numpy(phase))
    np.testing.assert_allclose(mag, m.numpy().ravel(), atol=1e-6)
    np.testing.assert_allclose(err, e.numpy().ravel(), atol=1e-6)


@pytest.mark.parametrize("decoder", ["sequence", "periodic"])
def test_interleaved_epochs_are_decoded_per_light_curve(decoder):
    # Epochs of four light curves in any order: each gets the value of its own light curve decoded
    # alone; the sequence decoder sees each light curve's phases sorted, as it was trained.
    model = periodic_model() if decoder == "periodic" else sequence_model()
    b = batch()
    z, cond = torch.randn(4, 4), model.condition(b, decoder=True)
    rng = np.random.default_rng(2)
    counts = [5, 12, 1, 9]
    curve = rng.permutation(np.repeat(np.arange(4), counts))
    phase = rng.uniform(0, 1, curve.size).astype(np.float32)
    mag, err, _ = decode_epochs(model, z, cond, phase, curve)
    for i in range(4):
        own = np.flatnonzero(curve == i)
        order = own[np.argsort(phase[own])]
        with torch.no_grad():
            m, e = model.decode(z[i : i + 1], cond[i : i + 1], torch.from_numpy(phase[order])[None])
        np.testing.assert_allclose(mag[order], m[0].numpy(), atol=1e-5)
        np.testing.assert_allclose(err[order], e[0].numpy(), atol=1e-5)


def sequence_model() -> CVAE:
    torch.manual_seed(0)
    cfg = ModelConfig(
        arch="gru",
        hidden=16,
        latent_dim=4,
        physics=("teff", "abs_mag", "period"),
        decoder_physics=True,
        condition_wavelength=True,
    )
    return CVAE(cfg).eval()


@pytest.mark.parametrize("dropout", [0.0, 0.2])
def test_coefficients_in_eval_mode_are_the_modules_own(dropout):
    """Drawing (eval mode) computes the coefficients without the modules' call overhead: bit for bit the
    layers' own outputs; in training mode the dropout layers still act."""
    torch.manual_seed(0)
    dec = PeriodicDecoder(12, 32, 6, 2, dropout)
    with torch.no_grad():
        dec.mag_head.weight.normal_()
    zc = torch.randn(50, 12)
    dec.eval()
    with torch.no_grad():
        mag, err = dec.coefficients(zc)
        h = dec.body(zc)
        assert torch.equal(mag, dec.mag_head(h)) and torch.equal(err, dec.err_head(h))
    if dropout:
        dec.train()
        torch.manual_seed(1)
        a = dec.coefficients(zc)[0]
        torch.manual_seed(2)
        assert not torch.equal(a, dec.coefficients(zc)[0])  # dropout draws differ


@pytest.mark.parametrize("grad", [False, True])
def test_phasor_is_exp_2_pi_i_phase_with_or_without_gradients(grad):
    # drawing: numpy's cosine and sine without gradients, torch's polar form with them (and in
    # training): the same values, phases reduced modulo 1 (negative, beyond 1, large)
    phase = torch.tensor([-2.75, -0.5, -1e-9, 0.0, 0.125, 0.5, 0.999999, 1.0, 3.25, 1234.375], requires_grad=grad)
    ref = np.exp(2j * np.pi * np.mod(phase.detach().numpy().astype(np.float64), 1.0))
    w = phasor(phase, drawing=True)
    assert w.dtype == torch.complex64 and w.shape == phase.shape
    np.testing.assert_allclose(phasor(phase).detach().numpy(), ref, atol=2e-6)  # torch's polar form
    np.testing.assert_allclose(w.detach().numpy(), ref, atol=2e-6)
    if grad:  # the training path keeps the graph: d Re(w) / d phi = -2 pi sin(2 pi phi)
        w.real.sum().backward()
        np.testing.assert_allclose(phase.grad.numpy(), -2 * np.pi * ref.imag, atol=1e-4)
