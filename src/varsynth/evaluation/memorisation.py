"""Memorisation check: are generated light curves closer to the training light curves than real ones are?

A generator that copies its training set produces light curves whose shapes sit much nearer to
some training light curve than an unseen real star's shape does. For every generated twin of a
held-out light curve (:func:`~varsynth.evaluation.curves.twin_curves`) and for every held-out
real light curve, this check finds the nearest real training light curve of the same class and
compares the two distributions of distances.

Shapes are compared on a common grid (:func:`shape_on_grid`): an order-4 Fourier series fitted
by weighted least squares to the folded light curve, evaluated at :data:`GRID_POINTS` phases
``k / GRID_POINTS``, minus its mean and divided by its peak-to-peak amplitude (so it is unitless,
like the min-max scaled shapes the model trains on, but not set by single noisy points). The
phases are those of the dataset, where phase 0 is maximum light (primary minimum for binaries)
for the training and held-out light curves alike, and twins share their real light curve's
phases; no further alignment is done. The distance between two shapes is the RMS of their
difference over the grid (:func:`nearest_distances`), in units of the peak-to-peak amplitude:
0 for identical shapes, 0.5 for a sinusoid against itself a quarter cycle later, 0.71 against
its mirror image (RMS of sin).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from varsynth.evaluation.binomial import compare_fractions, within_binomial_error
from varsynth.evaluation.context import FIGURE_DPI, EvalContext, Section
from varsynth.evaluation.curves import real_curves
from varsynth.latent.regressors import check_disjoint
from varsynth.lightcurve.folding import fourier_design

__all__ = [
    "GRID_POINTS",
    "TEMPLATE_ORDER",
    "QUICK_TRAIN_PER_CLASS",
    "shape_on_grid",
    "shape_matrix",
    "nearest_distances",
    "nearest_by_class",
    "memorisation_table",
    "evaluate_memorisation",
]

#: Phases of the common grid (k / GRID_POINTS, k = 0 .. GRID_POINTS - 1).
GRID_POINTS = 100
#: Harmonics of the Fourier series each light curve is fitted with before the comparison.
TEMPLATE_ORDER = 4
#: Training light curves per class used in quick mode (all in full mode).
QUICK_TRAIN_PER_CLASS = 300
#: Median ratio (twins / real) below which the text names a class whose twins sit closer to the training shapes.
TYPICAL_RATIO = 0.8
#: Rows of the query compared with the reference at once (bounds the memory of the distance matrix).
_BLOCK = 512


def shape_on_grid(
    phase: np.ndarray,
    mag: np.ndarray,
    err: np.ndarray | None = None,
    *,
    order: int = TEMPLATE_ORDER,
    points: int = GRID_POINTS,
) -> np.ndarray:
    """The folded, scaled shape of one light curve on the common phase grid.

    Arguments:
        phase: phases in [0, 1) (phase 0 as in the dataset), shape (N,).
        mag: magnitudes (mag), shape (N,).
        err: 1-sigma errors (mag), weights 1 / err; ``None``: unweighted.
        order: harmonics of the fitted series.
        points: grid points.

    Returns:
        ``points`` values: the fitted series at phases ``k / points`` minus its mean, divided by its
        peak-to-peak amplitude (unitless, zero mean, peak-to-peak 1); all NaN when the light curve
        has fewer than ``2 * order + 1`` points or the series is flat.
    """
    phase, mag = np.asarray(phase, dtype=float), np.asarray(mag, dtype=float)
    if order < 1 or points < 2:
        raise ValueError(f"order must be >= 1 and points >= 2, got {order} and {points}")
    if phase.shape != mag.shape:
        raise ValueError(f"phase {phase.shape} and mag {mag.shape} need the same shape")
    if phase.size < 2 * order + 1:
        return np.full(points, np.nan)
    w = np.ones_like(mag) if err is None else 1.0 / np.maximum(np.asarray(err, dtype=float), 1e-6)
    coef, *_ = np.linalg.lstsq(fourier_design(phase, order) * w[:, None], mag * w, rcond=None)
    fitted = fourier_design(np.arange(points) / points, order) @ coef
    span = float(np.ptp(fitted))
    if not np.isfinite(span) or span <= 1e-9:
        return np.full(points, np.nan)
    return (fitted - fitted.mean()) / span


def shape_matrix(curves: pd.DataFrame, points: int = GRID_POINTS) -> np.ndarray:
    """:func:`shape_on_grid` of every light curve of a curve set, shape (N, ``points``)."""
    rows = [shape_on_grid(p, m, e, points=points) for p, m, e in zip(curves["phase"], curves["mag"], curves["mag_err"])]
    return np.vstack(rows) if rows else np.zeros((0, points))


def nearest_distances(query: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """RMS distance of each query shape to its nearest reference shape, and that shape's row.

    Arguments:
        query: shapes (N, P), rows with NaN are skipped (distance NaN, index -1).
        reference: shapes (M, P), rows with NaN are ignored.

    Returns:
        ``(distance (N,), index (N,))``: ``sqrt(mean((q - r)**2))`` over the P grid points for the
        nearest valid reference row ``r`` (computed exactly for the chosen pair, so a copy is at 0).
    """
    query, reference = np.atleast_2d(np.asarray(query, float)), np.atleast_2d(np.asarray(reference, float))
    if query.shape[1] != reference.shape[1]:
        raise ValueError(f"query {query.shape} and reference {reference.shape} need the same grid")
    dist, index = np.full(len(query), np.nan), np.full(len(query), -1)
    valid_ref = np.flatnonzero(np.isfinite(reference).all(axis=1))
    valid_query = np.flatnonzero(np.isfinite(query).all(axis=1))
    if not valid_ref.size or not valid_query.size:
        return dist, index
    ref = reference[valid_ref]
    ref_sq = (ref**2).sum(axis=1)
    for start in range(0, valid_query.size, _BLOCK):
        rows = valid_query[start : start + _BLOCK]
        q = query[rows]
        squared = (q**2).sum(axis=1)[:, None] + ref_sq[None, :] - 2.0 * q @ ref.T  # |q - r|^2, up to rounding
        best = valid_ref[np.argmin(squared, axis=1)]
        index[rows] = best
        dist[rows] = np.sqrt(np.mean((q - reference[best]) ** 2, axis=1))
    return dist, index


def nearest_by_class(
    query: np.ndarray, query_classes: np.ndarray, reference: np.ndarray, reference_classes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`nearest_distances` within each class: every query shape against the reference shapes
    of its own class (NaN, -1 where the class has none); indices are rows of ``reference``."""
    query_classes, reference_classes = np.asarray(query_classes).astype(str), np.asarray(reference_classes).astype(str)
    if len(query_classes) != len(query) or len(reference_classes) != len(reference):
        raise ValueError("query_classes and reference_classes need one class per shape")
    dist, index = np.full(len(query), np.nan), np.full(len(query), -1)
    for vclass in np.unique(query_classes):
        rows, refs = np.flatnonzero(query_classes == vclass), np.flatnonzero(reference_classes == vclass)
        if refs.size:
            d, i = nearest_distances(query[rows], reference[refs])
            dist[rows], index[rows] = d, np.where(i >= 0, refs[np.maximum(i, 0)], -1)
    return dist, index


def _row(name: str, generated: np.ndarray, real: np.ndarray) -> dict[str, Any]:
    generated, real = generated[np.isfinite(generated)], real[np.isfinite(real)]
    if not generated.size or not real.size:
        return {"class": name, "n generated": generated.size, "n real": real.size}
    p1 = float(np.quantile(real, 0.01))
    return {
        "class": name,
        "n generated": generated.size,
        "n real": real.size,
        "generated median": float(np.median(generated)),
        "generated p5": float(np.quantile(generated, 0.05)),
        "real median": float(np.median(real)),
        "real p5": float(np.quantile(real, 0.05)),
        "real p1": p1,
        "generated below real p1": float(np.mean(generated < p1)),
        "median ratio": float(np.median(generated) / np.median(real)) if np.median(real) > 0 else math.nan,
    }


def memorisation_table(
    generated: np.ndarray, generated_classes: np.ndarray, real: np.ndarray, real_classes: np.ndarray
) -> pd.DataFrame:
    """Per class (and ``all``): the nearest-training-shape distances of generated and of real
    held-out light curves, their medians and 5th percentiles, the real 1st percentile, the fraction
    of generated light curves closer than it (about 0.01 when they are no closer than real ones) and
    the ratio of the medians (generated / real; well below 1 for a generator that copies)."""
    generated, real = np.asarray(generated, float), np.asarray(real, float)
    generated_classes, real_classes = np.asarray(generated_classes).astype(str), np.asarray(real_classes).astype(str)
    rows = [
        _row(c, generated[generated_classes == c], real[real_classes == c])
        for c in sorted(set(generated_classes) | set(real_classes))
    ]
    rows.append(_row("all", generated, real))
    columns = [
        "class",
        "n generated",
        "n real",
        "generated median",
        "generated p5",
        "real median",
        "real p5",
        "real p1",
        "generated below real p1",
        "median ratio",
    ]
    return pd.DataFrame(rows).reindex(columns=columns)


def _figure(ctx: EvalContext, generated: np.ndarray, real: np.ndarray, classes: np.ndarray) -> str:
    """Cumulative distributions of the nearest-training distances per class; returns the figure path."""
    names = [c for c in sorted(set(classes)) if np.isfinite(real[classes == c]).any()]
    ncols = min(4, max(len(names), 1))
    nrows = max(1, math.ceil(len(names) / ncols))
    fig = Figure(figsize=(3.2 * ncols, 2.7 * nrows + 0.4), dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, name in zip(axes, names):
        for values, label, colour in (
            (real[classes == name], "real held-out", "0.45"),
            (generated[classes == name], "generated twins", "C0"),
        ):
            values = np.sort(values[np.isfinite(values) & (values > 0)])
            if values.size:
                ax.step(
                    values,
                    np.arange(1, values.size + 1) / values.size,
                    where="post",
                    color=colour,
                    label=f"{label} ({values.size})",
                )
        p1 = np.quantile(real[classes == name][np.isfinite(real[classes == name])], 0.01)
        ax.axvline(p1, color="k", ls="--", lw=0.8, label="real 1st percentile")
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())  # unlabelled minor ticks: no overlapping labels
        ax.set(
            title=name, xlabel="RMS distance to nearest training shape", ylabel="cumulative fraction", ylim=(0, 1.02)
        )
        ax.legend(fontsize=6)
    for ax in axes[len(names) :]:
        ax.set_axis_off()
    return ctx.save_figure(fig, "memorisation")


def _text(table: pd.DataFrame, n_train: int) -> str:
    """Findings in words, from the measured numbers."""
    every = table.set_index("class")
    overall = every.loc["all"]
    lines = [
        f"Each held-out real light curve and its generated twin are compared with the {n_train} real training "
        f"light curves of the same class (order-{TEMPLATE_ORDER} Fourier series on {GRID_POINTS} phases, mean "
        "removed, peak-to-peak scaled to 1; distance: RMS difference over the grid, in units of the "
        "peak-to-peak amplitude)."
    ]
    if not np.isfinite(overall.get("generated median", math.nan)):
        return " ".join(lines + ["No class had both generated and real light curves with a training counterpart."])
    below, n_gen, n_real = overall["generated below real p1"], int(overall["n generated"]), int(overall["n real"])
    lines.append(
        f"Median distance to the nearest training shape: {overall['generated median']:.3f} for generated "
        f"twins against {overall['real median']:.3f} for held-out real light curves (ratio "
        f"{overall['median ratio']:.2f}; 5th percentiles {overall['generated p5']:.3f} and "
        f"{overall['real p5']:.3f}). {below:.1%} of the twins are closer to a training shape than the "
        f"closest 1% of real ones, against 1% for a generator that copies nothing "
        f"({compare_fractions(below, n_gen, 0.01, n_real)})."
    )
    classes = every.drop(index="all").dropna(subset=["generated median"])
    closer = [
        f"{c} ({r['generated below real p1']:.1%} of {int(r['n generated'])} twins, "
        + compare_fractions(r["generated below real p1"], int(r["n generated"]), 0.01, int(r["n real"]))
        + ")"
        for c, r in classes.iterrows()
        if r["generated below real p1"] > 0.01
        and not within_binomial_error(r["generated below real p1"], int(r["n generated"]), 0.01, int(r["n real"]))
    ]
    lines.append(
        "Classes with more twins below the real 1st percentile than 1%, beyond binomial error: "
        + "; ".join(closer)
        + "."
        if closer
        else "No class has more twins below the real 1st percentile than 1% beyond binomial error."
    )
    typical = classes[classes["median ratio"] < TYPICAL_RATIO]
    if len(typical):
        lines.append(
            f"Twins sit closer to the training shapes than real light curves in median (ratio below "
            f"{TYPICAL_RATIO}) for "
            + ", ".join(f"{c} ({r['median ratio']:.2f})" for c, r in typical.iterrows())
            + ": shapes nearer the typical training shape, or copies where the 5th percentile and the fraction "
            "below the real 1st percentile drop too."
        )
    return " ".join(lines)


def evaluate_memorisation(ctx: EvalContext) -> Section:
    """The memorisation section of the fidelity report for ``ctx.model``."""
    train = real_curves(
        ctx.dataset_dir, "train", max_per_class=QUICK_TRAIN_PER_CLASS if ctx.quick else None, seed=ctx.seed
    )
    check_disjoint(train["star_key"].tolist(), ctx.test_real["star_key"].tolist())  # held-out stars never in training
    reference, ref_classes = shape_matrix(train), train["vclass"].to_numpy(str)
    classes = ctx.test_real["vclass"].to_numpy(str)
    real_d, _ = nearest_by_class(shape_matrix(ctx.test_real), classes, reference, ref_classes)
    gen_d, gen_index = nearest_by_class(shape_matrix(ctx.test_twins), classes, reference, ref_classes)
    table = memorisation_table(gen_d, classes, real_d, classes)
    figure = _figure(ctx, gen_d, real_d, classes)
    overall = table.set_index("class").loc["all"]
    closest = int(np.nanargmin(gen_d)) if np.isfinite(gen_d).any() else -1
    summary: dict[str, Any] = {
        "headline": {
            "twin / real median distance to nearest training shape": overall.get("median ratio", math.nan),
            "twins closer than the real 1st percentile": overall.get("generated below real p1", math.nan),
        },
        "headline_reference": {
            "twin / real median distance to nearest training shape": "1 (no copying; < 1: closer)",
            "twins closer than the real 1st percentile": 0.01,
        },
        "distance": (
            f"RMS over {GRID_POINTS} phases of the difference of order-{TEMPLATE_ORDER} Fourier shapes, mean "
            "removed, peak-to-peak scaled to 1"
        ),
        "n_train": len(train),
        "per_class": table.to_dict(orient="records"),
        "closest_twin": {}
        if closest < 0
        else {
            "sample_id": str(ctx.test_twins["sample_id"].iloc[closest]),
            "distance": float(gen_d[closest]),
            "training_sample_id": str(train["sample_id"].iloc[int(gen_index[closest])]),
        },
    }
    return Section(
        name="memorisation",
        title="Memorisation: distance to the nearest training light curve",
        summary=summary,
        tables=[
            (
                "Distance of each light curve's shape to the nearest real training shape of its class (RMS over "
                f"{GRID_POINTS} phases, units of the peak-to-peak amplitude): generated twins against held-out "
                "real light curves",
                table,
            )
        ],
        figures=[
            (
                "Cumulative distributions of the distance to the nearest training shape, generated twins (blue) "
                "and held-out real light curves (grey), per class; dashed: the real 1st percentile",
                figure,
            )
        ],
        text=_text(table, len(train)),
    )
