"""The inverse autoregressive flow's one-pass draw against zuko's own computation (the reference)."""

from __future__ import annotations

import pytest
import torch

from varsynth.models.flow import FlowConfig, LatentFlow
from varsynth.models.flow_forward import apply_forward, forward_plan
from varsynth.models.flow_inverse import inverse_plan
from varsynth.strictconfig import ConfigError


def _flow(z: int, transforms: int, hidden: int, univariate: str, bins: int = 8, scale: float = 0.3) -> LatentFlow:
    """An IAF with weights far from initialisation, so that every spline bin and both tails are visited."""
    torch.manual_seed(z)
    cfg = FlowConfig(
        transforms=transforms, hidden=hidden, bins=bins, univariate=univariate, inverse_autoregressive=True
    )
    flow = LatentFlow(z, 8, 3, cfg).eval()
    g = torch.Generator().manual_seed(transforms)
    with torch.no_grad():
        for p in flow.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * scale / max(1, p.shape[-1]) ** 0.5 * 3)
    return flow


def _inputs(flow: LatentFlow, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    ctx = flow.context(
        torch.randint(0, 8, (n,)), torch.randn(n, 3), (torch.rand(n, 3) > 0.3).float(), 0.4 + torch.rand(n)
    )
    return ctx, 2.5 * torch.randn(n, flow.latent_dim + 1)  # some beyond the splines' bound of 5: identity tails


CASES = [(2, 1, 16, "spline", 4), (8, 4, 32, "spline", 8), (5, 3, 7, "spline", 6), (8, 4, 32, "affine", 8)]


@pytest.mark.parametrize("n", [100, 1000])
@pytest.mark.parametrize("z, transforms, hidden, univariate, bins", CASES)
def test_draw_is_zukos_in_double_precision(z, transforms, hidden, univariate, bins, n):
    """The same maths: in float64 the one-pass draw equals zuko's (1e-10) and zuko's density
    direction (its sequential inverse of every masked transform) maps the draws back to the noise."""
    flow = _flow(z, transforms, hidden, univariate, bins).double()
    ctx, noise = _inputs(flow, n)
    ctx, noise = ctx.double(), noise.double()
    with torch.no_grad():
        reference = flow.flow(ctx).transform.inv(noise)
        fast = apply_forward(forward_plan(flow.flow), noise, ctx)
        back = flow.flow(ctx).transform(fast)
    if univariate == "spline":
        assert ((reference.abs() > 5) | (noise.abs() > 5)).any()  # the identity tails are exercised
    assert not torch.allclose(reference, noise, atol=0.1)  # the weights are not the identity
    torch.testing.assert_close(fast, reference, atol=1e-10, rtol=1e-10)
    torch.testing.assert_close(back, noise, atol=1e-7, rtol=1e-7)


@pytest.mark.parametrize("univariate", ["spline", "affine"])
def test_sample_uses_the_one_pass_draw_without_gradients(univariate):
    """``LatentFlow.sample`` under inference mode gives zuko's draw to float rounding; with gradients it stays
    differentiable (zuko's computation), and ``base_code`` inverts it."""
    flow = _flow(4, 2, 16, univariate)
    ctx, noise = _inputs(flow, 300)
    noise = noise / 2.5
    with_grad = flow.sample(ctx, noise)
    assert with_grad[0].requires_grad
    with torch.inference_mode():
        z, log_amp = flow.sample(ctx, noise)
        base = flow.base_code(z, log_amp, ctx)
    torch.testing.assert_close(z, with_grad[0].detach(), atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(log_amp, with_grad[1].detach(), atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(base, noise, atol=1e-3, rtol=1e-3)


def test_plans_refuse_the_other_direction():
    """A masked autoregressive flow has no one-pass draw plan and an inverse one no inverse plan: each
    falls back to zuko rather than computing the wrong direction."""
    maf = LatentFlow(3, 8, 3, FlowConfig(transforms=2, hidden=8)).eval()
    iaf = LatentFlow(3, 8, 3, FlowConfig(transforms=2, hidden=8, inverse_autoregressive=True)).eval()
    assert forward_plan(maf.flow) is None and inverse_plan(maf.flow) is not None
    assert inverse_plan(iaf.flow) is None and forward_plan(iaf.flow) is not None


def test_iaf_trains_by_maximum_likelihood():
    """The density of an IAF is differentiable (zuko's sequential inverse): a few steps on a shifted
    Gaussian raise its log-likelihood."""
    flow = _flow(3, 2, 16, "affine", scale=0.05).train()
    target = torch.randn(512, 4) * 0.5 + 1.0
    ctx = flow.context(torch.zeros(512, dtype=torch.long), torch.zeros(512, 3), torch.ones(512, 3), torch.ones(512))
    opt = torch.optim.Adam(flow.parameters(), lr=1e-2)
    first = float(flow.log_prob(target[:, :3], target[:, 3], ctx).mean().detach())
    for _ in range(60):
        loss = -flow.log_prob(target[:, :3], target[:, 3], ctx).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert float(-loss.detach()) > first + 1.0


@pytest.mark.parametrize("field, value", [("univariate", "quadratic"), ("inverse_autoregressive", "yes")])
def test_config_refuses_unknown_choices(field, value):
    with pytest.raises(ConfigError, match=f"flow.{field}"):
        FlowConfig(**{field: value})


@pytest.mark.parametrize("n", (1, 100, 1000))
def test_default_model_draws_match_zuko(n):
    """The embedded model (an inverse autoregressive flow) on random contexts (every class, physics present
    or not, any band): its one-pass draw within 1e-5 (relative, 1e-5 absolute near 0) of zuko's."""
    from varsynth.generation import load_model

    gm = load_model("default")
    assert gm.flow.config.inverse_autoregressive and forward_plan(gm.flow.flow) is not None
    torch.manual_seed(n)
    ctx = gm.flow.context(
        torch.randint(0, gm.flow.n_classes, (n,)),
        torch.randn(n, gm.flow.n_physics),
        (torch.rand(n, gm.flow.n_physics) > 0.3).float(),
        0.35 + 2.0 * torch.rand(n),
    )
    noise = torch.randn(n, gm.flow.latent_dim + 1)
    with torch.inference_mode():
        fast = apply_forward(forward_plan(gm.flow.flow), noise, ctx)
        reference = gm.flow.flow(ctx).transform.inv(noise)
    torch.testing.assert_close(fast, reference, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("inverse_autoregressive", [True, False])
def test_draw_plan_follows_new_weights(inverse_autoregressive):
    """The fast draw's weights are rebuilt when the flow's parameters change: in place (an optimiser
    step), by ``load_state_dict`` with ``assign=True`` (new parameter objects) and by ``.double()``."""
    cfg = FlowConfig(transforms=2, hidden=8, inverse_autoregressive=inverse_autoregressive, univariate="affine")
    torch.manual_seed(0)
    flow, other = LatentFlow(3, 8, 3, cfg).eval(), LatentFlow(3, 8, 3, cfg).eval()
    with torch.no_grad():
        for p in other.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    ctx, noise = _inputs(flow, 50)

    def fast(f: LatentFlow, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        with torch.inference_mode():
            return f.sample(ctx.to(dtype), noise.to(dtype))[0]

    def zuko(f: LatentFlow) -> torch.Tensor:
        with torch.no_grad():
            x = f.flow(ctx).transform.inv(noise) * f.x_std + f.x_mean
        return x[:, :-1]

    torch.testing.assert_close(fast(flow), zuko(flow), atol=1e-5, rtol=1e-5)
    with torch.no_grad():
        next(flow.parameters()).mul_(1.5)  # in place
    torch.testing.assert_close(fast(flow), zuko(flow), atol=1e-5, rtol=1e-5)
    flow.load_state_dict(other.state_dict(), assign=True)  # new parameter objects
    torch.testing.assert_close(fast(flow), zuko(other), atol=1e-5, rtol=1e-5)
    flow.double()
    assert fast(flow, torch.float64).dtype == torch.float64
