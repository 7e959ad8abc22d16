"""The exact inverse of a zuko neural spline flow in one pass per feature, not one per feature and transform.

zuko inverts a masked autoregressive transform of D features by running its whole hyper
network D times (each run fixes one more feature), so a draw of the flow prior costs D full
network passes per transform, of which all but a sliver is recomputed. The network is masked:
each hidden unit depends only on the features of order below its *level* (and the context). Sorting
the units by level, the inverse below computes every unit exactly once, at the step where its
inputs are known, and each feature's spline parameters from the units it depends on: the same
arithmetic on the same weights (only the summation order of the dot products differs, so the
results agree to float rounding, ~1e-6), at the cost of one network pass per transform.

The D sequential steps of every transform are many small operations (three matrix products and
~50 elementwise ones on one feature's spline), so with a hundred draws their cost is mostly per
operation, not per number. To keep their count and cost low, everything is laid out
feature-major (a row per unit, feature or spline parameter, a column per draw): a step's new
units are a block of rows written in place by one matrix product, each spline parameter is a
contiguous row, the context's share of every transform's first layer is one product for the
whole flow, and the derivative padding of the splines is two zero rows of the last layer's
weights. The buffers and every step's views of them are made once per size and thread
(:class:`_Workspace`), the splines run in numpy (:mod:`varsynth.models.spline_inverse`) and the
products on one torch thread (:func:`~varsynth.models.threads.one_thread`).

:func:`inverse_plan` builds the sorted, sliced weights once (a few ms); :func:`apply_inverse`
maps base draws to the flow's variables with them. Flows of any other layout (other univariate
transforms, activations, residual blocks, several features per pass) are not handled
(:func:`inverse_plan` returns ``None``) and keep zuko's own inverse.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
from torch import nn
from zuko.flows.autoregressive import MaskedAutoregressiveTransform
from zuko.flows.core import LazyComposedTransform
from zuko.nn import MaskedLinear, MaskedMLP
from zuko.transforms import MonotonicRQSTransform

from varsynth.models.spline_inverse import SplineScratch, spline_inverse
from varsynth.models.threads import one_thread

__all__ = ["FlowPlan", "TransformPlan", "inverse_plan", "apply_inverse"]


@dataclass(frozen=True)
class _Step:
    """What one feature's step needs, feature-major: the new units of both hidden layers (blocks of
    rows) and the feature's spline parameters."""

    known: int  # features fixed before this step: the first ``known`` rows of the fixing-order layout
    rows0: tuple[int, int]  # the new first-layer units [lo, hi)
    w0x: torch.Tensor  # (U0, known) weights of the known features into them
    rows1: tuple[int, int]  # the new second-layer units [lo, hi)
    w1: torch.Tensor  # (U1, H0_known) weights of the known first-layer units into them
    b1: torch.Tensor  # (U1, 1)
    w2: torch.Tensor  # (3 bins + 1, H1_known) the spline's parameters, zero rows around the derivatives
    b2: torch.Tensor  # (3 bins + 1, 1)


@dataclass(frozen=True)
class TransformPlan:
    """One masked autoregressive spline transform, its hidden units sorted by level."""

    order: torch.Tensor  # (D,) long: the feature fixed at each step
    steps: tuple[_Step, ...]
    hidden: tuple[int, int]
    bins: int
    bound: float
    slope: float


@dataclass(frozen=True)
class FlowPlan:
    """The plans of a flow's transforms (in flow order) and what the whole inverse shares."""

    transforms: tuple[TransformPlan, ...]
    w0c: torch.Tensor  # (T H0, C) context weights of every transform's first layer, sorted, stacked
    b0: torch.Tensor  # (T H0, 1)
    gathers: tuple[torch.Tensor, ...]  # per transform, last first: rows of the previous layout to take
    to_natural: torch.Tensor  # (D,) rows of the first transform's fixing-order layout in feature order

    @property
    def dtype(self) -> torch.dtype:
        """The weights' dtype (draws of another dtype keep zuko's inverse)."""
        return self.w0c.dtype


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


def _padded_rows(w: torch.Tensor, bins: int) -> torch.Tensor:
    """A feature's spline rows ``[widths, heights, derivatives]`` (3 bins - 1, ...) with a zero row
    before and after the derivatives (3 bins + 1, ...): the knots' derivative padding of zuko's spline."""
    zero = torch.zeros_like(w[:1])
    return torch.cat([w[: 2 * bins], zero, w[2 * bins :], zero])


@torch.no_grad()
def _plan_one(mat: MaskedAutoregressiveTransform, features: int) -> tuple[TransformPlan, torch.Tensor] | None:
    """The transform's plan and its first layer's sorted context weights (H0, C + 1; bias last)."""
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
    if sorted(order.tolist()) != list(range(features)):
        return None
    fixing = torch.argsort(order)  # the feature fixed at each step
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
    b1 = l1.bias[s1]
    lv0, lv1 = lv0[s0], lv1[s1]
    total, bins = mat.total, int(mat.shapes[0][0])
    steps = []
    for step in range(features):
        feature = int(fixing[step])
        new0 = torch.nonzero(lv0 == step).flatten()
        new1 = torch.nonzero(lv1 == step).flatten()
        known0 = int((lv0 <= step).sum())
        known1 = int((lv1 <= step).sum())
        rows = slice(feature * total, (feature + 1) * total)
        # the plan is exact only if nothing computed at this step needs a later unit or feature
        if (
            l2.mask[rows][:, s1][:, known1:].any()
            or l1.mask[s1][:, s0][new1][:, known0:].any()
            or (new0.numel() and new0[0] != known0 - new0.numel())
            or (new1.numel() and new1[0] != known1 - new1.numel())
        ):
            return None
        lo0, lo1 = known0 - new0.numel(), known1 - new1.numel()
        steps.append(
            _Step(
                known=step,
                rows0=(lo0, known0),
                w0x=w0[lo0:known0, fixing[:step]].contiguous(),  # level-step units see only features fixed before
                rows1=(lo1, known1),
                w1=w1[lo1:known1, :known0].contiguous(),
                b1=b1[lo1:known1, None].contiguous(),
                w2=_padded_rows(w2[rows, :known1], bins).contiguous(),
                b2=_padded_rows(l2.bias[rows], bins)[:, None].contiguous(),
            )
        )
    bound, slope = opts
    plan = TransformPlan(fixing, tuple(steps), (l0.out_features, l1.out_features), bins, bound, slope)
    return plan, torch.cat([w0[:, features:], l0.bias[s0, None]], dim=1)


def inverse_plan(flow: nn.Module) -> FlowPlan | None:
    """The plan of a zuko ``NSF``'s inverse, or ``None`` when its layout is not handled."""
    transform = getattr(flow, "transform", None)
    if not isinstance(transform, LazyComposedTransform):
        return None
    plans, context = [], []
    for mat in transform.transforms:
        if not isinstance(mat, MaskedAutoregressiveTransform) or mat.order is None:
            return None
        one = _plan_one(mat, int(mat.order.numel()))
        if one is None:
            return None
        plans.append(one[0])
        context.append(one[1])
    if not plans:
        return None
    w0c = torch.cat(context).detach()
    # the rows of each transform's input in the layout the one inverted before it leaves (its
    # fixing order; the noise comes in feature order), then back to feature order at the end
    gathers, layout = [], torch.arange(plans[-1].order.numel())
    for plan in reversed(plans):
        position = torch.argsort(layout)  # row of each feature in the current layout
        gathers.append(position[plan.order])
        layout = plan.order
    return FlowPlan(
        tuple(plans), w0c[:, :-1].contiguous(), w0c[:, -1:].contiguous(), tuple(gathers), torch.argsort(layout)
    )


@dataclass(frozen=True)
class _StepViews:
    """One step's operands in a :class:`_Workspace`: the rows its products read and write."""

    ctx0: torch.Tensor  # the context's share of the new first-layer units
    h0_new: torch.Tensor | None
    x_known: torch.Tensor | None  # the features fixed before the step
    h0_known: torch.Tensor
    h1_new: torch.Tensor | None
    h1_known: torch.Tensor
    y: np.ndarray  # the feature's row of the transform's input
    x: np.ndarray  # and of its output


class _TransformWork:
    """One transform's input and output (D, n) and its steps' views of the shared buffers."""

    def __init__(self, plan: TransformPlan, ctx0: torch.Tensor, h0: np.ndarray, h1: np.ndarray, n: int) -> None:
        d = len(plan.steps)
        self.y, self.x = np.empty((d, n), h0.dtype), np.empty((d, n), h0.dtype)
        self.y_t, self.x_t = torch.from_numpy(self.y), torch.from_numpy(self.x)
        self.spline = SplineScratch(plan.bins, plan.bound, plan.slope, n, self.y_t.dtype)
        h0_t, h1_t = torch.from_numpy(h0), torch.from_numpy(h1)
        self.steps = tuple(
            _StepViews(
                ctx0[st.rows0[0] : st.rows0[1]],
                h0_t[st.rows0[0] : st.rows0[1]] if st.rows0[1] > st.rows0[0] else None,
                self.x_t[: st.known] if st.known else None,
                h0_t[: st.w1.shape[1]],
                h1_t[st.rows1[0] : st.rows1[1]] if st.rows1[1] > st.rows1[0] else None,
                h1_t[: st.w2.shape[1]],
                self.y[k],
                self.x[k],
            )
            for k, st in enumerate(plan.steps)
        )


class _Workspace:
    """Every buffer of one inversion of ``n`` draws, and every step's views of them, made once:
    slicing and allocating in each of the 36 steps would cost as much as their arithmetic."""

    def __init__(self, plan: FlowPlan, n: int, dtype: torch.dtype) -> None:
        np_dtype = torch.empty(0, dtype=dtype).numpy().dtype
        self.ctx0 = torch.empty(plan.w0c.shape[0], n, dtype=dtype)
        h0 = np.empty((max(t.hidden[0] for t in plan.transforms), n), np_dtype)
        h1 = np.empty((max(t.hidden[1] for t in plan.transforms), n), np_dtype)
        ends = np.cumsum([0] + [t.hidden[0] for t in plan.transforms]).tolist()
        self.transforms = tuple(
            _TransformWork(t, self.ctx0[ends[i] : ends[i + 1]], h0, h1, n) for i, t in enumerate(plan.transforms)
        )


#: Most draws whose workspace is kept for the next call (in each thread): ~8 kB per draw.
_KEEP_BELOW = 4096
_kept = threading.local()


def _workspace(plan: FlowPlan, n: int, dtype: torch.dtype) -> _Workspace:
    """The workspace of ``n`` draws: the calling thread's last one if it fits, else a new one."""
    last = getattr(_kept, "last", None)
    if last is not None and last[0] is plan and last[1:3] == (n, dtype):
        return last[3]
    ws = _Workspace(plan, n, dtype)
    _kept.last = (plan, n, dtype, ws) if n < _KEEP_BELOW else None
    return ws


def _invert_one(plan: TransformPlan, work: _TransformWork) -> None:
    """Invert one transform: ``work.y`` (D, n) in its fixing order to ``work.x``."""
    sc = work.spline
    for st, v in zip(plan.steps, work.steps, strict=True):
        if v.h0_new is not None:
            if v.x_known is not None:
                torch.addmm(v.ctx0, st.w0x, v.x_known, out=v.h0_new)
            else:
                v.h0_new.copy_(v.ctx0)
            v.h0_new.relu_()
        if v.h1_new is not None:
            torch.addmm(st.b1, st.w1, v.h0_known, out=v.h1_new).relu_()
        torch.addmm(st.b2, st.w2, v.h1_known, out=sc.phi_t)
        spline_inverse(sc, v.y, v.x)


@torch.no_grad()
def apply_inverse(plan: FlowPlan, noise: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
    """The flow's variables (N, D) whose base draws are ``noise`` (N, D) given ``context`` (N, C):
    the transforms inverted from the last to the first, on one intra-op thread."""
    n = noise.shape[0]
    if n == 0:
        return noise.clone()
    with one_thread():
        ws = _workspace(plan, n, noise.dtype)
        torch.addmm(plan.b0, plan.w0c, context.t(), out=ws.ctx0)  # the context's share of every first-layer unit
        source = noise.t()
        for i, (tp, work) in enumerate(zip(reversed(plan.transforms), reversed(ws.transforms), strict=True)):
            torch.index_select(source, 0, plan.gathers[i], out=work.y_t)
            _invert_one(tp, work)
            source = work.x_t
        return torch.index_select(source, 0, plan.to_natural).t().contiguous()
