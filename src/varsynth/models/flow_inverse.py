"""The exact inverse of a zuko neural spline flow in one pass per feature, not one per feature and transform.

zuko inverts a masked autoregressive transform of D features by running its whole hyper
network D times (each run fixes one more feature), so a draw of the flow prior costs D full
network passes per transform, of which all but a sliver is recomputed. The network is masked:
each hidden unit depends only on the features of order below its *level* (and the context). Sorting
the units by level, the inverse below computes every unit exactly once, at the step where its
inputs are known, and each feature's spline parameters from the units it depends on: the same
arithmetic on the same weights (only the summation order of the dot products differs, so the
results agree to float rounding, ~1e-6), at the cost of one network pass per transform.

:func:`inverse_plan` builds the sorted, sliced weights once (a few ms); :func:`apply_inverse`
maps base draws to the flow's variables with them. Flows of any other layout (other univariate
transforms, activations, residual blocks, several features per pass) are not handled
(:func:`inverse_plan` returns ``None``) and keep zuko's own inverse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial

import torch
from torch import nn
from zuko.flows.autoregressive import MaskedAutoregressiveTransform
from zuko.flows.core import LazyComposedTransform
from zuko.nn import MaskedLinear, MaskedMLP
from zuko.transforms import MonotonicRQSTransform

__all__ = ["TransformPlan", "inverse_plan", "apply_inverse"]


@dataclass(frozen=True)
class _Step:
    """What one feature's step needs: the new units of both hidden layers and the feature's output rows."""

    feature: int
    w0x: torch.Tensor  # (U0, D) weights of the features into the new first-layer units
    c0: slice  # their columns in the context term
    w1: torch.Tensor  # (U1, H0_known) weights into the new second-layer units
    b1: torch.Tensor
    w2: torch.Tensor  # (P, H1_known) weights into the feature's spline parameters
    b2: torch.Tensor


@dataclass(frozen=True)
class TransformPlan:
    """One masked autoregressive spline transform, its hidden units sorted by level."""

    w0c: torch.Tensor  # (H0, C) context weights of the first layer (sorted)
    b0: torch.Tensor
    steps: tuple[_Step, ...]
    hidden: tuple[int, int]
    bins: int
    bound: float
    slope: float


def _spline_options(mat: MaskedAutoregressiveTransform) -> tuple[float, float] | None:
    """(bound, slope) of a monotonic rational-quadratic spline univariate, else ``None``."""
    uni = mat.univariate
    if isinstance(uni, partial) and uni.func is MonotonicRQSTransform and not uni.args:
        if set(uni.keywords) <= {"bound", "slope"}:
            return float(uni.keywords.get("bound", 5.0)), float(uni.keywords.get("slope", 1e-3))
    if uni is MonotonicRQSTransform:
        return 5.0, 1e-3
    return None


def _levels(mask: torch.Tensor, input_level: torch.Tensor) -> torch.Tensor:
    """Level of each unit: the highest level among the inputs it is connected to (0 if none)."""
    lv = torch.where(mask, input_level[None, :], torch.zeros_like(input_level)[None, :])
    return lv.max(dim=1).values


@torch.no_grad()
def _plan_one(mat: MaskedAutoregressiveTransform, features: int) -> TransformPlan | None:
    opts = _spline_options(mat)
    layers = list(mat.hyper) if isinstance(mat.hyper, MaskedMLP) else []
    kinds = [type(layer) for layer in layers]
    if (
        opts is None
        or mat.order is None
        or mat.passes != features
        or kinds != [MaskedLinear, nn.ReLU, MaskedLinear, nn.ReLU, MaskedLinear]
        or [tuple(s) for s in mat.shapes] != [(mat.shapes[0][0],), (mat.shapes[0][0],), (mat.shapes[0][0] - 1,)]
    ):
        return None
    l0, l1, l2 = layers[0], layers[2], layers[4]
    order = mat.order.long()  # feature i is fixed at step order[i]
    n_in = l0.in_features
    # level of an input: a feature of order k is known from step k + 1 on; the context from the start
    input_level = torch.zeros(n_in, dtype=torch.long)
    input_level[:features] = order + 1
    lv0 = _levels(l0.mask.bool(), input_level)
    lv1 = _levels(l1.mask.bool(), lv0)
    s0, s1 = torch.argsort(lv0, stable=True), torch.argsort(lv1, stable=True)
    w0 = (l0.weight * l0.mask)[s0]
    w1 = (l1.weight * l1.mask)[s1][:, s0]
    w2 = (l2.weight * l2.mask)[:, s1]
    b0, b1 = l0.bias[s0], l1.bias[s1]
    lv0, lv1 = lv0[s0], lv1[s1]
    total = mat.total
    steps = []
    for step in range(features):
        feature = int(torch.nonzero(order == step)[0])
        new0 = torch.nonzero(lv0 == step).flatten()
        new1 = torch.nonzero(lv1 == step).flatten()
        known0 = int((lv0 <= step).sum())
        known1 = int((lv1 <= step).sum())
        rows = slice(feature * total, (feature + 1) * total)
        # the plan is exact only if nothing computed at this step needs a later unit or feature
        if (
            l2.mask[rows][:, s1][:, known1:].any()
            or l1.mask[s1][:, s0][new1][:, known0:].any()
            or (
                new0.numel() and (new0[0] != known0 - new0.numel() or new1.numel() and new1[0] != known1 - new1.numel())
            )
        ):
            return None
        lo0, lo1 = known0 - new0.numel(), known1 - new1.numel()
        steps.append(
            _Step(
                feature,
                w0[lo0:known0, :features].contiguous(),
                slice(lo0, known0),
                w1[lo1:known1, :known0].contiguous(),
                b1[lo1:known1].contiguous(),
                w2[rows, :known1].contiguous(),
                l2.bias[rows].contiguous(),
            )
        )
    bound, slope = opts
    return TransformPlan(
        w0[:, features:].contiguous(),
        b0.contiguous(),
        tuple(steps),
        (l0.out_features, l1.out_features),
        int(mat.shapes[0][0]),
        bound,
        slope,
    )


def inverse_plan(flow: nn.Module) -> tuple[TransformPlan, ...] | None:
    """Plans of a zuko ``NSF``'s transforms (in flow order), or ``None`` when its layout is not handled."""
    transform = getattr(flow, "transform", None)
    if not isinstance(transform, LazyComposedTransform):
        return None
    plans = []
    for mat in transform.transforms:
        if not isinstance(mat, MaskedAutoregressiveTransform) or mat.order is None:
            return None
        plan = _plan_one(mat, int(mat.order.numel()))
        if plan is None:
            return None
        plans.append(plan)
    return tuple(plans)


def _spline_inverse(y: torch.Tensor, phi: torch.Tensor, bins: int, bound: float, slope: float) -> torch.Tensor:
    """zuko's ``MonotonicRQSTransform(widths, heights, derivatives)._inverse(y)``, the same formulas,
    for one feature: ``y`` (N,), ``phi`` (N, 3 * bins - 1) the unconstrained parameters."""
    log_slope = math.log(slope)
    wh = phi[:, : 2 * bins].reshape(-1, 2, bins)
    wh = wh / (1 + abs(2 * wh / log_slope))
    d = phi[:, 2 * bins :]
    d = d / (1 + abs(d / log_slope))
    e = torch.exp(wh)  # a softmax: |wh| < -log(slope) / 2, so exp cannot overflow (torch's softmax is slow on 8 bins)
    wh = nn.functional.pad(e / e.sum(dim=-1, keepdim=True), (1, 0), value=0)
    knots = bound * (2 * torch.cumsum(wh, dim=-1) - 1)  # (N, 2, bins + 1): horizontal, vertical
    ds = torch.exp(nn.functional.pad(d, (1, 1), value=0))
    k = torch.sum(knots[:, 1] < y[:, None], dim=-1) - 1
    mask = (0 <= k) & (k < bins)
    k = k % bins
    k01 = torch.stack((k, k + 1), dim=1)  # (N, 2)
    x0, x1 = knots[:, 0].gather(1, k01).unbind(1)
    y0, y1 = knots[:, 1].gather(1, k01).unbind(1)
    d0, d1 = ds.gather(1, k01).unbind(1)
    s = (y1 - y0) / (x1 - x0)
    y_ = mask * (y - y0)
    a = (y1 - y0) * (s - d0) + y_ * (d0 + d1 - 2 * s)
    b = (y1 - y0) * d0 - y_ * (d0 + d1 - 2 * s)
    c = -s * y_
    z = 2 * c / (-b - (b**2 - 4 * a * c).sqrt())
    x = x0 + z * (x1 - x0)
    return torch.where(mask, x, y)


def _invert_one(plan: TransformPlan, y: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
    n = y.shape[0]
    x = torch.zeros_like(y)
    h0 = torch.empty(n, plan.hidden[0], dtype=y.dtype)
    h1 = torch.empty(n, plan.hidden[1], dtype=y.dtype)
    ctx0 = torch.addmm(plan.b0, context, plan.w0c.t())  # the context's share of every first-layer unit
    for st in plan.steps:
        k0, k1 = st.w1.shape[1], st.w2.shape[1]
        if st.w0x.shape[0]:
            h0[:, st.c0] = torch.relu(torch.addmm(ctx0[:, st.c0], x, st.w0x.t()))
        if st.w1.shape[0]:
            h1[:, k1 - st.w1.shape[0] : k1] = torch.relu(torch.addmm(st.b1, h0[:, :k0], st.w1.t()))
        phi = torch.addmm(st.b2, h1[:, :k1], st.w2.t())
        x[:, st.feature] = _spline_inverse(y[:, st.feature], phi, plan.bins, plan.bound, plan.slope)
    return x


@torch.no_grad()
def apply_inverse(plans: tuple[TransformPlan, ...], noise: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
    """The flow's variables (N, D) whose base draws are ``noise`` (N, D) given ``context`` (N, C):
    the transforms inverted from the last to the first."""
    x = noise
    for plan in reversed(plans):
        x = _invert_one(plan, x, context)
    return x
