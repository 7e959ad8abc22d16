"""The inverse of zuko's monotonic rational-quadratic spline for one feature of many draws, feature-major.

:mod:`varsynth.models.flow_inverse` inverts a flow one feature at a time: each step turns one
feature's spline parameters (a row each, a column per draw) into that feature's values. These
are zuko's formulas (``MonotonicRQSTransform(widths, heights, derivatives)._inverse``) in ~50
operations on rows of the draws: with a few hundred or thousand draws their cost is the cost of
calling them more than arithmetic. They run in numpy, in place on preallocated arrays (the last
layer's product writes the parameters through a torch view of the same memory): a numpy
operation costs a fraction of a torch one to call, and the same formulas in torch took 1.5
times as long at 100 to 4,000 draws (measured, ``docs/generation.md``). The results agree with
zuko's to float rounding (``tests/test_flow_inverse.py``).

The parameters come in ``3 bins + 1`` rows: widths, heights, a zero row, the ``bins - 1``
interior derivatives and a zero row (the knots' derivative padding of zuko's spline, made by
zero rows of the last layer's weights). The unconstrained values of all rows are bounded and
exponentiated in one pass (each row with its own scale), so the padding rows give the end
derivatives exp(0) = 1 as in zuko.
"""

from __future__ import annotations

import math

import numpy as np
import torch

__all__ = ["SplineScratch", "spline_inverse"]


class SplineScratch:
    """Buffers and constants of one spline inversion of ``n`` draws; ``phi_t`` is a torch view of ``phi``.

    Arguments:
        bins: the spline's bins.
        bound: its (co)domain bound; outside it the transform is the identity.
        slope: its minimum slope.
        n: draws.
        dtype: torch dtype of the draws.
    """

    def __init__(self, bins: int, bound: float, slope: float, n: int, dtype: torch.dtype) -> None:
        np_dtype = torch.empty(0, dtype=dtype).numpy().dtype
        self.bins, self.n = bins, n
        rows = 3 * bins + 1
        self.phi = np.empty((rows, n), np_dtype)  # the parameters, written by the last layer's product
        self.phi_t = torch.from_numpy(self.phi)
        log_slope = math.log(slope)
        # per row: widths and heights / (1 + |2 v / log(slope)|), derivatives / (1 + |v / log(slope)|)
        scale = [-2.0 / log_slope] * (2 * bins) + [0.0] + [-1.0 / log_slope] * (bins - 1) + [0.0]
        self.scale = np.array(scale, np_dtype)[:, None]
        self.knots = np.empty((2, bins + 1, n), np_dtype)  # horizontal and vertical knots
        self.knots[:, 0] = -bound
        self.one, self.two, self.four, self.bound = (np_dtype.type(v) for v in (1.0, 2.0, 4.0, bound))
        self.e = np.empty((rows, n), np_dtype)
        self.sums = np.empty((2, 1, n), np_dtype)
        wh = self.e[: 2 * bins].reshape(2, bins, n)  # widths and heights, normalised in place
        inner = self.knots[:, 1:]
        # a cumulative sum in steps (numpy's along this axis is slow): knot 1 = bin 0, then knot j + 1 = knot j + bin j
        self.cumsum = [(inner[:, j - 1], wh[:, j], inner[:, j]) for j in range(1, bins)]
        self.first = (inner[:, 0], wh[:, 0])
        self.below = np.empty((bins + 1, n), bool)
        self.k = np.empty(n, np.intp)
        self.kc = np.empty(n, np.intp)
        self.offset = np.empty(n, np.intp)
        self.outside = np.empty(n, bool)
        col = np.arange(n)
        # the flat positions of bin 0's corners (x0, x1, y0, y1 in knots) and end derivatives (in e)
        self.corner0 = np.array([0, 1, bins + 1, bins + 2])[:, None] * n + col
        self.deriv0 = np.array([2 * bins, 2 * bins + 1])[:, None] * n + col
        self.corner_at = np.empty((4, n), np.intp)
        self.deriv_at = np.empty((2, n), np.intp)
        self.corners = np.empty((4, n), np_dtype)
        self.derivs = np.empty((2, n), np_dtype)
        self.rows = [np.empty(n, np_dtype) for _ in range(6)]


def spline_inverse(sc: SplineScratch, y: np.ndarray, out: np.ndarray) -> None:
    """The inverse at ``y`` (n,) of the spline whose parameters are in ``sc.phi``, into ``out`` (n,)."""
    bins, e = sc.bins, sc.e
    np.abs(sc.phi, out=e)
    e *= sc.scale
    e += sc.one
    np.divide(sc.phi, e, out=e)
    np.exp(e, out=e)  # bounded (|v| < -log(slope) / 2 for widths and heights): cannot overflow
    wh = e[: 2 * bins].reshape(2, bins, -1)
    np.add.reduce(wh, axis=1, keepdims=True, out=sc.sums)
    wh /= sc.sums  # softmax
    np.copyto(*sc.first)
    for previous, term, total in sc.cumsum:
        np.add(previous, term, out=total)
    inner = sc.knots[:, 1:]
    inner *= sc.two
    inner -= sc.one
    inner *= sc.bound  # bound (2 cumsum - 1), zuko's rounding
    np.less(sc.knots[1], y, out=sc.below)
    np.add.reduce(sc.below, axis=0, out=sc.k)
    sc.k -= 1  # the bin of y: -1 and bins are outside (identity)
    np.maximum(sc.k, 0, out=sc.kc)
    np.minimum(sc.kc, bins - 1, out=sc.kc)
    np.not_equal(sc.kc, sc.k, out=sc.outside)
    np.multiply(sc.kc, sc.n, out=sc.offset)
    np.add(sc.corner0, sc.offset, out=sc.corner_at)
    np.take(sc.knots.reshape(-1), sc.corner_at, out=sc.corners)
    np.add(sc.deriv0, sc.offset, out=sc.deriv_at)
    np.take(e.reshape(-1), sc.deriv_at, out=sc.derivs)
    x0, x1, y0, y1 = sc.corners
    d0, d1 = sc.derivs
    dx, dy, s, y_, t, yt = sc.rows
    np.subtract(x1, x0, out=dx)
    np.subtract(y1, y0, out=dy)
    np.divide(dy, dx, out=s)
    np.subtract(y, y0, out=y_)
    np.copyto(y_, 0, where=sc.outside)
    np.add(d0, d1, out=t)
    np.multiply(s, sc.two, out=yt)
    t -= yt  # d0 + d1 - 2 s
    np.multiply(y_, t, out=yt)
    a, b, c, root = x1, y1, t, d1  # rows no longer needed
    np.subtract(s, d0, out=a)
    a *= dy
    a += yt  # dy (s - d0) + y_ t
    np.multiply(dy, d0, out=b)
    b -= yt  # dy d0 - y_ t
    np.multiply(s, y_, out=c)  # minus zuko's c: the signs below are flipped with it, exactly
    np.multiply(b, b, out=root)
    a *= c
    a *= sc.four
    root += a
    np.sqrt(root, out=root)
    root += b
    c *= sc.two
    c /= root
    np.multiply(c, dx, out=out)
    out += x0
    np.copyto(out, y, where=sc.outside)
