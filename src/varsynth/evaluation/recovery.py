"""Period recovery per cadence: does a Lomb-Scargle search find the period a light curve was made with?

For every cadence of the library (except ``file`` and ``opsim``, which need a user's file), light
curves of the classes :data:`RECOVERY_CLASSES` are generated with the public generator (physics
drawn), and each light curve's Lomb-Scargle period (:func:`recovered_period`) is compared with the
requested one (:func:`is_recovered`: within 1%). Next to it, the same figure for real held-out
light curves resampled to the cadence: each real star's folded light curve is fitted with a
Fourier series (:func:`fit_template`), and the template replaces the shape of a generated star of
the same class on that cadence, folded on the real star's period, keeping the generated star's
epochs, bands, mean magnitude per band and errors (:func:`resample_template`). Real and generated
light curves then differ in shape, amplitude and period only, so the difference between the two
fractions is what the model's shapes and amplitudes cost (or gain) a period search.

Eclipsing and ellipsoidal binaries (:data:`BINARY_CLASSES`) carry their orbital period, and a
Lomb-Scargle search usually finds half of it (two similar dips per orbit); their recovery is
reported twice: strict (the period itself) and binary-aware (the period or half of it).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from astropy.timeseries import LombScargle
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from varsynth.cadences import CADENCES, Cadence, get_cadence
from varsynth.evaluation.binomial import compare_fractions
from varsynth.evaluation.context import FIGURE_DPI, EvalContext, Section
from varsynth.generation import StarRequest, iter_generate
from varsynth.lightcurve.folding import fourier_design

__all__ = [
    "BINARY_CLASSES",
    "MAX_PERIOD",
    "MIN_PERIOD",
    "RECOVERY_CLASSES",
    "SKIPPED_CADENCES",
    "TOLERANCE",
    "evaluate_recovery",
    "fit_template",
    "fourier_template",
    "is_recovered",
    "recovered_period",
    "resample_template",
    "search_window",
]

#: Classes whose period recovery is measured.
RECOVERY_CLASSES: tuple[str, ...] = ("CEP", "RRLYR", "ECL", "DSCT", "LPV")
#: Classes whose period is orbital, so that half of it counts in the binary-aware numbers.
BINARY_CLASSES: tuple[str, ...] = ("ECL", "ELL")
#: Cadences left out, with the reason.
SKIPPED_CADENCES: dict[str, str] = {"file": "needs a user's table of epochs", "opsim": "needs a user's OpSim database"}
#: Relative tolerance on the period.
TOLERANCE = 0.01
#: Shortest (days) and longest (days) period any search considers.
MIN_PERIOD, MAX_PERIOD = 0.04, 1000.0
#: Light curves per class (full, quick mode).
N_FULL, N_QUICK = 60, 8
#: Fewest epochs a light curve needs for a period search.
MIN_EPOCHS = 5
#: Highest Fourier order of the real stars' templates.
TEMPLATE_ORDER = 8


def search_window(period_range: tuple[float, float], baseline: float) -> tuple[float, float]:
    """The periods (days) searched for a light curve of a class whose periods span ``period_range``
    (days) observed over ``baseline`` days: from half the class's shortest period (so that half
    an orbital period is reachable) to twice its longest, within [:data:`MIN_PERIOD`,
    min(:data:`MAX_PERIOD`, baseline / 2)].

    Raises:
        ValueError: a non-positive or unordered range, or a baseline too short for any period.
    """
    lo, hi = (float(v) for v in period_range)
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi):
        raise ValueError(f"period_range must be finite with 0 < low <= high (days), got {period_range!r}")
    low, high = max(MIN_PERIOD, lo / 2), min(MAX_PERIOD, 2 * hi, baseline / 2)
    if not high > low:
        raise ValueError(f"baseline {baseline:.4g} d is too short to search periods from {low:.4g} d")
    return low, high


def recovered_period(
    time: np.ndarray,
    mag: np.ndarray,
    err: np.ndarray,
    band: np.ndarray | None = None,
    *,
    min_period: float,
    max_period: float,
    samples_per_peak: float = 1.0,
    n_refine: int = 20,
) -> float:
    """The period (days) of the highest Lomb-Scargle peak between ``min_period`` and ``max_period``.

    Several bands are searched together: each band's error-weighted mean magnitude is subtracted
    and one periodogram of all epochs is computed (a common sinusoid with one offset per band;
    band-to-band amplitude differences are ignored). Astropy's LombScargleMultiband is not used
    because its fast method computes one periodogram per band (five times the cost for LSST).

    The search runs in two steps. A coarse periodogram on a regular frequency grid, computed
    with astropy's fast (Press & Rybicki) method, with at least ``samples_per_peak`` frequencies
    per peak width 1 / baseline, raised to fill the method's FFT size at no extra cost; then the
    ``n_refine`` highest coarse peaks are recomputed exactly on a grid 5 times finer, and the
    best refined peak gives the period.

    Arguments:
        time: epochs (days, e.g. MJD), shape (N,), N >= :data:`MIN_EPOCHS`.
        mag: magnitudes, shape (N,).
        err: 1-sigma errors (mag), > 0, shape (N,).
        band: band name of each epoch (``None``: one band).
        min_period, max_period: the periods searched (days), 0 < min_period < max_period.
        samples_per_peak: lowest number of coarse frequencies per peak width (> 0).
        n_refine: coarse peaks recomputed exactly (>= 1).

    Returns:
        The period (days); NaN when the periodogram is undefined everywhere (constant data).

    Raises:
        ValueError: inputs of different lengths, too few epochs, a non-positive error, a zero
            baseline or an invalid search setting (each named with its valid range).
    """
    t, y, dy = (np.asarray(a, dtype=np.float64) for a in (time, mag, err))
    if t.ndim != 1 or y.shape != t.shape or dy.shape != t.shape:
        raise ValueError(f"time, mag and err must be 1-D of one length; got shapes {t.shape}, {y.shape}, {dy.shape}")
    if t.size < MIN_EPOCHS:
        raise ValueError(f"need at least {MIN_EPOCHS} epochs for a period search, got {t.size}")
    if not (np.isfinite(t).all() and np.isfinite(y).all() and np.isfinite(dy).all() and (dy > 0).all()):
        raise ValueError("time, mag and err must be finite, and err > 0 (mag)")
    if not (0 < min_period < max_period):
        raise ValueError(f"need 0 < min_period < max_period (days), got {min_period!r} and {max_period!r}")
    if not samples_per_peak > 0:
        raise ValueError(f"samples_per_peak must be > 0, got {samples_per_peak!r}")
    if n_refine < 1:
        raise ValueError(f"n_refine must be >= 1, got {n_refine!r}")
    baseline = float(np.ptp(t))
    if baseline <= 0:
        raise ValueError("the epochs span no time (baseline 0 days)")
    if band is not None:
        band = np.asarray(band)
        if band.shape != t.shape:
            raise ValueError(f"band must have the shape of time {t.shape}, got {band.shape}")
        y = y.copy()
        for b in np.unique(band):
            sel = band == b
            w = dy[sel] ** -2
            y[sel] -= np.sum(w * y[sel]) / np.sum(w)
    t = t - t.min()
    f_lo, f_hi = 1.0 / max_period, 1.0 / min_period
    oversampling = 3  # with Mfft 12: coarse powers within ~1% of the exact ones, at 3/5 of astropy's default cost
    n_min = int(math.ceil((f_hi - f_lo) * baseline * samples_per_peak)) + 1
    n_freq = max(n_min, (1 << int(math.ceil(math.log2(n_min * oversampling)))) // oversampling)
    df = (f_hi - f_lo) / (n_freq - 1)
    periodogram = LombScargle(t, y, dy)
    with np.errstate(divide="ignore", invalid="ignore"):
        coarse = periodogram.power(
            f_lo + df * np.arange(n_freq),
            method="fast",
            assume_regular_frequency=True,
            method_kwds={"algorithm": "fasper", "trig_sum_kwds": {"oversampling": oversampling, "Mfft": 12}},
        )
    coarse = np.where(np.isfinite(coarse), coarse, -np.inf)
    padded = np.concatenate([[-np.inf], coarse, [-np.inf]])
    peaks = np.flatnonzero((coarse >= padded[:-2]) & (coarse >= padded[2:]) & np.isfinite(coarse))
    if peaks.size == 0:
        return math.nan
    top = peaks[np.argpartition(coarse[peaks], -n_refine)[-n_refine:]] if peaks.size > n_refine else peaks
    fine = np.unique(np.clip((f_lo + df * top)[:, None] + df * np.linspace(-1, 1, 11)[None, :], f_lo, f_hi))
    with np.errstate(divide="ignore", invalid="ignore"):
        power = periodogram.power(fine, method="cython")
    power = np.where(np.isfinite(power), power, -np.inf)
    return float(1.0 / fine[np.argmax(power)]) if np.isfinite(power).any() else math.nan


def is_recovered(
    found: float | np.ndarray, true: float | np.ndarray, tol: float = TOLERANCE, binary: bool | np.ndarray = False
) -> bool | np.ndarray:
    """Whether a found period is within a relative ``tol`` of the true one; with ``binary`` (an
    orbital period) half the true period counts too. NaN periods are not recovered. Arrays
    broadcast and give an array."""
    if not 0 < tol < 1:
        raise ValueError(f"tol must be in (0, 1), got {tol!r}")
    found, true = np.asarray(found, dtype=np.float64), np.asarray(true, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        strict = np.abs(found / true - 1) <= tol
        half = np.asarray(binary, dtype=bool) & (np.abs(2 * found / true - 1) <= tol)
    out = strict | half
    return bool(out) if out.ndim == 0 else out


def fourier_template(coef: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """The Fourier series ``a0 + sum_k a_k cos(2 pi k phase) + b_k sin(2 pi k phase)`` (mag) at
    ``phase``, with ``coef = [a0, a_1..a_K, b_1..b_K]`` (length 2K + 1)."""
    coef = np.asarray(coef, dtype=np.float64)
    if coef.ndim != 1 or coef.size % 2 != 1:
        raise ValueError(f"coef must be 1-D of odd length 2 * order + 1, got shape {coef.shape}")
    return fourier_design(np.asarray(phase, dtype=np.float64), coef.size // 2) @ coef


def fit_template(phase: np.ndarray, mag: np.ndarray, err: np.ndarray, max_order: int = TEMPLATE_ORDER) -> np.ndarray:
    """Coefficients (for :func:`fourier_template`) of a weighted least-squares Fourier series fitted
    to a folded light curve (phases in [0, 1), magnitudes and errors in mag).

    The order is ``max_order``, lower when the light curve has fewer than three points per
    coefficient, and lowered further while the series' peak-to-peak exceeds 1.5 times the data's
    (ringing in phase gaps).

    Raises:
        ValueError: fewer than 9 points (an order-1 fit with three points per coefficient), even
            the order-1 series' peak-to-peak exceeds 1.5 times the data's, arrays of different
            lengths, or ``max_order`` < 1.
    """
    phase, mag, err = (np.asarray(a, dtype=np.float64) for a in (phase, mag, err))
    if phase.ndim != 1 or mag.shape != phase.shape or err.shape != phase.shape:
        raise ValueError(f"phase, mag and err must be 1-D of one length; got {phase.shape}, {mag.shape}, {err.shape}")
    if max_order < 1:
        raise ValueError(f"max_order must be >= 1, got {max_order}")
    order = min(max_order, (phase.size // 3 - 1) // 2)
    if order < 1:
        raise ValueError(f"need at least 9 points for a Fourier template, got {phase.size}")
    w = 1.0 / np.maximum(err, 1e-6)
    grid = np.linspace(0.0, 1.0, 200, endpoint=False)
    for k in range(order, 0, -1):
        coef, *_ = np.linalg.lstsq(fourier_design(phase, k) * w[:, None], mag * w, rcond=None)
        if np.ptp(fourier_template(coef, grid)) <= 1.5 * np.ptp(mag):
            return coef
    raise ValueError(
        f"every Fourier series up to order {order} overshoots the data by more than 1.5 times its "
        "peak-to-peak (phase gaps too large for a template)"
    )


def resample_template(
    coef: np.ndarray,
    period: float,
    time: np.ndarray,
    band: np.ndarray,
    mag: np.ndarray,
    err: np.ndarray,
    epoch: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """Magnitudes of a light curve with the epochs ``time`` (MJD), bands and errors (mag) of a
    generated one, whose shape is the template ``coef`` folded on ``period`` (days) from ``epoch``
    (MJD): each band's mean of ``mag`` plus the template less its mean (``coef[0]``), plus
    Gaussian noise of ``err``. The same template serves every band."""
    if not (math.isfinite(period) and period > 0):
        raise ValueError(f"period must be > 0 days, got {period!r}")
    time, mag, err = (np.asarray(a, dtype=np.float64) for a in (time, mag, err))
    band = np.asarray(band)
    shape = fourier_template(coef, np.mod((time - epoch) / period, 1.0)) - coef[0]
    mean = np.empty_like(mag)
    for b in np.unique(band):
        sel = band == b
        mean[sel] = mag[sel].mean()
    return mean + shape + rng.standard_normal(time.size) * err


@dataclass
class _Curves:
    """Generated long-format light curves split per star: arrays and each star's slice."""

    table: dict[str, np.ndarray]
    starts: np.ndarray
    stops: np.ndarray

    @classmethod
    def from_arrow(cls, table: pa.Table) -> _Curves:
        cols = {
            c: table[c].to_numpy(zero_copy_only=False)
            for c in ("id", "time", "band", "mag", "mag_err", "period", "epoch")
        }
        ids = cols["id"]
        change = np.flatnonzero(ids[1:] != ids[:-1]) + 1 if ids.size else np.zeros(0, int)
        starts = np.concatenate([[0], change]) if ids.size else change
        stops = np.concatenate([change, [ids.size]]) if ids.size else change
        return cls(cols, starts, stops)

    def __len__(self) -> int:
        return self.starts.size

    def star(self, i: int) -> dict[str, np.ndarray]:
        sl = slice(self.starts[i], self.stops[i])
        return {k: v[sl] for k, v in self.table.items()}


def _generate(ctx: EvalContext, vclass: str, cadence: Cadence, n: int, seed: int) -> _Curves:
    """``n`` light curves of ``vclass`` (physics drawn) on ``cadence``; a star's id is its index
    (stars that got no epochs are missing)."""
    chunks = list(
        iter_generate(StarRequest(vclass), n=n, cadence=cadence, model=ctx.model, seed=seed, chunk_size=n, id_prefix="")
    )
    return _Curves.from_arrow(pa.concat_tables(chunks))


def _search(curve: dict[str, np.ndarray], window: tuple[float, float]) -> tuple[float, int]:
    """The found period (NaN when too few epochs or no search range) and the number of epochs."""
    n = curve["time"].size
    if n < MIN_EPOCHS:
        return math.nan, n
    try:
        low, high = search_window(window, float(np.ptp(curve["time"])))
    except ValueError:
        return math.nan, n
    found = recovered_period(
        curve["time"], curve["mag"], curve["mag_err"], curve["band"], min_period=low, max_period=high
    )
    return found, n


def _real_stars(real: pd.DataFrame, classes: Sequence[str], n: int, seed: int) -> pd.DataFrame:
    """Up to ``n`` real stars per class (one light curve each, the one with most points) with a
    finite period and a Fourier template (:func:`fit_template`; stars without one are left out,
    counted in the ``attrs["no_template"]`` of the result), and their template coefficients."""
    points = real["phase"].map(len)
    ok = real["vclass"].isin(classes) & np.isfinite(real["period"]) & (real["period"] > 0) & (points >= 9)
    frame = real[ok].assign(n_points=points[ok]).sort_values("n_points", ascending=False, kind="stable")
    frame = frame.drop_duplicates("star_key").sort_index().reset_index(drop=True)
    coefs: list[np.ndarray | None] = []
    for p, m, e in zip(frame["phase"], frame["mag"], frame["mag_err"]):
        try:
            coefs.append(fit_template(p, m, e))
        except ValueError:
            coefs.append(None)
    frame["coef"] = coefs
    has = np.array([c is not None for c in coefs], dtype=bool)
    rng = np.random.default_rng([seed, 7])
    picks = [rng.permutation(np.flatnonzero((frame["vclass"].to_numpy() == c) & has))[:n] for c in classes]
    chosen = frame.iloc[np.sort(np.concatenate(picks))].reset_index(drop=True)
    chosen.attrs["no_template"] = int((~has).sum())
    return chosen


def _fractions(rows: pd.DataFrame) -> dict[str, float]:
    """n, strict and binary-aware fractions recovered, median epochs and error (mag) of a group of light curves."""
    n = len(rows)
    return {
        "n": n,
        "strict": float(rows["strict"].mean()) if n else math.nan,
        "binary_aware": float(rows["binary_aware"].mean()) if n else math.nan,
        "median_epochs": float(rows["n_epochs"].median()) if n else math.nan,
        "median_err": float(rows["err"].median()) if n else math.nan,
    }


def _summaries(
    per_curve: pd.DataFrame, cadences: Sequence[str], classes: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per cadence x class, and per cadence over the classes that have real light curves."""
    by_class, by_cadence = [], []
    real_classes = sorted(set(per_curve.loc[per_curve["arm"] == "real", "vclass"]))
    for cadence in cadences:
        here = per_curve[per_curve["cadence"] == cadence]
        for vclass in classes:
            row: dict[str, object] = {"cadence": cadence, "class": vclass}
            for arm in ("generated", "real"):
                part = _fractions(here[(here["vclass"] == vclass) & (here["arm"] == arm)])
                row.update({f"{arm} {k}": v for k, v in part.items()})
            by_class.append(row)
        common = here[here["vclass"].isin(real_classes)]
        row = {"cadence": cadence}
        for arm in ("generated", "real"):
            part = _fractions(common[common["arm"] == arm])
            row.update({f"{arm} {k}": v for k, v in part.items()})
        by_cadence.append(row)
    return pd.DataFrame(by_class), pd.DataFrame(by_cadence)


def _figure(ctx: EvalContext, by_class: pd.DataFrame, cadences: Sequence[str], classes: Sequence[str]) -> str:
    """Grouped bars per cadence (binary-aware fraction, strict as ticks); returns the relative path."""
    ncols = 3
    nrows = math.ceil(len(cadences) / ncols)
    fig = Figure(figsize=(11, 3.2 * nrows), dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel()
    x = np.arange(len(classes))
    width = 0.38
    for ax, cadence in zip(axes, cadences):
        rows = by_class[by_class["cadence"] == cadence].set_index("class").loc[list(classes)]
        for offset, arm, colour in ((-width / 2, "real", "tab:blue"), (width / 2, "generated", "tab:orange")):
            n = rows[f"{arm} n"].to_numpy(float)
            frac = rows[f"{arm} binary_aware"].to_numpy(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                sigma = np.sqrt(frac * (1 - frac) / n)
            ax.bar(
                x + offset,
                np.nan_to_num(frac),
                width,
                yerr=np.nan_to_num(sigma),
                color=colour,
                label=arm,
                capsize=2,
                error_kw={"lw": 0.8},
            )
            ax.scatter(
                x + offset,
                rows[f"{arm} strict"].to_numpy(float),
                marker="_",
                s=120,
                color="k",
                zorder=3,
                label="strict (the period itself)" if arm == "generated" else None,
            )
        ax.set_xticks(x, list(classes), fontsize=8)
        ax.set_title(
            f"{cadence} (median {rows['generated median_epochs'].median():.0f} epochs per light curve)", fontsize=9
        )
        ax.set_ylim(0, 1.05)
        ax.tick_params(labelsize=8)
    for ax in axes[len(cadences) :]:
        ax.set_visible(False)
    for ax in axes[::ncols]:
        ax.set_ylabel(f"fraction recovered (|P_LS / P - 1| <= {TOLERANCE:.0%})", fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper center", ncols=3, fontsize=8)

    return ctx.save_figure(fig, "recovery")


def _alike(row: dict[str, Any]) -> str:
    """``, within binomial error (...)`` for a row with generated and real fractions and counts, else nothing."""
    counts = [row.get(f"{arm} n", 0) for arm in ("generated", "real")]
    values = [row.get(f"{arm} binary_aware", math.nan) for arm in ("generated", "real")]
    if min(counts) < 1 or not all(np.isfinite(values)):
        return ""
    return f", {compare_fractions(values[0], int(counts[0]), values[1], int(counts[1]))}"


def _text(
    by_class: pd.DataFrame,
    by_cadence: pd.DataFrame,
    windows: dict[str, tuple[float, float]],
    info: dict[str, dict[str, Any]],
    seconds: dict[str, float],
    n: int,
    n_real: dict[str, int],
    no_template: int,
) -> str:
    """Findings written from the measured numbers."""
    lines = []
    for r in by_cadence.to_dict("records"):
        cadence = info[r["cadence"]]
        errors = "its error model" if cadence["error_model"] else "no error model, so the model's own errors"
        lines.append(
            f"{r['cadence']} ({', '.join(cadence['bands'])}; median {r['generated median_epochs']:.0f} "
            f"epochs, {errors}, median {r['generated median_err']:.3f} mag): "
            f"{r['generated binary_aware']:.0%} of generated vs {r['real binary_aware']:.0%} of "
            "real-resampled light curves recovered" + _alike(r)
        )
    text = [
        f"Lomb-Scargle periods within {TOLERANCE:.0%} of the true period (binary-aware: half the orbital "
        "period also counts for ECL), over the classes with real light curves: " + "; ".join(lines) + "."
    ]
    regular = {k: v["regular_step"] for k, v in info.items() if v["regular_step"] is not None}
    if regular:
        text.append(
            "Evenly spaced epochs ("
            + ", ".join(f"{k}: every {v:.3g} d" for k, v in regular.items())
            + ") give every period shorter than twice the spacing exact aliases, which no period search "
            "can tell apart."
        )
    valid = by_class[(by_class["generated n"] > 0) & (by_class["real n"] > 0)].copy()
    if len(valid):
        valid["gap"] = valid["generated binary_aware"] - valid["real binary_aware"]
        worst = valid.loc[valid["gap"].abs().idxmax()]
        text.append(
            f"Largest difference: {worst['class']} on {worst['cadence']}, generated "
            f"{worst['generated binary_aware']:.0%} (n={worst['generated n']:.0f}) vs real "
            f"{worst['real binary_aware']:.0%} (n={worst['real n']:.0f}){_alike(worst.to_dict())}; "
            "the generated fraction is lower "
            f"in {int((valid['gap'] < 0).sum())} and higher in {int((valid['gap'] > 0).sum())} of "
            f"{len(valid)} cadence x class cells."
        )
    binaries = by_class[by_class["class"].isin(BINARY_CLASSES) & (by_class["generated n"] > 0)]
    if len(binaries):
        real = binaries[binaries["real n"] > 0]
        text.append(
            f"Binaries ({'/'.join(sorted(set(binaries['class'])))}, mean over cadences): the orbital period "
            f"itself is found for {binaries['generated strict'].mean():.0%} of generated light curves, "
            f"the period or half of it for {binaries['generated binary_aware'].mean():.0%}"
            + (
                f" (real resampled: {real['real strict'].mean():.0%} and {real['real binary_aware'].mean():.0%})"
                if len(real)
                else ""
            )
            + "."
        )
    missing = [c for c, k in n_real.items() if k == 0]
    untrained = [c for c in RECOVERY_CLASSES if c not in n_real]
    text.append(
        f"Set-up: {n} generated light curves per class and cadence (physics drawn from the model's "
        "training catalog); real held-out stars (one light curve each, up to the same number per class: "
        + ", ".join(f"{c} {k}" for c, k in n_real.items())
        + ")"
        + (f"; no real {', '.join(missing)} light curves, so those cells are empty" if missing else "")
        + (f"; {', '.join(untrained)} left out (not in the model's training data)" if untrained else "")
        + (
            f"; {no_template} real stars left out because no Fourier series fits them without overshooting "
            "in phase gaps"
            if no_template
            else ""
        )
        + ". A real star is fitted with a Fourier series (order up to 8) in its own band, and that template, "
        "folded on the real period, replaces the shape of a generated star of the same class on the cadence "
        "(its epochs, per-band mean magnitudes and errors, with new Gaussian noise). Limitations: the "
        "template of one band serves every band of the cadence (no colour dependence of the amplitude), and "
        "the twin's brightness, hence its errors, is that of a class star drawn from the training catalog, "
        "not the real star's."
    )
    text.append(
        "Search: one Lomb-Scargle periodogram of all bands after subtracting each band's weighted mean "
        "(astropy's LombScargleMultiband is available but its fast method costs one periodogram per band); "
        "frequencies from a coarse fast (Press & Rybicki) periodogram with at least one sample per peak "
        "width, its 20 highest peaks recomputed exactly on a 5 times finer grid. Periods searched per class "
        "(days, half the class's shortest training period to twice its longest, within "
        f"[{MIN_PERIOD}, min({MAX_PERIOD:.0f}, baseline/2)]): "
        + ", ".join(f"{c} {lo:.3g}-{hi:.4g}" for c, (lo, hi) in windows.items())
        + f". Cadences {', '.join(f'{k} ({v})' for k, v in SKIPPED_CADENCES.items())} are left out."
    )
    text.append(
        f"Runtime: {seconds['generation']:.0f} s generating, {seconds['templates']:.1f} s fitting real "
        f"templates, {seconds['lomb_scargle']:.0f} s of Lomb-Scargle searches."
    )
    return "\n\n".join(text)


def _cadence_rows(
    ctx: EvalContext,
    index: int,
    name: str,
    n: int,
    real: pd.DataFrame,
    windows: dict[str, tuple[float, float]],
    rng: np.random.Generator,
    seconds: dict[str, float],
) -> tuple[list[dict[str, object]], dict[str, object]]:
    """One row per light curve (generated and real-resampled) of cadence ``name``, and what the
    cadence gave: its bands, whether it has an error model, its spacing when evenly spaced."""
    cadence = get_cadence(name)
    rows: list[dict[str, object]] = []
    used: set[str] = set()
    steps: set[float] = set()
    for k, vclass in enumerate(windows):
        stars = real[real["vclass"] == vclass].reset_index(drop=True)
        for arm, count in (("generated", n), ("real", len(stars))):
            if count == 0:
                continue
            t0 = time.perf_counter()
            curves = _generate(ctx, vclass, cadence, count, seed=ctx.seed * 1000 + 10 * index + 2 * k + (arm == "real"))
            seconds["generation"] += time.perf_counter() - t0
            for j in range(len(curves)):
                curve = curves.star(j)
                used.update(curve["band"].tolist())
                gaps = np.diff(curve["time"])
                steps.add(round(float(gaps[0]), 6) if gaps.size and np.ptp(gaps) < 1e-6 else -1.0)
                if arm == "real":
                    star = stars.iloc[int(curve["id"][0])]
                    period = float(star["period"])
                    curve["mag"] = resample_template(
                        star["coef"],
                        period,
                        curve["time"],
                        curve["band"],
                        curve["mag"],
                        curve["mag_err"],
                        float(curve["epoch"][0]),
                        rng,
                    )
                else:
                    period = float(curve["period"][0])
                t0 = time.perf_counter()
                found, n_epochs = _search(curve, windows[vclass])
                seconds["lomb_scargle"] += time.perf_counter() - t0
                rows.append(
                    {
                        "cadence": name,
                        "vclass": vclass,
                        "arm": arm,
                        "period": period,
                        "found": found,
                        "n_epochs": n_epochs,
                        "err": float(np.median(curve["mag_err"])),
                        "strict": is_recovered(found, period),
                        "binary_aware": is_recovered(found, period, binary=vclass in BINARY_CLASSES),
                    }
                )
    info = {
        "bands": sorted(used),
        "error_model": cadence.has_error_model,
        "regular_step": steps.pop() if len(steps) == 1 and min(steps) > 0 else None,
    }
    return rows, info


def evaluate_recovery(ctx: EvalContext) -> Section:
    """The period-recovery section: per cadence and class, the fraction of generated and of
    real-resampled light curves whose Lomb-Scargle period is within 1% of the true one."""
    n = N_QUICK if ctx.quick else N_FULL
    trained = set(ctx.model.catalog.vclass.tolist())
    classes = [c for c in RECOVERY_CLASSES if c in trained]
    if not classes:
        raise ValueError(f"the model was trained on none of the classes {list(RECOVERY_CLASSES)}")
    cadences = [c for c in CADENCES if c not in SKIPPED_CADENCES]
    windows = {}
    for vclass in classes:
        lo, hi = ctx.model.catalog.ranges(vclass)["log10_period"]
        windows[vclass] = (10**lo, 10**hi)
    seconds = {"generation": 0.0, "templates": 0.0, "lomb_scargle": 0.0}
    t0 = time.perf_counter()
    real = _real_stars(ctx.test_real, classes, n, ctx.seed)
    seconds["templates"] += time.perf_counter() - t0
    rng = np.random.default_rng([ctx.seed, 11])
    rows: list[dict[str, object]] = []
    info: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(cadences):
        cadence_rows, info[name] = _cadence_rows(ctx, i, name, n, real, windows, rng, seconds)
        rows += cadence_rows
    by_class, by_cadence = _summaries(pd.DataFrame(rows), cadences, classes)
    relative = _figure(ctx, by_class, cadences, classes)
    n_real = {c: int((real["vclass"] == c).sum()) for c in classes}
    searched = {c: search_window(w, math.inf) for c, w in windows.items()}
    shown = {
        f"{arm} {k}": f"{short}{v}"
        for arm, short in (("generated", "gen"), ("real", "real"))
        for k, v in (
            ("n", " n"),
            ("strict", " strict"),
            ("binary_aware", ""),
            ("median_epochs", " epochs"),
            ("median_err", " err"),
        )
    }
    mean_name = f"period recovered within {TOLERANCE:.0%} (mean over cadences)"
    gap_name = "largest |generated - real| recovered fraction (cadence x class)"
    gaps = (by_class["generated binary_aware"] - by_class["real binary_aware"]).abs()
    headline = {mean_name: float(by_cadence["generated binary_aware"].mean())}
    reference: dict[str, object] = {mean_name: float(by_cadence["real binary_aware"].mean())}
    if gaps.notna().any():
        worst = by_class.loc[gaps.idxmax()]
        noise = math.sqrt(
            sum(
                worst[f"{a} binary_aware"] * (1 - worst[f"{a} binary_aware"]) / worst[f"{a} n"]
                for a in ("generated", "real")
            )
        )
        headline[gap_name] = float(gaps.max())
        reference[gap_name] = f"0 ideally; binomial 1-sigma of that difference {noise:.2f}"
    summary = {
        "headline": headline,
        "headline_reference": reference,
        "tolerance": TOLERANCE,
        "classes": classes,
        "binary_classes": list(BINARY_CLASSES),
        "n_per_class": n,
        "n_real_per_class": n_real,
        "real_without_template": real.attrs["no_template"],
        "cadences": cadences,
        "cadence_info": info,
        "skipped_cadences": SKIPPED_CADENCES,
        "search_periods_days": {c: list(w) for c, w in searched.items()},
        "per_cadence": by_cadence,
        "per_cadence_class": by_class,
        "seconds": seconds,
    }
    return Section(
        name="recovery",
        title="Period recovery per cadence",
        summary=summary,
        tables=[
            (
                "Recovered fraction per cadence over the classes with real light curves ('gen', 'real': "
                "binary-aware, half the orbital period counts for ECL; 'strict': the period itself; epochs: "
                "median per light curve; err: median error, mag)",
                by_cadence.rename(columns=shown).round(3),
            ),
            ("Recovered fraction per cadence and class (columns as above)", by_class.rename(columns=shown).round(3)),
        ],
        figures=[
            (
                f"Fraction of light curves whose Lomb-Scargle period is within {TOLERANCE:.0%} of the true one, "
                "per cadence and class: real held-out stars resampled to the cadence (real) and generated ones; "
                "bars binary-aware (half the orbital period counts for ECL) with binomial 1-sigma errors, black "
                "ticks strict.",
                relative,
            )
        ],
        text=_text(by_class, by_cadence, searched, info, seconds, n, n_real, real.attrs["no_template"]),
    )
