"""The conditional normalizing flow p(z, log10 amplitude | class, physics, passband).

A masked autoregressive flow (zuko's ``NSF``, or ``MAF`` with affine transforms) over the
encoder's latent code and the light curve's log10 peak-to-peak amplitude (mag), conditioned on
the one-hot class, the standardised physical parameters with their presence mask and the
passband's effective wavelength (micrometres). Training and saving live in
:mod:`varsynth.latent.flow`.

Two directions (``FlowConfig.inverse_autoregressive``): a masked autoregressive flow (MAF,
the default) computes the density in one network pass per transform and draws in one pass per
feature and transform; an inverse autoregressive flow (IAF: every transform replaced by its
inverse) is the other way round, so a draw costs one network pass per transform
(:mod:`varsynth.models.flow_forward`) and training pays the sequential passes instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import zuko
from torch import nn
from zuko.flows.core import LazyComposedTransform, LazyInverse

from varsynth.models.flow_forward import ForwardPlan, apply_forward, forward_plan
from varsynth.models.flow_inverse import FlowPlan, apply_inverse, inverse_plan
from varsynth.models.threads import one_thread
from varsynth.strictconfig import ConfigError, _check, _from_dict, to_plain
from varsynth.taxonomy import CLASSES

__all__ = ["FlowConfig", "LatentFlow", "UNIVARIATES"]

UNIVARIATES = ("spline", "affine")


@dataclass(frozen=True)
class FlowConfig:
    """Architecture and training of the flow prior.

    Attributes:
        transforms: autoregressive spline transforms stacked.
        hidden: units of each of the two hidden layers of every transform's network.
        bins: spline bins.
        epochs: maximum training epochs.
        batch_size: samples per step.
        lr: Adam learning rate.
        patience: epochs without a better validation log-likelihood before stopping.
        seed: seed of weights, shuffling and latent draws.
        univariate: the elementwise transform of every feature: ``spline`` (monotonic
            rational-quadratic, ``bins`` bins on [-5, 5]) or ``affine`` (exp(a) x + b).
        inverse_autoregressive: ``True``: each transform is the inverse of a masked
            autoregressive one (IAF): a draw is one network pass per transform, the density
            one per feature and transform (training is slower, generation faster).
        neighbour_bandwidth: how generation draws the flow's base point. ``None``: a standard
            normal draw (the flow's own prior). A number h in (0, 1]: the base point of one of
            the training light curves whose physics is nearest to the requested star's (the
            same neighbours the missing physics is drawn from), shrunk and jittered as
            ``sqrt(1 - h^2) u + h e`` with ``e`` standard normal, so that the base points stay
            unit-variance (a Gaussian kernel density estimate of the neighbours' base points;
            h = 1 is the flow's own prior again). It carries the dependence of shape and
            amplitude on physics that the flow did not learn.
        neighbour_passband_dex: with ``neighbour_bandwidth``, also prefer neighbours observed
            near the requested passband: a training light curve whose effective wavelength is
            ``d`` dex from the requested one is as far as ``d / neighbour_passband_dex`` standard
            deviations of a given physical parameter (0.1: a passband 26% redder or bluer counts
            as much as one standard deviation of log10 period). ``None``: the passband is ignored.
            The flow carries each neighbour's base point to the requested passband; the fewer
            dex it has to carry it, the less its amplitude and shape rest on how the flow learned
            their change with wavelength (e.g. I-band Miras, of which no I-band light curve was
            in training, take EROS-1 R-band Miras rather than ASAS V-band ones as neighbours).
        neighbour_passband_outside: with ``neighbour_passband_dex``, weigh the passband only for
            a requested band outside the wavelengths of the class's training light curves (where
            the flow extrapolates: e.g. long-period variables in I, whose nearest neighbours are
            then OGLE-III catalog I-band rows, ``catalog_amplitudes``); inside that range the
            neighbours are chosen by physics alone.
        catalog_amplitudes: classes whose training stars seen only in other surveys' bands join
            the physics catalog once more as I-band rows with the OGLE-III catalog's amplitude, for
            the neighbours of generation in I (the flow is fitted without them; the dataset must
            record them: ``data.catalog_amplitudes``; :mod:`varsynth.latent.catalog_bands`);
            empty: none.
    """

    transforms: int = 4
    hidden: int = 128
    bins: int = 8
    epochs: int = 60
    batch_size: int = 512
    lr: float = 1e-3
    patience: int = 8
    seed: int = 0
    univariate: str = "spline"
    inverse_autoregressive: bool = False
    neighbour_bandwidth: float | None = None
    neighbour_passband_dex: float | None = None
    neighbour_passband_outside: bool = False
    catalog_amplitudes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check(self.transforms >= 1, "flow.transforms", ">= 1", self.transforms)
        _check(self.hidden >= 1, "flow.hidden", ">= 1", self.hidden)
        _check(self.bins >= 2, "flow.bins", ">= 2", self.bins)
        _check(self.epochs >= 1, "flow.epochs", ">= 1", self.epochs)
        _check(self.batch_size >= 1, "flow.batch_size", ">= 1", self.batch_size)
        _check(0 < self.lr < 1, "flow.lr", "in (0, 1)", self.lr)
        _check(self.patience >= 1, "flow.patience", ">= 1", self.patience)
        _check(self.univariate in UNIVARIATES, "flow.univariate", f"one of {list(UNIVARIATES)}", self.univariate)
        _check(
            isinstance(self.inverse_autoregressive, bool),
            "flow.inverse_autoregressive",
            "true or false",
            self.inverse_autoregressive,
        )
        _check(
            self.neighbour_bandwidth is None or 0 < self.neighbour_bandwidth <= 1,
            "flow.neighbour_bandwidth",
            "in (0, 1] or null",
            self.neighbour_bandwidth,
        )
        outside = self.neighbour_passband_outside
        _check(isinstance(outside, bool), "flow.neighbour_passband_outside", "true or false", outside)
        unknown = sorted(set(self.catalog_amplitudes) - set(CLASSES))
        _check(not unknown, "flow.catalog_amplitudes", f"classes of {list(CLASSES)}", unknown)
        _check(
            self.neighbour_passband_dex is None or self.neighbour_passband_dex > 0,
            "flow.neighbour_passband_dex",
            "> 0 or null",
            self.neighbour_passband_dex,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FlowConfig:
        """Build from a plain dict; unknown keys are refused."""
        try:
            return _from_dict(cls, data, "flow config")
        except TypeError as err:
            raise ConfigError(f"flow config: {err}") from err

    def to_dict(self) -> dict[str, Any]:
        return to_plain(self)


class LatentFlow(nn.Module):
    """p(x | c) with x = [z, log10 amplitude] standardised, c = [class, physics, mask, wave].

    Arguments:
        latent_dim: the model's latent dimension Z.
        n_classes: size of the one-hot class.
        n_physics: physical parameters in the context (each with a presence bit).
        config: the flow architecture.
    """

    x_mean: torch.Tensor  # buffer (Z + 1,): mean of x before standardising
    x_std: torch.Tensor  # buffer (Z + 1,): spread of x before standardising

    def __init__(self, latent_dim: int, n_classes: int, n_physics: int, config: FlowConfig):
        super().__init__()
        self.latent_dim, self.n_classes, self.n_physics, self.config = latent_dim, n_classes, n_physics, config
        shape = {
            "features": latent_dim + 1,
            "context": n_classes + 2 * n_physics + 1,
            "transforms": config.transforms,
            "hidden_features": (config.hidden, config.hidden),
        }
        if config.univariate == "spline":
            self.flow = zuko.flows.NSF(bins=config.bins, **shape)
        else:
            self.flow = zuko.flows.MAF(**shape)  # zuko's default univariate: monotonic affine
        if config.inverse_autoregressive:
            self.flow.transform = LazyComposedTransform(*(LazyInverse(t) for t in self.flow.transform.transforms))
        self.register_buffer("x_mean", torch.zeros(latent_dim + 1))
        self.register_buffer("x_std", torch.ones(latent_dim + 1))
        self._plan_key: tuple[int, ...] | None = None
        self._plan: FlowPlan | ForwardPlan | None = None
        self._params: tuple[nn.Parameter, ...] | None = None  # the flow's parameters, listed once

    def _apply(self, fn: Any, recurse: bool = True) -> LatentFlow:
        self._params = None  # .to(), .double(), ...: parameters listed again
        return super()._apply(fn, recurse)

    def load_state_dict(self, state_dict: Any, strict: bool = True, assign: bool = False) -> Any:
        self._params = None  # ``assign=True`` replaces the parameters
        return super().load_state_dict(state_dict, strict=strict, assign=assign)

    def _draw_plan(self) -> FlowPlan | ForwardPlan | None:
        """The weights of the fast draw (:mod:`varsynth.models.flow_inverse` for a masked autoregressive
        flow, :mod:`varsynth.models.flow_forward` for an inverse one), rebuilt when a parameter changed."""
        if self._params is None:  # listing them walks every submodule (~25 us a draw)
            self._params = tuple(self.flow.parameters())
        key = tuple(
            x
            for p in self._params  # inference tensors keep no version: their address
            for x in (p.data_ptr(), 0 if p.is_inference() else p._version)
        )
        if key != self._plan_key:
            with one_thread():  # ~100 small operations
                plan = forward_plan(self.flow) if self.config.inverse_autoregressive else inverse_plan(self.flow)
                self._plan, self._plan_key = plan, key
        return self._plan

    def context(
        self, class_index: torch.Tensor, phys: torch.Tensor, phys_mask: torch.Tensor, wave: torch.Tensor
    ) -> torch.Tensor:
        """Context (N, C) from class indices (N,), standardised physics and mask (N, P), wave (N,) um."""
        onehot = nn.functional.one_hot(class_index.long(), self.n_classes).float()
        return torch.cat([onehot, phys.float() * phys_mask.float(), phys_mask.float(), wave.float()[:, None]], dim=-1)

    def log_prob(self, z: torch.Tensor, log_amp: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """log p(z, log10 amplitude | context) (N,), in nats, for the unstandardised variables."""
        x = (torch.cat([z, log_amp[:, None]], dim=-1) - self.x_mean) / self.x_std
        return self.flow(context).log_prob(x) - torch.log(self.x_std).sum()

    def base_code(self, z: torch.Tensor, log_amp: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """The standard-normal base draws (N, Z + 1) that :meth:`sample` maps to ``z`` and ``log_amp``.

        The inverse of :meth:`sample`: ``sample(context, base_code(z, a, context))`` returns
        ``(z, a)`` up to float rounding.
        """
        x = (torch.cat([z, log_amp[:, None]], dim=-1) - self.x_mean) / self.x_std
        return self.flow(context).transform(x)

    def sample(self, context: torch.Tensor, noise: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Latent codes (N, Z) and log10 amplitudes (N,) for each context row.

        ``noise`` (N, Z + 1) is the flow's standard-normal base draw; passing the same noise with
        contexts that differ only in wavelength gives one star's consistent codes in every band.

        Without gradients (e.g. under ``torch.inference_mode``), the draw is computed by
        :func:`~varsynth.models.flow_inverse.apply_inverse` (masked autoregressive: zuko's inverse
        with each network unit evaluated once) or :func:`~varsynth.models.flow_forward.apply_forward`
        (inverse autoregressive: one pass per transform): the same values as zuko's to float
        rounding, several times faster.
        """
        if noise is None:
            noise = torch.randn(context.shape[0], self.latent_dim + 1, dtype=context.dtype)
        needs_grad = torch.is_grad_enabled() and (
            noise.requires_grad or context.requires_grad or any(p.requires_grad for p in self.flow.parameters())
        )
        plan = None if needs_grad else self._draw_plan()
        if isinstance(plan, ForwardPlan) and noise.dtype == context.dtype == plan.dtype:
            base = apply_forward(plan, noise, context)
        elif isinstance(plan, FlowPlan) and noise.dtype == context.dtype == plan.dtype:
            base = apply_inverse(plan, noise, context)
        else:
            base = self.flow(context).transform.inv(noise)
        x = base * self.x_std + self.x_mean
        return x[:, :-1], x[:, -1]
