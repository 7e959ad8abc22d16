"""Shape statistics: Fourier parameters of generated light curves against real ones.

Each light curve, folded on its period (orbital period for binaries, where R21 may exceed 1), is
described by its order-4 Fourier parameters in the OGLE convention (:mod:`.fourier`): the
peak-to-peak amplitude (mag), R21, R31 and the phase differences phi21, phi31 (radians). Their
distributions per class and subtype are compared in two ways:

1. held-out: the real ``test`` light curves against their generated twins (same class, physics,
   band and phases; :func:`~varsynth.evaluation.curves.twin_curves`);
2. catalog: the published OGLE-III Fourier parameters of LMC stars (I band) against light curves
   drawn by the public generator in the OGLE-III cadence, I band, physics drawn by the model.

Per group and parameter the section reports the Wasserstein-1 (and energy) distance between the
real and generated samples next to its noise floor: the same distance between a random part of
the real sample and the rest of it (:func:`matched_noise_floor`), two random halves for the
held-out stars. The ratio distance / floor is the figure of merit: a perfect generator of a
sample as large as the real one scores about 0.7 against the halves floor (distances between
samples of sizes n and m shrink as sqrt(1/n + 1/m)), a sample distinguishable from the real one
scores well above 1. The ratio an ideal generator would score is measured for every compared
pair (:func:`~varsynth.evaluation.distances.ideal_ratio_draws`: resamples of the real values
standing for both samples, at the sizes compared) and printed beside the model's.

Phase differences are angles: before any distance, both samples are rotated so that the real
sample's circular mean sits at 0 and wrapped to [-pi, pi) (:func:`center_angles`); values near 0
and near 2 pi are then close, and the cut sits opposite the bulk of the real values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from varsynth.config import ConfigError
from varsynth.evaluation.bootstrap import standard_error
from varsynth.evaluation.context import FIGURE_DPI, EvalContext, Section
from varsynth.evaluation.curves import folded_curves, fourier_table
from varsynth.evaluation.distances import DISTANCES, IDEAL_DRAWS, distance, ideal_ratio_draws, matched_noise_floor
from varsynth.evaluation.fourier import FOURIER_NAMES
from varsynth.generation import StarRequest, generate_table
from varsynth.generation.model import GenerativeModel

__all__ = [
    "ANGLE_NAMES",
    "CATALOG_COLUMNS",
    "CatalogComparison",
    "circular_mean",
    "center_angles",
    "matched_noise_floor",
    "ideal_ratio_draws",
    "shape_distance_table",
    "compare_shapes",
    "catalog_fourier",
    "catalog_comparison",
    "evaluate_shapes",
]

#: Fourier parameters that are angles (radians, periodic in 2 pi).
ANGLE_NAMES: tuple[str, ...] = ("phi21", "phi31")
#: OGLE-III catalog column of each Fourier parameter (I band, first period).
CATALOG_COLUMNS: dict[str, str] = {
    "amplitude": "A_1",
    "R21": "R21_1",
    "phi21": "phi21_1",
    "R31": "R31_1",
    "phi31": "phi31_1",
}
#: Period bins of the generated catalog-like samples (each bin generated at its median period).
_PERIOD_BINS = 20
#: Light curves a group needs to be compared (full mode, quick mode).
MIN_COUNT, QUICK_MIN_COUNT = 20, 10
#: Light curves generated per OGLE-III group (full mode, quick mode).
CATALOG_N, QUICK_CATALOG_N = 500, 60
#: Brightness range (apparent mean mag) of generated stars of a class without absolute magnitudes
#: when the catalog group has no I magnitudes.
_FALLBACK_MAG = (15.0, 19.0)
#: Groups shown in the figures, at most, and per class.
_FIG_GROUPS, _FIG_PER_CLASS = 8, 2
#: Points drawn per sample in a scatter panel (a random subset of larger samples).
_MAX_POINTS = 1500
_REAL, _GEN, _CAT, _CAT_GEN = "0.55", "C0", "k", "C3"
_UNITS = {"amplitude": "amplitude (mag)", "R21": "R21", "phi21": "phi21 (rad)", "R31": "R31", "phi31": "phi31 (rad)"}


def circular_mean(angles: np.ndarray) -> float:
    """Direction (radians, in [0, 2 pi)) of the mean unit vector of ``angles`` (NaN dropped)."""
    a = np.asarray(angles, dtype=float)
    a = a[np.isfinite(a)]
    if a.size == 0:
        raise ValueError("angles must hold at least one finite value")
    return float(np.mod(math.atan2(np.sin(a).mean(), np.cos(a).mean()), 2 * math.pi))


def center_angles(angles: np.ndarray, center: float) -> np.ndarray:
    """``angles - center`` wrapped to [-pi, pi) (radians): ``center`` maps to 0, its opposite to -pi."""
    return np.mod(np.asarray(angles, dtype=float) - center + math.pi, 2 * math.pi) - math.pi


def _median_relative_se(real: np.ndarray, generated: np.ndarray, seed: int) -> float:
    """Bootstrap standard error of ``|median generated / median real - 1|`` (NaN when the real median is 0)."""

    def relative(rows_gen: np.ndarray, rows_real: np.ndarray) -> float:
        median_real = float(np.median(real[rows_real]))
        return abs(float(np.median(generated[rows_gen])) / median_real - 1.0) if median_real else math.nan

    return standard_error(relative, (generated.size, real.size), seed=seed)


def shape_distance_table(
    real: pd.DataFrame,
    generated: pd.DataFrame,
    by: Sequence[str],
    params: Sequence[str] = FOURIER_NAMES,
    kind: str = "wasserstein",
    min_count: int = MIN_COUNT,
    *,
    angles: Sequence[str] = ANGLE_NAMES,
    repeats: int = 20,
    seed: int = 0,
    ideal_draws: int = 0,
    median_se: Sequence[str] = ("amplitude",),
) -> pd.DataFrame:
    """Distance between real and generated values of each parameter, per group, with its noise floor.

    Arguments:
        real, generated: one row per light curve with the ``by`` columns and the ``params``.
        by: columns whose values define the groups (e.g. ``("vclass", "subtype")``).
        params: parameter columns to compare.
        kind: ``wasserstein`` or ``energy`` (:data:`~varsynth.evaluation.distances.DISTANCES`).
        min_count: a (group, parameter) is compared when both samples have at least this many
            finite values (>= 4).
        angles: parameters in radians compared on the circle (centred on the real circular mean).
        ideal_draws: with > 0, also the ratio an ideal generator scores (:func:`ideal_ratio_draws`
            with that many draws, at the same sizes and star grouping).
        median_se: parameters (not angles) whose ``median_relative_se`` is computed: the bootstrap
            standard error of ``|median generated / median real - 1|`` (NaN for the others).

    Returns:
        One row per compared (group, parameter): the ``by`` columns, ``parameter, n_real, n_gen,
        median_real, median_gen`` (angles: medians of the centred values rotated back, the real
        one into [0, 2 pi), the generated one by the same rotation so that their difference is
        the angular difference; it may leave [0, 2 pi)), ``<kind>`` (the distance), ``floor``
        (:func:`matched_noise_floor`) and ``ratio`` (distance / floor; NaN when the floor is 0); with
        ``ideal_draws``, also ``ideal_ratio`` (mean of the draws) and ``ideal_draws`` (the draws, an array).
    """
    if ideal_draws < 0:
        raise ValueError(f"ideal_draws must be >= 0, got {ideal_draws}")
    by = list(by)
    if kind not in DISTANCES:
        raise ValueError(f"kind must be one of {sorted(DISTANCES)}, got {kind!r}")
    if min_count < 4:
        raise ValueError(f"min_count must be >= 4 (a noise floor needs 4 values), got {min_count}")
    missing = sorted({*by, *params} - set(real.columns)) + sorted({*by, *params} - set(generated.columns))
    if missing:
        raise ValueError(f"real and generated need columns {by + list(params)}; missing {sorted(set(missing))}")
    gen_groups = dict(iter(generated.groupby(by, sort=False)))
    rows: list[dict[str, Any]] = []
    for key, part in real.groupby(by, sort=True):
        other = gen_groups.get(key)
        if other is None:
            continue
        for name in params:
            x, y = part[name].to_numpy(float), other[name].to_numpy(float)
            stars = part["star_key"].to_numpy()[np.isfinite(x)] if "star_key" in part else None
            x, y = x[np.isfinite(x)], y[np.isfinite(y)]
            if min(x.size, y.size) < min_count:
                continue
            center = None
            if name in angles:
                center = circular_mean(x)
                x, y = center_angles(x, center), center_angles(y, center)
            med = [float(np.median(v)) for v in (x, y)]
            if center is not None:  # real median in [0, 2 pi); generated one offset by the angular difference
                med = [float(np.mod(med[0] + center, 2 * math.pi)) + m - med[0] for m in med]
            d = distance(x, y, kind)
            floor = matched_noise_floor(x, y.size, kind, repeats=repeats, seed=seed, groups=stars)
            row = {
                **dict(zip(by, key)),
                "parameter": name,
                "n_real": x.size,
                "n_gen": y.size,
                "median_real": med[0],
                "median_gen": med[1],
                kind: d,
                "floor": floor,
                "ratio": d / floor if floor > 0 else math.nan,
                "median_relative_se": _median_relative_se(x, y, seed) if name in median_se else math.nan,
            }
            if ideal_draws:
                draws = ideal_ratio_draws(
                    x, y.size, kind, draws=ideal_draws, repeats=repeats, seed=seed + 1000 * len(rows), groups=stars
                )
                row["ideal_ratio"] = float(np.nanmean(draws)) if np.isfinite(draws).any() else math.nan
                row["ideal_draws"] = draws
            rows.append(row)
    columns = [
        *by,
        "parameter",
        "n_real",
        "n_gen",
        "median_real",
        "median_gen",
        kind,
        "floor",
        "ratio",
        "median_relative_se",
        *(["ideal_ratio", "ideal_draws"] if ideal_draws else []),
    ]
    return pd.DataFrame(rows, columns=columns)


def compare_shapes(
    real: pd.DataFrame, generated: pd.DataFrame, min_count: int, *, seed: int = 0, ideal_draws: int = IDEAL_DRAWS
) -> pd.DataFrame:
    """:func:`shape_distance_table` by ``group`` for all Fourier parameters, Wasserstein columns
    (with the ideal generator's ratio, ``ideal_draws`` draws) then the energy distance as
    ``energy, energy_floor, energy_ratio``."""
    w = shape_distance_table(
        real, generated, ["group"], FOURIER_NAMES, "wasserstein", min_count, seed=seed, ideal_draws=ideal_draws
    )
    e = shape_distance_table(real, generated, ["group"], FOURIER_NAMES, "energy", min_count, seed=seed, median_se=())
    e = e[["group", "parameter", "energy", "floor", "ratio"]].rename(
        columns={"floor": "energy_floor", "ratio": "energy_ratio"}
    )
    return w.merge(e, on=["group", "parameter"], how="left")


def _label(vclass: str, subtype: Any) -> str:
    return f"{vclass} {subtype}" if isinstance(subtype, str) and subtype else f"{vclass} (no subtype)"


def _grouped(fourier: pd.DataFrame) -> pd.DataFrame:
    out = fourier.copy()
    out["group"] = [_label(v, s) for v, s in zip(out["vclass"], out["subtype"])]
    return out


def catalog_fourier(catalog: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The LMC stars of the OGLE-III catalog as rows ``ID, vclass, subtype, I`` (mean mag), ``period``
    (``P_1``, days; NaN when the catalog has no such column) and the
    Fourier parameters under :data:`FOURIER_NAMES` (amplitude = ``A_1``, the I-band peak-to-peak
    amplitude; phases wrapped into [0, 2 pi)); stars outside the eight classes are dropped. Also
    returns notes on the two catalog quirks handled:

    - ``R21_1`` or ``R31_1`` = 0 without a phase difference marks a harmonic OGLE did not fit
      (always so in the catalog), not a measured zero: it becomes NaN, so the comparison uses
      the stars with a measured harmonic (for LMC RRc about 20% of R21 and 50% of R31 are such
      zeros, so the catalog sample leans to the stars with stronger harmonics);
    - in the catalog's database export the delta Scuti rows hold phase differences under
      ``R21_1`` (up to 2 pi rad) and amplitude ratios under ``phi21_1`` (all below 1): a class
      whose median ``R21_1`` exceeds 1 while every ``phi21_1`` is below 1 rad gets the two
      columns swapped back.
    """
    needed = ["ID", "Field", "vclass", "subtype_norm", "I", *CATALOG_COLUMNS.values()]
    missing = [c for c in needed if c not in catalog.columns]
    if missing:
        raise ValueError(f"catalog is missing OGLE-III column(s) {missing}")
    lmc = catalog[catalog["Field"].astype(str).str.startswith("LMC") & catalog["vclass"].notna()]
    out = pd.DataFrame(
        {
            "ID": lmc["ID"].to_numpy(),
            "vclass": lmc["vclass"].to_numpy(),
            "subtype": lmc["subtype_norm"].fillna("").to_numpy(),
            "I": lmc["I"].to_numpy(float),
            "period": lmc["P_1"].to_numpy(float) if "P_1" in lmc else np.nan,
        }
    )
    for name, column in CATALOG_COLUMNS.items():
        values = lmc[column].to_numpy(float)
        out[name] = np.mod(values, 2 * math.pi) if name in ANGLE_NAMES else values
    notes = []
    for vclass, part in out.groupby("vclass"):
        r21, phi21 = part["R21"].dropna(), part["phi21"].dropna()
        if len(r21) and len(phi21) and r21.median() > 1 and phi21.max() < 1:
            out.loc[part.index, ["R21", "phi21"]] = part[["phi21", "R21"]].to_numpy()
            notes.append(f"{vclass}: the catalog's R21_1 and phi21_1 columns hold phi21 and R21 (swapped back)")
    for ratio, phase in (("R21", "phi21"), ("R31", "phi31")):
        unfitted = (out[ratio] == 0) & out[phase].isna()
        if unfitted.any():
            out.loc[unfitted, ratio] = np.nan
            notes.append(
                f"{ratio} = 0 without {phase} (harmonic not fitted by OGLE) treated as missing "
                f"for {int(unfitted.sum())} LMC stars"
            )
    return out, notes


@dataclass
class CatalogComparison:
    """OGLE-III catalog stars against generated OGLE-III light curves, per group.

    Attributes:
        real: catalog rows (:func:`catalog_fourier`) of the compared groups, with ``group``.
        generated: Fourier parameters of the generated light curves, with ``group``.
        table: :func:`compare_shapes` of the two.
        notes: catalog quirks handled (:func:`catalog_fourier`) and groups left out, and why.
    """

    real: pd.DataFrame
    generated: pd.DataFrame
    table: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def catalog_comparison(
    model: GenerativeModel, catalog: pd.DataFrame, *, n: int = CATALOG_N, min_count: int = MIN_COUNT, seed: int = 0
) -> CatalogComparison:
    """Compare OGLE-III LMC Fourier parameters with ``n`` light curves per group drawn by the public
    generator (OGLE-III cadence, I band) with periods drawn from the group's catalog periods
    (:func:`_period_matched`; shapes depend strongly on period, so the comparison is of shapes, not
    of period distributions) and the other physics drawn by ``model`` from its training stars.

    A catalog (class, subtype) is compared when the model was trained on that subtype; a class
    none of whose catalog subtypes the model knows (e.g. T2CEP, whose subtypes the model does not
    have) is compared as a whole against light curves generated without a subtype. Groups with
    fewer than ``min_count`` catalog stars with Fourier parameters, and classes the model does
    not have, are left out with a note. Stars of classes without absolute magnitudes in training
    get an apparent mean magnitude drawn within the group's 5-95% range of catalog I magnitudes.
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    stars, notes = catalog_fourier(catalog)
    stars = stars[stars[list(FOURIER_NAMES)].notna().any(axis=1)]
    model_classes = set(model.catalog.vclass.tolist())
    plan, unknown, whole = [], [], []
    for vclass, part in stars.groupby("vclass", sort=True):
        if vclass not in model_classes:
            notes.append(f"{vclass}: not in the model's training data")
            continue
        matched, missing = [], []
        for subtype in sorted(s for s in part["subtype"].unique() if s):
            try:
                model.catalog.rows(vclass, subtype)
                matched.append(subtype)
            except ConfigError:
                missing.append(f"{vclass} {subtype}")
        if matched:
            plan += [(_label(vclass, s), vclass, s, part[part["subtype"] == s]) for s in matched]
            unknown += missing
        else:
            plan.append((f"{vclass} (all subtypes)", vclass, None, part))
            whole.append(vclass)
    if whole:
        notes.append(
            "compared as whole classes, generated without a subtype (the model was trained on none of "
            "their catalog subtypes): " + ", ".join(whole)
        )
    if unknown:
        notes.append("left out, subtypes the model was not trained on: " + ", ".join(unknown))
    real, generated = [], []
    for label, vclass, subtype, part in plan:
        if len(part) < min_count:
            notes.append(f"{label}: {len(part)} catalog stars with Fourier parameters (< {min_count})")
            continue
        mags = part["I"].dropna()
        mean_mag = tuple(np.round(np.quantile(mags, [0.05, 0.95]), 2)) if len(mags) else _FALLBACK_MAG
        gen, clipped = _period_matched(model, vclass, subtype, part["period"].to_numpy(float), n, seed, mean_mag, label)
        if clipped:
            notes.append(
                f"{label}: {clipped} of {n} periods drawn from the catalog clipped to the model's training range"
            )
        real.append(part.assign(group=label))
        generated.append(gen.assign(group=label))
    if not real:
        empty = pd.DataFrame(columns=["group", *FOURIER_NAMES])
        return CatalogComparison(empty, empty, compare_shapes(empty, empty, min_count, seed=seed), notes)
    real_all, gen_all = pd.concat(real, ignore_index=True), pd.concat(generated, ignore_index=True)
    return CatalogComparison(real_all, gen_all, compare_shapes(real_all, gen_all, min_count, seed=seed), notes)


def _period_matched(
    model: GenerativeModel,
    vclass: str,
    subtype: str | None,
    periods: np.ndarray,
    n: int,
    seed: int,
    mean_mag: tuple[float, float],
    label: str,
) -> tuple[pd.DataFrame, int]:
    """Fourier parameters of ``n`` generated light curves whose periods (days) are drawn from
    ``periods``, clipped to the model's training range for the group, and generated in
    :data:`_PERIOD_BINS` quantile bins (each at its median period); also the number clipped.
    Without finite periods the model draws them from its training stars."""
    logp = np.log10(periods[np.isfinite(periods) & (periods > 0)])
    lo, hi = model.catalog.ranges(vclass, subtype)["log10_period"]
    kwargs = {"cadence": "ogle3", "bands": ("I",), "model": model, "fallback_mean_mag": mean_mag}
    if logp.size == 0 or not (math.isfinite(lo) and math.isfinite(hi)):
        table = generate_table(StarRequest(vclass, subtype=subtype), n=n, seed=seed, **kwargs)
        return fourier_table(folded_curves(table)), 0
    draw = np.random.default_rng(seed).choice(logp, n)
    clipped = int(((draw < lo) | (draw > hi)).sum())
    draw = np.clip(draw, lo + 1e-6, hi - 1e-6)  # the margin survives the round trip through days
    edges = np.quantile(draw, np.linspace(0, 1, _PERIOD_BINS + 1))
    bins = np.clip(np.searchsorted(edges, draw, side="right") - 1, 0, _PERIOD_BINS - 1)
    parts = []
    for k in np.unique(bins):
        request = StarRequest(vclass, subtype=subtype, period=float(10 ** np.median(draw[bins == k])))
        table = generate_table(
            request, n=int((bins == k).sum()), seed=seed + int(k), id_prefix=f"{label}-{k}-", **kwargs
        )
        parts.append(fourier_table(folded_curves(table)))
    return pd.concat(parts, ignore_index=True), clipped


# ----------------------------------------------------------------------------------------- figures


def _figure_groups(real: pd.DataFrame, compared: Sequence[str]) -> list[str]:
    """Up to :data:`_FIG_GROUPS` compared groups: named subtypes first, largest first, at most
    :data:`_FIG_PER_CLASS` per class (then the others), so that the figures span the classes."""
    info = (
        real[real["group"].isin(compared)]
        .groupby("group")
        .agg(vclass=("vclass", "first"), named=("subtype", lambda s: bool(s.iloc[0])), n=("vclass", "size"))
    )
    ranked = info.sort_values(["named", "n"], ascending=False)
    chosen: list[str] = []
    per_class: dict[str, int] = {}
    for group, row in ranked.iterrows():
        if per_class.get(row["vclass"], 0) < _FIG_PER_CLASS:
            chosen.append(str(group))
            per_class[row["vclass"]] = per_class.get(row["vclass"], 0) + 1
    rest = [str(g) for g in ranked.index if g not in chosen]
    return (chosen + rest)[:_FIG_GROUPS]


def _range(samples: list[np.ndarray], name: str) -> tuple[float, float]:
    if name in ANGLE_NAMES:
        return 0.0, 2 * math.pi
    values = [s[np.isfinite(s)] for s in samples]
    values = [v for v in values if v.size]
    lo = min(float(np.quantile(v, 0.01)) for v in values)
    hi = max(float(np.quantile(v, 0.99)) for v in values)
    return min(lo, 0.0), hi if hi > lo else lo + 1.0


def _histogram_figure(
    ctx: EvalContext, groups: list[str], real: pd.DataFrame, gen: pd.DataFrame, cat: CatalogComparison | None
) -> str:
    height = 1.9 * len(groups) + 1.0
    fig = Figure(figsize=(13.0, height), dpi=FIGURE_DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=0.05, right=0.99, bottom=0.55 / height, top=1 - 0.45 / height, wspace=0.12, hspace=0.3)
    axes = fig.subplots(len(groups), len(FOURIER_NAMES), squeeze=False)
    for i, group in enumerate(groups):
        sets: list[tuple[pd.DataFrame, str, str, Literal["step", "stepfilled"]]] = [
            (real, "real (held-out)", _REAL, "stepfilled"),
            (gen, "generated (twins)", _GEN, "step"),
        ]
        if cat is not None and group in set(cat.table["group"]):
            sets += [
                (cat.real, "real (OGLE-III LMC, I)", _CAT, "step"),
                (cat.generated, "generated (OGLE-III cadence, I)", _CAT_GEN, "step"),
            ]
        for j, name in enumerate(FOURIER_NAMES):
            ax: Axes = axes[i, j]
            samples = [f.loc[f["group"] == group, name].to_numpy(float) for f, *_ in sets]
            lo, hi = _range(samples, name)
            for values, (_, label, color, style) in zip(samples, sets):
                values = values[np.isfinite(values)]
                if values.size:
                    ax.hist(
                        values,
                        bins=30,
                        range=(lo, hi),
                        density=True,
                        histtype=style,
                        color=color,
                        alpha=0.5 if style == "stepfilled" else 1.0,
                        label=label,
                        linestyle="--" if color in (_CAT, _CAT_GEN) else "-",
                    )
            ax.set_yticks([])
            if i == len(groups) - 1:
                ax.set_xlabel(_UNITS[name])
            if j == 0:
                ax.set_ylabel(f"{group}\ndensity", fontsize=8)
    handles: dict[str, Any] = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    fig.legend(list(handles.values()), list(handles), loc="upper center", ncols=4, fontsize=8)
    return ctx.save_figure(fig, "shapes_histograms")


def _plane_figure(
    ctx: EvalContext,
    name: str,
    groups: list[str],
    real: pd.DataFrame,
    gen: pd.DataFrame,
    labels: tuple[str, str],
    colors: tuple[str, str],
    seed: int,
) -> str:
    ncols = min(4, len(groups))
    nrows = math.ceil(len(groups) / ncols)
    height = 2.9 * nrows + 0.3
    fig = Figure(figsize=(3.3 * ncols, height), dpi=FIGURE_DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(
        left=0.22 / ncols, right=0.98, bottom=0.5 / height, top=1 - 0.35 / height, wspace=0.32, hspace=0.5
    )
    axes = fig.subplots(nrows, ncols, squeeze=False)
    rng = np.random.default_rng(seed)
    for ax, group in zip(axes.flat, groups):
        pairs = []
        for frame, label, color in zip((real, gen), labels, colors):
            p = frame.loc[frame["group"] == group, ["phi21", "R21"]].dropna().to_numpy(float)
            n = len(p)
            p = p[rng.permutation(n)[:_MAX_POINTS]]
            pairs.append(p)
            ax.scatter(p[:, 0], p[:, 1], s=4, alpha=0.5, color=color, label=f"{label} ({n})", linewidths=0)
        top = max(float(np.quantile(p[:, 1], 0.99)) for p in pairs if len(p))
        ax.set(
            xlim=(0, 2 * math.pi),
            ylim=(0, 1.05 * top if top > 0 else 1.0),
            title=group,
            xlabel="phi21 (rad)",
            ylabel="R21",
        )
        ax.legend(fontsize=7, markerscale=3)
    for ax in list(axes.flat)[len(groups) :]:
        ax.set_visible(False)
    return ctx.save_figure(fig, name)


# ------------------------------------------------------------------------------------ the section


def _group_numbers(table: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for group, part in table.groupby("group", sort=True):
        out[str(group)] = {
            row["parameter"]: {k: row[k] for k in table.columns if k not in ("group", "parameter", "ideal_draws")}
            for _, row in part.iterrows()
        }
    return out


def _ideal_overall(table: pd.DataFrame) -> dict[str, Any]:
    """What an ideal generator scores on the statistics of :func:`_overall`: the mean over the draws
    of :func:`ideal_ratio_draws` of each statistic over the pairs (the expected value under the null)."""
    if "ideal_draws" not in table or table.empty:
        return {}
    draws = np.vstack(table["ideal_draws"].to_list())  # (pairs, draws)
    ok = np.isfinite(draws).any(axis=0)
    if not ok.any():
        return {}
    draws = draws[:, ok]
    params = table["parameter"].to_numpy()
    with np.errstate(invalid="ignore"):
        return {
            "ideal_median_ratio": float(np.mean(np.nanmedian(draws, axis=0))),
            "ideal_within_2x_floor": float(np.mean((draws <= 2).sum(axis=0))),
            "ideal_above_5x_floor": float(np.mean((draws > 5).sum(axis=0))),
            "ideal_median_ratio_by_parameter": {
                p: float(np.mean(np.nanmedian(draws[params == p], axis=0)))
                for p in FOURIER_NAMES
                if (params == p).any()
            },
            "ideal_draws": int(draws.shape[1]),
        }


def _overall(table: pd.DataFrame) -> dict[str, Any]:
    ratio = table["ratio"].dropna()
    return {
        "n_groups": int(table["group"].nunique()),
        "n_pairs": int(len(table)),
        "median_ratio": float(ratio.median()) if len(ratio) else math.nan,
        "median_energy_ratio": float(table["energy_ratio"].median()) if len(table) else math.nan,
        "within_2x_floor": int((ratio <= 2).sum()),
        "above_5x_floor": int((ratio > 5).sum()),
        "median_ratio_by_parameter": {
            p: float(table.loc[table["parameter"] == p, "ratio"].median())
            for p in FOURIER_NAMES
            if (table["parameter"] == p).any()
        },
        **_ideal_overall(table),
    }


def _describe(table: pd.DataFrame, what: str, focus: list[str]) -> str:
    """Findings in words from a comparison table (all numbers measured)."""
    if table.empty:
        return f"{what}: no group had enough light curves to compare."
    o = _overall(table)
    ideal = o.get("ideal_median_ratio_by_parameter", {})
    by_param = ", ".join(
        f"{p} {v:.2f}" + (f" (ideal {ideal[p]:.2f})" if p in ideal else "")
        for p, v in o["median_ratio_by_parameter"].items()
    )
    worst = table.dropna(subset=["ratio"]).nlargest(3, "ratio")
    worst_text = "; ".join(
        f"{r.group} {r.parameter} (generated median {r.median_gen:.3g} vs real "
        f"{r.median_real:.3g}, {r.ratio:.1f}x floor{_ideal_words(r)})"
        for r in worst.itertuples()
    )
    best = table.dropna(subset=["ratio"]).nsmallest(3, "ratio")
    best_text = "; ".join(f"{r.group} {r.parameter} ({r.ratio:.2f}x{_ideal_words(r)})" for r in best.itertuples())
    if "ideal_median_ratio" in o:
        ideal_text = (
            f" (an ideal generator: {o['ideal_median_ratio']:.2f}, the mean over {o['ideal_draws']} "
            "draws of real resamples at the same sizes)"
        )
        counts = f" (ideal generator: {o['ideal_within_2x_floor']:.1f} and {o['ideal_above_5x_floor']:.1f} expected)"
    else:
        ideal_text = counts = ""
    lines = [
        f"{what}: {o['n_groups']} groups, {o['n_pairs']} group-parameter pairs. Median Wasserstein "
        f"distance / noise floor {o['median_ratio']:.2f}{ideal_text}; energy distance "
        f"{o['median_energy_ratio']:.2f}; {o['within_2x_floor']} pairs within 2x the floor, "
        f"{o['above_5x_floor']} above 5x{counts}. Median ratio by parameter: {by_param}.",
        f"Farthest from the real distribution: {worst_text}. Closest: {best_text}.",
    ]
    medians = []
    for group in focus:
        part = table[(table["group"] == group) & table["parameter"].isin(["amplitude", "R21", "phi21"])]
        if len(part):
            medians.append(
                f"{group}: "
                + ", ".join(
                    f"{r.parameter} {r.median_gen:.3g} generated vs {r.median_real:.3g} real" for r in part.itertuples()
                )
            )
    if medians:
        lines.append("Medians: " + "; ".join(medians) + ".")
    return "\n".join(lines)


def _ideal_words(row: Any) -> str:
    """``; ideal 0.71x`` for a table row with an ideal-generator ratio, else nothing."""
    value = getattr(row, "ideal_ratio", math.nan)
    return f"; ideal {value:.2f}x" if np.isfinite(value) else ""


def _markdown(table: pd.DataFrame) -> pd.DataFrame:
    columns = ["group", "parameter", "n_real", "n_gen", "median_real", "median_gen", "wasserstein", "floor", "ratio"]
    out = table[columns + (["ideal_ratio"] if "ideal_ratio" in table else [])].reset_index(drop=True)
    return out.rename(columns={"ideal_ratio": "ideal generator ratio"})


def _ideal_reference(overall: dict[str, Any]) -> str:
    """The summary table's reference for a median ratio: the ideal generator's, measured."""
    value = overall.get("ideal_median_ratio", math.nan)
    return f"{value:.2f} (ideal generator)" if np.isfinite(value) else "n/a"


def evaluate_shapes(ctx: EvalContext) -> Section:
    """The shape-statistics section: held-out and OGLE-III catalog comparisons, tables, figures."""
    min_count = QUICK_MIN_COUNT if ctx.quick else MIN_COUNT
    n_catalog = QUICK_CATALOG_N if ctx.quick else CATALOG_N
    real, gen = _grouped(ctx.test_real_fourier), _grouped(ctx.test_twin_fourier)
    held = compare_shapes(real, gen, min_count, seed=ctx.seed)
    section = Section("shapes", "Shape statistics: Fourier parameters of generated vs real light curves")
    method = (
        "Order-4 Fourier fits (OGLE convention) of folded light curves; per (class, subtype) with "
        f">= {min_count} light curves, Wasserstein-1 distance between real and generated values next to "
        "its noise floor (the same distance between two random halves of the real group; for the "
        "catalog, a generated-sized random part of the catalog against the rest). A perfect generator "
        "scores about 0.7 (held-out) or about 1 (catalog) times the floor; the 'ideal generator ratio' is "
        f"that value measured for each pair (mean over {IDEAL_DRAWS} draws in which resamples of the real "
        "values stand for both the real and the generated sample, at their sizes). phi21 and phi31 are compared "
        "after rotating both samples so that the real circular mean is 0, wrapped to [-pi, pi); their generated "
        "median is the real one plus the angular difference of the medians."
    )
    summary: dict[str, Any] = {
        "method": method,
        "heldout": {"min_count": min_count, **_overall(held), "groups": _group_numbers(held)},
    }
    headline = {"held-out W1 / floor (median)": summary["heldout"]["median_ratio"]}
    summary["headline_reference"] = {"held-out W1 / floor (median)": _ideal_reference(summary["heldout"])}
    texts = [method]
    groups = _figure_groups(real, list(held["group"].unique())) if not held.empty else []
    texts.append(_describe(held, f"Held-out stars vs their generated twins ({ctx.label})", groups[:4]))
    section.tables.append(
        (
            f"Held-out stars vs generated twins: Fourier parameters (>= {min_count} light curves "
            "per group; Wasserstein distance, noise floor and ratio)",
            _markdown(held),
        )
    )
    cat: CatalogComparison | None = None
    if ctx.ogle3_catalog is None:
        texts.append(f"OGLE-III catalog comparison skipped: no catalog under {ctx.data_root}/ogle3-catalog.")
        summary["catalog"] = {"skipped": "OGLE-III catalog not found"}
    else:
        cat = catalog_comparison(ctx.model, ctx.ogle3_catalog, n=n_catalog, min_count=min_count, seed=ctx.seed)
        dropped = ctx.ogle3_catalog.attrs.get("dropped_training_stars", 0)
        texts.append(
            f"The catalog is used without the {dropped} OGLE-III stars whose light curves the model "
            "trained on (training and validation splits)."
        )
        summary["catalog"] = {
            "training_stars_left_out": dropped,
            "n_generated_per_group": n_catalog,
            "cadence": "ogle3",
            "band": "I",
            **_overall(cat.table),
            "groups": _group_numbers(cat.table),
            "notes": cat.notes,
        }
        headline["OGLE-III W1 / floor (median)"] = summary["catalog"]["median_ratio"]
        summary["headline_reference"]["OGLE-III W1 / floor (median)"] = _ideal_reference(summary["catalog"])
        texts.append(
            _describe(
                cat.table,
                f"OGLE-III LMC catalog (I band) vs {n_catalog} generated OGLE-III light curves per group",
                list(cat.table["group"].unique())[:4],
            )
        )
        if cat.notes:
            texts.append("Catalog notes: " + "; ".join(cat.notes) + ".")
        section.tables.append(
            (
                f"OGLE-III LMC catalog vs generated light curves (OGLE-III cadence, I band, {n_catalog} per group)",
                _markdown(cat.table),
            )
        )
    summary["headline"] = headline
    if groups:
        section.figures.append(
            (
                "Fourier parameters per group: real held-out stars, their generated twins and, "
                "where compared, the OGLE-III catalog and generated OGLE-III light curves",
                _histogram_figure(ctx, groups, real, gen, cat),
            )
        )
        section.figures.append(
            (
                "R21 against phi21, real held-out stars and their generated twins",
                _plane_figure(
                    ctx, "shapes_r21_phi21_heldout", groups, real, gen, ("real", "generated"), (_REAL, _GEN), ctx.seed
                ),
            )
        )
    if cat is not None:
        planes = [
            g
            for g in cat.table["group"].unique()
            if ((cat.table["group"] == g) & (cat.table["parameter"] == "R21")).any()
        ]
        if planes:
            section.figures.append(
                (
                    "R21 against phi21: OGLE-III LMC catalog (real) and generated OGLE-III light curves (I band)",
                    _plane_figure(
                        ctx,
                        "shapes_r21_phi21_ogle3",
                        planes,
                        cat.real,
                        cat.generated,
                        ("real (OGLE-III)", "generated"),
                        (_CAT, _CAT_GEN),
                        ctx.seed,
                    ),
                )
            )
    section.summary = summary
    section.text = "\n\n".join(texts)
    return section
