"""The conditional flow prior: inversion round trips, fitting a known conditional, save/load."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from varsynth.config import ConfigError
from varsynth.latent.flow import FlowData, fit_flow, load_flow, save_flow
from varsynth.models.config import ModelConfig
from varsynth.models.cvae import CVAE
from varsynth.models.flow import FlowConfig, LatentFlow

Z = 2


def known_data(n: int, seed: int) -> FlowData:
    """z = class offset + 0.8 * phys + small noise; log amplitude = -0.5 + 0.3 * class."""
    g = torch.Generator().manual_seed(seed)
    cls = torch.randint(0, 2, (n,), generator=g)
    phys = torch.randn(n, 3, generator=g)
    mu = torch.stack([3.0 * cls + 0.8 * phys[:, 0], -2.0 * cls], dim=1) + 0.1 * torch.randn(n, Z, generator=g)
    return FlowData(
        mu=mu,
        sigma=torch.full((n, Z), 1e-3),
        log_amp=-0.5 + 0.3 * cls + 0.05 * torch.randn(n, generator=g),
        class_index=cls,
        phys=phys,
        phys_mask=torch.ones(n, 3),
        wave=torch.full((n,), 0.8),
    )


def model() -> CVAE:
    return CVAE(ModelConfig(arch="gru", hidden=4, latent_dim=Z, physics=("teff", "abs_mag", "period")))


def test_sampling_inverts_the_flow_exactly():
    torch.manual_seed(0)
    flow = LatentFlow(Z, 8, 3, FlowConfig(transforms=2, hidden=16)).eval()
    ctx = flow.context(torch.tensor([0, 3, 7]), torch.randn(3, 3), torch.ones(3, 3), torch.full((3,), 0.6))
    noise = torch.randn(3, Z + 1)
    with torch.no_grad():
        z, log_amp = flow.sample(ctx, noise)
        x = (torch.cat([z, log_amp[:, None]], dim=1) - flow.x_mean) / flow.x_std
        back = flow.flow(ctx).transform(x)
    torch.testing.assert_close(back, noise, atol=1e-4, rtol=0)


def test_fitted_flow_learns_a_known_conditional_and_round_trips(tmp_path):
    train, val = known_data(1500, 0), known_data(400, 1)
    flow, metrics = fit_flow(
        model(),
        train,
        val,
        FlowConfig(transforms=2, hidden=32, epochs=15, batch_size=128, lr=3e-3, patience=15),
        progress=False,
    )
    assert metrics["epochs"] == 15 and np.isfinite(metrics["val_log_likelihood"])  # all run: patience not reached
    phys = torch.tensor([[1.0, 0.0, 0.0]]).repeat(2000, 1)
    for cls, expected in ((0, [0.8, 0.0, -0.5]), (1, [3.8, -2.0, -0.2])):
        ctx = flow.context(torch.full((2000,), cls), phys, torch.ones(2000, 3), torch.full((2000,), 0.8))
        with torch.no_grad():
            z, log_amp = flow.sample(ctx)
        means = [float(z[:, 0].mean()), float(z[:, 1].mean()), float(log_amp.mean())]
        np.testing.assert_allclose(means, expected, atol=0.25)
    # the true class is more likely than the other one
    with torch.no_grad():
        ctx_true = flow.context(val.class_index, val.phys, val.phys_mask, val.wave)
        ctx_swap = flow.context(1 - val.class_index, val.phys, val.phys_mask, val.wave)
        assert (
            flow.log_prob(val.mu, val.log_amp, ctx_true) > flow.log_prob(val.mu, val.log_amp, ctx_swap)
        ).float().mean() > 0.95
    save_flow(tmp_path, flow, metrics)
    again, saved = load_flow(tmp_path)
    assert saved == metrics
    with torch.no_grad():
        torch.testing.assert_close(
            again.log_prob(val.mu, val.log_amp, ctx_true), flow.log_prob(val.mu, val.log_amp, ctx_true)
        )


def test_missing_flow_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no flow prior"):
        load_flow(tmp_path)


@pytest.mark.parametrize("changes", [{"transforms": 0}, {"bins": 1}, {"lr": 2.0}])
def test_bad_flow_configs_are_refused(changes):
    with pytest.raises(ConfigError, match=f"flow.{next(iter(changes))}"):
        FlowConfig(**changes)


def test_base_code_inverts_sampling():
    torch.manual_seed(1)
    flow = LatentFlow(Z, 8, 3, FlowConfig(transforms=2, hidden=16)).eval()
    ctx = flow.context(torch.tensor([1, 2, 5, 5]), torch.randn(4, 3), torch.ones(4, 3), torch.full((4,), 0.8))
    noise = torch.randn(4, Z + 1)
    with torch.no_grad():
        z, log_amp = flow.sample(ctx, noise)
        torch.testing.assert_close(flow.base_code(z, log_amp, ctx), noise, atol=1e-4, rtol=0)


def test_base_codes_of_a_learned_conditional_are_standard_normal():
    from varsynth.latent.flow import base_codes

    train, val = known_data(1500, 0), known_data(600, 1)
    flow, _ = fit_flow(
        model(), train, val, FlowConfig(transforms=2, hidden=32, epochs=15, batch_size=128, lr=3e-3), progress=False
    )
    codes = base_codes(flow, val)
    assert codes.shape == (600, Z + 1) and np.isfinite(codes).all()
    np.testing.assert_allclose(codes.mean(axis=0), 0.0, atol=0.2)
    np.testing.assert_allclose(codes.std(axis=0), 1.0, atol=0.25)
    np.testing.assert_array_equal(codes, base_codes(flow, val))  # the posterior draw is seeded


@pytest.mark.parametrize("value", [0.0, -0.1, 1.5])
def test_neighbour_bandwidth_outside_its_range_is_refused(value):
    with pytest.raises(ConfigError, match="flow.neighbour_bandwidth"):
        FlowConfig(neighbour_bandwidth=value)


@pytest.mark.parametrize("value", [0.0, -0.1])
def test_neighbour_passband_dex_outside_its_range_is_refused(value):
    with pytest.raises(ConfigError, match="flow.neighbour_passband_dex"):
        FlowConfig(neighbour_passband_dex=value)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("catalog_amplitudes", ("LPV", "MIRA"), r"flow\.catalog_amplitudes.*classes of .*'MIRA'"),
        ("neighbour_passband_outside", "yes", r"flow\.neighbour_passband_outside.*true or false"),
    ],
)
def test_catalog_amplitude_settings_are_refused_by_name(key, value, message):
    with pytest.raises(ConfigError, match=message):
        FlowConfig(**{key: value})
    assert FlowConfig.from_dict({"catalog_amplitudes": ["LPV"]}).catalog_amplitudes == ("LPV",)
