"""Known pulsation physics reproduced by generated light curves, in plots and numbers.

Four checks of the report's ``physics`` section, all in the OGLE-III cadence and I band so that
generated stars compare with the OGLE-III catalog (Soszynski et al. 2008, 2009; LMC fields):

1. Hertzsprung progression of fundamental-mode Cepheids: R21 and phi21 against log period
   (days), with the R21 minimum near 10 days; binned medians of generated and catalog stars.
2. Period-luminosity relation of the same Cepheids: the intensity-mean I magnitude of the
   observed points against log period. The generator puts stars at the LMC distance modulus
   and without extinction (A_V = 0), the catalog's I is not corrected for extinction.
3. RR Lyrae: phi31 against period (RRab) and the Bailey diagram (I peak-to-peak amplitude
   against log period) of RRab and RRc stars.
4. The paper's Fig. 8 for fundamental-mode Cepheids: noiseless light curves at one period and
   M_G for a sequence of Teff (K), and the trend of amplitude and R21 with log10 Teff over many
   generated stars against the same regression on the real OGLE-III I-band Cepheids with Teff.

Phases (phi21, phi31) are in radians, amplitudes in magnitudes, periods in days. The metric
functions are pure, so that they can be checked on inputs with known answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pyarrow as pa
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from varsynth.bands import band as band_info
from varsynth.cadences import get_cadence
from varsynth.evaluation.bootstrap import standard_error
from varsynth.evaluation.context import FIGURE_DPI, EvalContext, Section
from varsynth.evaluation.curves import folded_curves, fourier_table, real_curves
from varsynth.evaluation.fourier import fourier_parameters
from varsynth.generation.engine import StarRequest, iter_generate

__all__ = [
    "evaluate_known_physics",
    "binned_medians",
    "r21_dip",
    "median_gap",
    "linear_fit",
    "bootstrap_slope",
    "minimum_location",
    "wrap_phase",
    "circular_mean",
    "intensity_mean",
    "teff_stars",
]

#: Width (dex) of the log-period bins of the Hertzsprung progression.
LOG_P_BIN = 0.1
#: Finer bins (dex) to locate the R21 minimum, and the log-period window (days) it is sought in.
BUMP_BIN, BUMP_WINDOW = 0.05, (0.8, 1.2)
#: Log-period window (dex) of the R21 plateau before the bump, to measure the depth of the dip.
PLATEAU_WINDOW = (0.4, 0.7)
_REAL, _GEN = "0.55", "tab:red"


@dataclass(frozen=True)
class _Sizes:
    cep_grid: int  # log-period grid points of the Cepheid sample
    cep_per: int  # stars per grid point
    rrab: int
    rrc: int
    teff_grid: int  # Teff grid points of the Teff-trend sample
    teff_per: int
    steps: int  # Teff steps of the sequence figure
    boot: int  # bootstrap resamples


_FULL = _Sizes(32, 50, 1000, 500, 16, 60, 7, 300)
_QUICK = _Sizes(8, 8, 80, 40, 5, 12, 7, 100)


# ----------------------------------------------------------------------------- pure metrics


def binned_medians(x: np.ndarray, y: np.ndarray, edges: np.ndarray, min_count: int = 5) -> pd.DataFrame:
    """Median of ``y`` in each bin of ``x`` (``edges`` ascending, bins [lo, hi)).

    Returns a table with ``center``, ``n`` and ``median`` (NaN where fewer than ``min_count``
    finite pairs fall in the bin).
    """
    x, y, edges = (np.asarray(v, dtype=float) for v in (x, y, edges))
    if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ValueError("edges must be a 1-D strictly increasing array of at least 2 values")
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    index = np.searchsorted(edges, x, side="right") - 1
    rows = []
    for i in range(edges.size - 1):
        values = y[index == i]
        rows.append(
            {
                "center": 0.5 * (edges[i] + edges[i + 1]),
                "n": int(values.size),
                "median": float(np.median(values)) if values.size >= max(min_count, 1) else math.nan,
            }
        )
    return pd.DataFrame(rows)


def median_gap(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Mean absolute difference of two :func:`binned_medians` tables (same bins) over the bins
    where both have a median; NaN when none has."""
    both = np.isfinite(a["median"].to_numpy()) & np.isfinite(b["median"].to_numpy())
    if not both.any():
        return math.nan
    return float(np.mean(np.abs(a["median"].to_numpy()[both] - b["median"].to_numpy()[both])))


def minimum_location(binned: pd.DataFrame, low: float, high: float) -> tuple[float, float]:
    """Center and value of the smallest median of a :func:`binned_medians` table among the bins
    centred in [``low``, ``high``]; (NaN, NaN) when none of them has a median."""
    centers, medians = binned["center"].to_numpy(), binned["median"].to_numpy()
    inside = (centers >= low) & (centers <= high) & np.isfinite(medians)
    if not inside.any():
        return math.nan, math.nan
    i = np.flatnonzero(inside)[np.argmin(medians[inside])]
    return float(centers[i]), float(medians[i])


def linear_fit(x: np.ndarray, y: np.ndarray, clip_sigma: float | None = 3.0, iterations: int = 5) -> dict[str, float]:
    """Least-squares line ``y = slope * x + intercept`` with iterative sigma clipping.

    Returns ``slope``, ``intercept``, ``scatter`` (RMS residual of the kept points) and ``n``
    (points kept); NaN values when fewer than 3 finite pairs.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    if keep.sum() < 3 or np.ptp(x[keep]) == 0:
        return {"slope": math.nan, "intercept": math.nan, "scatter": math.nan, "n": int(keep.sum())}
    for _ in range(iterations if clip_sigma else 1):
        slope, intercept = np.polyfit(x[keep], y[keep], 1)
        res = y - (slope * x + intercept)
        scatter = float(np.sqrt(np.mean(res[keep] ** 2)))
        if not clip_sigma:
            break
        tolerance = 1e-12 * (1.0 + np.max(np.abs(y[keep])))  # round-off of an exact line is not an outlier
        new = np.isfinite(res) & (np.abs(res) <= clip_sigma * scatter + tolerance)
        if new.sum() < 3 or np.array_equal(new, keep):
            break
        keep = new
    slope, intercept = np.polyfit(x[keep], y[keep], 1)
    scatter = float(np.sqrt(np.mean((y[keep] - slope * x[keep] - intercept) ** 2)))
    return {"slope": float(slope), "intercept": float(intercept), "scatter": scatter, "n": int(keep.sum())}


def bootstrap_slope(
    x: np.ndarray, y: np.ndarray, covariate: np.ndarray | None = None, *, n_boot: int = 200, seed: int = 0
) -> tuple[float, float]:
    """Least-squares slope of ``y`` on ``x`` (with ``covariate`` as a second regressor: the
    slope at fixed covariate) and its bootstrap standard error over ``n_boot`` resamples of
    the (finite) points; (NaN, NaN) with fewer than 4 points (5 with a covariate)."""
    if n_boot < 2:
        raise ValueError(f"n_boot must be >= 2, got {n_boot}")
    cols = [np.asarray(x, dtype=float)] + ([np.asarray(covariate, dtype=float)] if covariate is not None else [])
    y = np.asarray(y, dtype=float)
    ok = np.isfinite(y) & np.all([np.isfinite(c) for c in cols], axis=0)
    if ok.sum() < len(cols) + 3:
        return math.nan, math.nan
    design = np.column_stack([np.ones(ok.sum())] + [c[ok] for c in cols])
    y = y[ok]
    slope = float(np.linalg.lstsq(design, y, rcond=None)[0][1])
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        pick = rng.integers(0, y.size, y.size)
        boots.append(np.linalg.lstsq(design[pick], y[pick], rcond=None)[0][1])
    return slope, float(np.std(boots, ddof=1))


def r21_dip(log_p: np.ndarray, r21: np.ndarray) -> tuple[float, float, float]:
    """The Hertzsprung dip of fundamental-mode Cepheids: the log P (days) of the smallest median
    R21 in :data:`BUMP_BIN`-dex bins centred within :data:`BUMP_WINDOW`, that median, and the
    dip's depth below the median R21 of :data:`PLATEAU_WINDOW` (NaN without stars there)."""
    fine = np.arange(BUMP_WINDOW[0] - BUMP_BIN, BUMP_WINDOW[1] + 2 * BUMP_BIN, BUMP_BIN)
    where, value = minimum_location(binned_medians(log_p, r21, fine), *BUMP_WINDOW)
    plateau = r21[(log_p >= PLATEAU_WINDOW[0]) & (log_p < PLATEAU_WINDOW[1])]
    return where, value, float(np.nanmedian(plateau)) - value if plateau.size else math.nan


def _dip_se(generated: pd.DataFrame, real: pd.DataFrame, seed: int) -> dict[str, float]:
    """Bootstrap standard errors of ``|dip log P generated - real|`` and ``|depth generated -
    real|`` (:func:`r21_dip`), each sample's stars resampled: how far the real dip itself moves
    with which catalog stars are at hand (a split holds out a different fifth of them)."""
    samples = [(f["log_p"].to_numpy(float), f["R21"].to_numpy(float)) for f in (generated, real)]

    def difference(index: int) -> Any:
        def statistic(rows_gen: np.ndarray, rows_real: np.ndarray) -> float:
            (xg, yg), (xr, yr) = samples
            return abs(r21_dip(xg[rows_gen], yg[rows_gen])[index] - r21_dip(xr[rows_real], yr[rows_real])[index])

        return statistic

    sizes = (samples[0][0].size, samples[1][0].size)
    return {
        "R21_min_log_p": standard_error(difference(0), sizes, seed=seed),
        "R21_dip_depth": standard_error(difference(2), sizes, seed=seed),
    }


def _relative_slope_se(generated: tuple[Any, Any], real: tuple[Any, Any], seed: int) -> float:
    """Bootstrap standard error of ``|slope generated / slope real - 1|`` of two clipped lines
    (:func:`linear_fit`), each sample's ``(x, y)`` rows resampled."""
    (xg, yg), (xr, yr) = ((np.asarray(x, dtype=float), np.asarray(y, dtype=float)) for x, y in (generated, real))

    def relative(rows_gen: np.ndarray, rows_real: np.ndarray) -> float:
        slope_real = linear_fit(xr[rows_real], yr[rows_real])["slope"]
        return abs(linear_fit(xg[rows_gen], yg[rows_gen])["slope"] / slope_real - 1.0) if slope_real else math.nan

    return standard_error(relative, (xg.size, xr.size), seed=seed)


def circular_mean(phi: np.ndarray) -> float:
    """Circular mean of angles (radians) in [0, 2 pi); NaN for no finite angle."""
    phi = np.asarray(phi, dtype=float)
    phi = phi[np.isfinite(phi)]
    if phi.size == 0:
        return math.nan
    return float(np.mod(np.arctan2(np.sin(phi).mean(), np.cos(phi).mean()), 2 * math.pi))


def wrap_phase(phi: np.ndarray, center: float) -> np.ndarray:
    """Angles (radians) moved by multiples of 2 pi into [center - pi, center + pi), so that a
    phase progression crossing 2 pi stays continuous for medians and plots."""
    return np.mod(np.asarray(phi, dtype=float) - center + math.pi, 2 * math.pi) + center - math.pi


def intensity_mean(mag: np.ndarray) -> float:
    """Intensity-mean magnitude: -2.5 log10 of the mean flux of the magnitudes ``mag``."""
    mag = np.asarray(mag, dtype=float)
    return float(-2.5 * np.log10(np.mean(10 ** (-0.4 * mag))))


def teff_stars(curves: pd.DataFrame, subtype: str = "F") -> pd.DataFrame:
    """The OGLE-III I-band Cepheids of ``subtype`` with a Teff in a curve set (or its Fourier table)."""
    keep = (
        (curves["vclass"] == "CEP")
        & (curves["subtype"] == subtype)
        & (curves["survey"] == "ogle3")
        & (curves["band"] == "I")
        & (curves["teff_source"] != "missing")
        & np.isfinite(curves["teff"])
    )
    return curves[keep.to_numpy()].reset_index(drop=True)


# ----------------------------------------------------------------------------- inputs


def _generated(ctx: EvalContext, requests: list[tuple[StarRequest, int]], seed: int) -> pd.DataFrame:
    """Fourier table (with ``log_p`` and intensity-mean ``mean_I``) of generated OGLE-III I-band curves."""
    cadence = get_cadence("ogle3")
    chunks = [
        chunk
        for i, (request, n) in enumerate(requests)
        for chunk in iter_generate(
            request,
            n=n,
            cadence=cadence,
            bands=("I",),
            model=ctx.model,
            seed=seed + i,
            id_prefix=f"{request.vclass}-{request.subtype}-{i}-",
        )
    ]
    curves = folded_curves(pa.concat_tables(chunks))
    table = fourier_table(curves)
    table["log_p"] = np.log10(table["period"].to_numpy(float))
    table["mean_I"] = [intensity_mean(m) for m in curves["mag"]]
    return table


def _catalog(ctx: EvalContext, vclass: str, subtype: str) -> pd.DataFrame | None:
    """LMC stars of the OGLE-III catalog of one class and subtype, with our column names; None
    without the catalog."""
    return None if ctx.ogle3_catalog is None else _lmc_stars(ctx.ogle3_catalog, vclass, subtype)


def _lmc_stars(cat: pd.DataFrame, vclass: str, subtype: str) -> pd.DataFrame:
    """LMC stars of the OGLE-III catalog ``cat`` of one class and subtype, with our column names."""
    sel = cat[
        (cat["vclass"] == vclass)
        & (cat["subtype_norm"] == subtype)
        & cat["Field"].astype(str).str.startswith("LMC")
        & (cat["P_1"] > 0)
    ]
    return pd.DataFrame(
        {
            "period": sel["P_1"].to_numpy(float),
            "log_p": np.log10(sel["P_1"].to_numpy(float)),
            "mean_I": sel["I"].to_numpy(float),
            "amplitude": sel["A_1"].to_numpy(float),
            "R21": sel["R21_1"].to_numpy(float),
            "phi21": sel["phi21_1"].to_numpy(float),
            "phi31": sel["phi31_1"].to_numpy(float),
        }
    )


def _figure(width: float, height: float, ncols: int) -> tuple[Figure, np.ndarray]:
    fig = Figure(figsize=(width, height), dpi=FIGURE_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, np.atleast_1d(fig.subplots(1, ncols))


def _scatter(ax: Axes, x: np.ndarray, y: np.ndarray, real: bool, label: str, color: str | None = None) -> None:
    ax.scatter(
        x,
        y,
        s=2 if real else 3,
        color=color or (_REAL if real else _GEN),
        alpha=0.5 if real else 0.6,
        lw=0,
        label=label,
        rasterized=True,
    )


def _medians_line(ax: Axes, binned: pd.DataFrame, real: bool, label: str) -> None:
    ax.plot(binned["center"], binned["median"], "-o", ms=3, color="k" if real else "darkred", label=label)


# ----------------------------------------------------------------------------- the checks


def _fmt(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _signs(gen: float, gen_err: float, real: float, real_err: float) -> str:
    """Whether two slopes share a sign, and which of them is within 2 standard errors of zero."""
    if not np.isfinite(gen * real):
        return "n/a"
    words = "signs agree" if np.sign(gen) == np.sign(real) else "signs differ"
    weak = [name for name, v, e in (("generated", gen, gen_err), ("real", real, real_err)) if abs(v) < 2 * e]
    return words + (f", {' and '.join(weak)} within 2 sigma of 0" if weak else "")


def _hertzsprung(ctx: EvalContext, section: Section, gen: pd.DataFrame, real: pd.DataFrame | None) -> tuple[dict, str]:
    """R21 and phi21 against log P: binned medians, their gap, the R21 minimum and its depth."""
    lo, hi = gen["log_p"].min(), gen["log_p"].max()
    edges = np.arange(math.floor(lo / LOG_P_BIN) * LOG_P_BIN, hi + LOG_P_BIN, LOG_P_BIN)
    center = circular_mean(real["phi21"] if real is not None else gen["phi21"])
    fig, (ax_phi, ax_r) = _figure(11.0, 4.2, 2)
    table = pd.DataFrame({"log P center": binned_medians(gen["log_p"], gen["R21"], edges)["center"]})
    out: dict = {"n_generated": len(gen), "log_p_bin_dex": LOG_P_BIN}
    medians = {}
    for name, frame in ([("real", real)] if real is not None else []) + [("generated", gen)]:
        is_real = name == "real"
        phi = wrap_phase(frame["phi21"], center)
        for ax, y in ((ax_phi, phi), (ax_r, frame["R21"].to_numpy())):
            _scatter(ax, frame["log_p"], y, is_real, name)
        for key, y in (("R21", frame["R21"].to_numpy()), ("phi21", phi)):
            medians[name, key] = binned_medians(frame["log_p"], y, edges)
            table[f"n {name}"] = medians[name, key]["n"]
            table[f"{key} {name}"] = medians[name, key]["median"]
        _medians_line(ax_phi, medians[name, "phi21"], is_real, f"{name} median")
        _medians_line(ax_r, medians[name, "R21"], is_real, f"{name} median")
        where, value, depth = r21_dip(frame["log_p"].to_numpy(float), frame["R21"].to_numpy(float))
        out[f"R21_min_log_p_{name}"], out[f"R21_min_{name}"], out[f"R21_dip_depth_{name}"] = where, value, depth
    for ax, label in ((ax_phi, r"$\phi_{21}$ (rad)"), (ax_r, r"$R_{21}$")):
        ax.set_xlabel("log$_{10}$ period (days)")
        ax.set_ylabel(label)
        ax.axvspan(*BUMP_WINDOW, color="0.9", zorder=0)
        ax.legend(fontsize=7, markerscale=3)
    fig.suptitle("Hertzsprung progression, fundamental-mode Cepheids (I band)")
    section.tables.append(
        (f"Hertzsprung progression: binned medians of R21 and phi21 (rad) in {LOG_P_BIN} dex of log P", table.round(3))
    )
    section.figures.append(
        (
            "Hertzsprung progression of fundamental-mode Cepheids: phi21 and R21 against log "
            "period; grey band: where the R21 minimum is sought",
            ctx.save_figure(fig, "hertzsprung"),
        )
    )
    sentence = (
        f"Hertzsprung progression ({len(gen)} generated CEP F in the OGLE-III cadence, I band, log P "
        f"{lo:.2f}-{hi:.2f}): the R21 minimum between log P {BUMP_WINDOW[0]} and {BUMP_WINDOW[1]} is at "
        f"log P {_fmt(out['R21_min_log_p_generated'], 3)} (R21 {_fmt(out['R21_min_generated'])}, "
        f"{_fmt(out['R21_dip_depth_generated'])} below the plateau at log P {PLATEAU_WINDOW[0]}-"
        f"{PLATEAU_WINDOW[1]})"
    )
    if real is not None:
        out["n_real"] = len(real)
        out["dip_se"] = _dip_se(gen, real, ctx.seed)
        out["R21_median_gap"] = median_gap(medians["generated", "R21"], medians["real", "R21"])
        out["phi21_median_gap_rad"] = median_gap(medians["generated", "phi21"], medians["real", "phi21"])
        sentence += (
            f" vs log P {_fmt(out['R21_min_log_p_real'], 3)} (R21 {_fmt(out['R21_min_real'])}, dip "
            f"{_fmt(out['R21_dip_depth_real'])}) for {len(real)} OGLE-III LMC stars; binned medians "
            f"differ by {_fmt(out['R21_median_gap'], 3)} in R21 and {_fmt(out['phi21_median_gap_rad'])} "
            "rad in phi21 on average"
        )
    return out, sentence + "."


def _period_luminosity(
    ctx: EvalContext, section: Section, gen: pd.DataFrame, real: pd.DataFrame | None
) -> tuple[dict, str]:
    """Clipped linear fits of intensity-mean I against log P, generated and catalog."""
    fig, (ax,) = _figure(6.0, 4.6, 1)
    rows: list[dict[str, Any]] = []
    out: dict[str, Any] = {}
    for name, frame in ([("real", real)] if real is not None else []) + [("generated", gen)]:
        fit = linear_fit(frame["log_p"], frame["mean_I"])
        fit["I_at_log_p_1"] = fit["slope"] + fit["intercept"]
        out[name] = fit
        rows.append({"stars": name, **fit})
        _scatter(ax, frame["log_p"], frame["mean_I"], name == "real", name)
        grid = np.linspace(frame["log_p"].min(), frame["log_p"].max(), 2)
        ax.plot(
            grid,
            fit["slope"] * grid + fit["intercept"],
            color="k" if name == "real" else "darkred",
            label=f"{name} fit: slope {fit['slope']:.2f}",
        )
    ax.invert_yaxis()
    ax.set_xlabel("log$_{10}$ period (days)")
    ax.set_ylabel("intensity-mean I (mag)")
    ax.set_title("Period-luminosity relation, fundamental-mode Cepheids (LMC)")
    ax.legend(fontsize=7, markerscale=3)
    section.tables.append(
        (
            "Period-luminosity relation (intensity-mean I of the observed points, 3-sigma clipped fit)",
            pd.DataFrame(rows).round(3),
        )
    )
    section.figures.append(
        ("Period-luminosity relation in the I band, LMC distance", ctx.save_figure(fig, "period_luminosity"))
    )
    g = out["generated"]
    sentence = (
        f"Period-luminosity (intensity-mean I of the observed points, LMC distance modulus): generated "
        f"I = {_fmt(g['slope'])} log P + {_fmt(g['intercept'])} (scatter {_fmt(g['scatter'], 3)} mag)"
    )
    if real is not None:
        r = out["real"]
        shift = out["zero_point_difference_mag"] = g["I_at_log_p_1"] - r["I_at_log_p_1"]
        sentence += (
            f" vs OGLE-III LMC {_fmt(r['slope'])} log P + {_fmt(r['intercept'])} (scatter "
            f"{_fmt(r['scatter'], 3)} mag) over the same periods; at log P = 1 the generated stars are "
            f"{_fmt(abs(shift), 3)} mag {'fainter' if shift > 0 else 'brighter'} than the catalog's "
            "(the generated stars have no extinction while the catalog's I is not dereddened, which "
            f"alone would make them brighter{'' if shift > 0 else ', as they are'})"
        )
    return out, sentence + "."


def _rr_lyrae(
    ctx: EvalContext, section: Section, gen: dict[str, pd.DataFrame], real: dict[str, pd.DataFrame] | None
) -> tuple[dict, str]:
    """phi31 against period of RRab and the Bailey diagram of RRab and RRc."""
    center = circular_mean((gen if real is None else real)["RRab"]["phi31"])
    lo, hi = gen["RRab"]["period"].quantile([0.01, 0.99])
    edges = np.arange(math.floor(lo / 0.05) * 0.05, hi + 0.05, 0.05)
    fig, (ax_phi, ax_b) = _figure(11.0, 4.2, 2)
    out: dict = {}
    rows = []
    for name, sets in ([("real", real)] if real is not None else []) + [("generated", gen)]:
        is_real, rrab = name == "real", sets["RRab"]
        phi = wrap_phase(rrab["phi31"], center)
        _scatter(ax_phi, rrab["period"], phi, is_real, f"{name} RRab")
        _medians_line(ax_phi, binned_medians(rrab["period"], phi, edges), is_real, f"{name} median")
        slope_phi = linear_fit(rrab["period"], phi)["slope"]
        bailey = linear_fit(rrab["log_p"], rrab["amplitude"])["slope"]
        out[name] = {"phi31_slope_rad_per_day": slope_phi, "RRab_amplitude_slope_mag_per_dex": bailey}
        for sub, colour in (("RRab", "tab:red"), ("RRc", "tab:blue")):
            frame = sets[sub]
            _scatter(ax_b, frame["log_p"], frame["amplitude"], is_real, f"{name} {sub}", None if is_real else colour)
            stats = {
                "n": len(frame),
                "median_period_d": float(frame["period"].median()),
                "median_amplitude_mag": float(frame["amplitude"].median()),
                "median_phi31_rad": float(np.median(wrap_phase(frame["phi31"].dropna(), center))),
            }
            out[name][sub] = stats
            rows.append(
                {
                    "stars": name,
                    "subtype": sub,
                    **stats,
                    "dphi31/dP (rad/d)": slope_phi if sub == "RRab" else math.nan,
                    "dA/dlogP (mag/dex)": bailey if sub == "RRab" else math.nan,
                }
            )
    if real is not None:  # standard errors of |generated / real - 1| of both RRab slopes
        out["relative_se"] = {
            "phi31_slope_rad_per_day": _relative_slope_se(
                (gen["RRab"]["period"], wrap_phase(gen["RRab"]["phi31"], center)),
                (real["RRab"]["period"], wrap_phase(real["RRab"]["phi31"], center)),
                ctx.seed,
            ),
            "RRab_amplitude_slope_mag_per_dex": _relative_slope_se(
                (gen["RRab"]["log_p"], gen["RRab"]["amplitude"]),
                (real["RRab"]["log_p"], real["RRab"]["amplitude"]),
                ctx.seed,
            ),
        }
    ax_phi.set_xlabel("period (days)")
    ax_phi.set_ylabel(r"$\phi_{31}$ (rad)")
    ax_phi.set_title(r"RRab: $\phi_{31}$ against period (I band)")
    ax_b.set_xlabel("log$_{10}$ period (days)")
    ax_b.set_ylabel("I peak-to-peak amplitude (mag)")
    ax_b.set_title("Bailey diagram")
    for ax in (ax_phi, ax_b):
        ax.legend(fontsize=7, markerscale=3)
    section.tables.append(
        ("RR Lyrae: medians per subtype, phi31-period and Bailey slopes of RRab", pd.DataFrame(rows).round(3))
    )
    section.figures.append(
        ("RR Lyrae: phi31 against period (RRab) and the Bailey diagram (RRab, RRc)", ctx.save_figure(fig, "rr_lyrae"))
    )
    catalog = ctx.model.catalog
    waves, i_wave = catalog.wave_eff[catalog.rows("RRLYR")], band_info("ogle3", "I").wave_eff
    g = out["generated"]
    sentence = (
        f"RR Lyrae (OGLE-III I band at {i_wave:.0f} nm; the nearest RR Lyrae training band is at "
        f"{float(waves[np.argmin(np.abs(waves - i_wave))]):.0f} nm): RRab dphi31/dP "
        f"{_fmt(g['phi31_slope_rad_per_day'])} rad/day, Bailey slope dA/dlogP "
        f"{_fmt(g['RRab_amplitude_slope_mag_per_dex'])} mag/dex, median period RRab "
        f"{_fmt(g['RRab']['median_period_d'], 3)} d and RRc {_fmt(g['RRc']['median_period_d'], 3)} d, "
        f"median amplitude RRab {_fmt(g['RRab']['median_amplitude_mag'])} and RRc "
        f"{_fmt(g['RRc']['median_amplitude_mag'])} mag"
    )
    if real is not None:
        r = out["real"]
        sentence += (
            f"; OGLE-III LMC: {_fmt(r['phi31_slope_rad_per_day'])} rad/day, "
            f"{_fmt(r['RRab_amplitude_slope_mag_per_dex'])} mag/dex, "
            f"{_fmt(r['RRab']['median_period_d'], 3)} and {_fmt(r['RRc']['median_period_d'], 3)} d, "
            f"{_fmt(r['RRab']['median_amplitude_mag'])} and {_fmt(r['RRc']['median_amplitude_mag'])} mag"
        )
    return out, sentence + "."


def _teff_sequence(ctx: EvalContext, section: Section, steps: int) -> tuple[dict, str]:
    """Noiseless CEP F curves at the median training period and M_G, one per Teff step (paper Fig. 8);
    the Teff steps span the central 90% of the class's training Teff."""
    catalog = ctx.model.catalog
    phys = catalog.phys[catalog.rows("CEP", "F")]
    lo, hi = np.quantile(phys[:, 0][np.isfinite(phys[:, 0])], [0.05, 0.95])
    period, abs_mag = 10 ** float(np.nanmedian(phys[:, 2])), float(np.nanmedian(phys[:, 1]))
    n_epochs, epoch = 200, 60000.0
    cadence = get_cadence(
        "uniform", n_epochs=n_epochs, baseline=period * (n_epochs - 1) / n_epochs, start=epoch, band="I", survey="ogle3"
    )
    fig, (ax,) = _figure(6.5, 4.6, 1)
    norm, cmap = Normalize(10**lo, 10**hi), matplotlib.colormaps["RdYlBu"]
    rows = []
    for teff in 10 ** np.linspace(lo, hi, steps):
        request = StarRequest("CEP", "F", teff=float(teff), abs_mag=abs_mag, period=period, epoch=epoch)
        table = next(iter_generate(request, cadence=cadence, model=ctx.model, seed=ctx.seed, noise=False))
        phase = np.mod((table["time"].to_numpy() - epoch) / period, 1.0)
        order = np.argsort(phase)
        phase, mag = phase[order], table["mag"].to_numpy()[order]
        ax.plot(np.concatenate([phase, phase + 1]), np.tile(mag - mag.mean(), 2), color=cmap(norm(teff)), lw=1.3)
        rows.append({"teff_K": float(teff), **fourier_parameters(phase, mag)})
    ax.invert_yaxis()
    ax.set_xlabel("phase (two cycles)")
    ax.set_ylabel(r"I $-$ mean I (mag)")
    ax.set_title(f"Generated CEP F, P = {period:.2f} d, M$_G$ = {abs_mag:.2f} mag, noiseless")
    fig.colorbar(ScalarMappable(norm, cmap), ax=ax, label="Teff (K)")
    curves = pd.DataFrame(rows).round(3)
    section.tables.append(("Noiseless CEP F at fixed period and M_G across Teff: Fourier parameters", curves))
    section.figures.append(
        (
            "Generated fundamental-mode Cepheids at one period and M_G across Teff (cf. the "
            "paper's Fig. 8), noiseless, dense uniform sampling",
            ctx.save_figure(fig, "teff_sequence"),
        )
    )
    first, last = curves.iloc[0], curves.iloc[-1]
    sentence = (
        f"Teff sequence at P = {period:.2f} d and M_G = {abs_mag:.2f} mag: from {first['teff_K']:.0f} to "
        f"{last['teff_K']:.0f} K the generated amplitude goes from {first['amplitude']:.2f} to "
        f"{last['amplitude']:.2f} mag (range {curves['amplitude'].min():.2f}-{curves['amplitude'].max():.2f}) "
        f"and R21 from {first['R21']:.2f} to {last['R21']:.2f} (range {curves['R21'].min():.2f}-"
        f"{curves['R21'].max():.2f})."
    )
    out = {
        "period_d": period,
        "abs_mag": abs_mag,
        "log10_teff_range": [float(lo), float(hi)],
        "teff_range_K": [float(10**lo), float(10**hi)],
        "curves": curves,
    }
    return out, sentence


def _teff_trend(
    ctx: EvalContext, section: Section, gen: pd.DataFrame, real: pd.DataFrame, n_boot: int
) -> tuple[dict, str]:
    """Slopes of amplitude and R21 on log10 Teff (and at fixed log period), generated vs real."""
    fig, axes = _figure(11.0, 4.2, 2)
    out: dict = {}
    rows = []
    for name, frame in (("real", real), ("generated", gen)):
        x, log_p = np.log10(frame["teff"].to_numpy(float)), np.log10(frame["period"].to_numpy(float))
        out[name] = {"n": len(frame)}
        for ax, key in zip(axes, ("amplitude", "R21")):
            y = frame[key].to_numpy(float)
            slope, err = bootstrap_slope(x, y, n_boot=n_boot, seed=ctx.seed)
            fixed, fixed_err = bootstrap_slope(x, y, log_p, n_boot=n_boot, seed=ctx.seed)
            out[name][key] = {
                "slope": slope,
                "slope_err": err,
                "slope_fixed_period": fixed,
                "slope_fixed_period_err": fixed_err,
            }
            rows.append(
                {
                    "stars": name,
                    "quantity": key,
                    "n": len(frame),
                    "slope per dex": slope,
                    "bootstrap error": err,
                    "slope at fixed log P": fixed,
                    "error at fixed log P": fixed_err,
                }
            )
            _scatter(ax, x, y, name == "real", name)
            if np.isfinite(slope):
                fit = linear_fit(x, y, clip_sigma=None)
                grid = np.linspace(np.nanmin(x), np.nanmax(x), 2)
                ax.plot(
                    grid,
                    fit["slope"] * grid + fit["intercept"],
                    color="k" if name == "real" else "darkred",
                    label=f"{name} slope {slope:.2f} ± {err:.2f}",
                )
    for ax, key in zip(axes, ("I peak-to-peak amplitude (mag)", r"$R_{21}$")):
        ax.set_xlabel("log$_{10}$ Teff (K)")
        ax.set_ylabel(key)
        ax.legend(fontsize=7, markerscale=3)
    fig.suptitle("Shape against Teff, fundamental-mode Cepheids (OGLE-III cadence, I band)")
    section.tables.append(
        (
            "Shape against log10 Teff: least-squares slopes (per dex of Teff) with bootstrap errors",
            pd.DataFrame(rows).round(3),
        )
    )
    section.figures.append(
        (
            "Amplitude and R21 against Teff: real OGLE-III I-band Cepheids (held-out and training "
            "splits) and generated ones",
            ctx.save_figure(fig, "teff_trend"),
        )
    )
    parts = []
    for key in ("amplitude", "R21"):
        gk, rk = out["generated"][key], out["real"][key]
        for kind in ("slope", "slope_fixed_period"):
            g, r = gk[kind], rk[kind]
            out[f"{key}_{kind}_sign_agrees"] = bool(np.sign(g) == np.sign(r)) if np.isfinite(g * r) else None
        parts.append(
            f"{key} slope {_fmt(gk['slope'])} ± {_fmt(gk['slope_err'])} per dex generated vs "
            f"{_fmt(rk['slope'])} ± {_fmt(rk['slope_err'])} real "
            f"({_signs(gk['slope'], gk['slope_err'], rk['slope'], rk['slope_err'])}); at fixed log P "
            f"{_fmt(gk['slope_fixed_period'])} ± {_fmt(gk['slope_fixed_period_err'])} vs "
            f"{_fmt(rk['slope_fixed_period'])} ± {_fmt(rk['slope_fixed_period_err'])} ("
            + _signs(
                gk["slope_fixed_period"],
                gk["slope_fixed_period_err"],
                rk["slope_fixed_period"],
                rk["slope_fixed_period_err"],
            )
            + ")"
        )
    sentence = (
        f"Over {len(gen)} generated and {len(real)} real OGLE-III I-band CEP F with Teff: " + "; ".join(parts) + "."
    )
    return out, sentence


# ----------------------------------------------------------------------------- the section


def evaluate_known_physics(ctx: EvalContext) -> Section:
    """The ``physics`` section: Hertzsprung progression, PL relation, RR Lyrae and shape against Teff."""
    sizes = _QUICK if ctx.quick else _FULL
    section = Section("physics", "Known physics: Cepheid and RR Lyrae relations, shape against Teff")
    text: list[str] = []
    if ctx.ogle3_catalog is None:
        text.append(
            f"The OGLE-III catalog is not under {ctx.data_root}: the catalog comparisons are skipped, "
            "the generated stars' numbers and the Teff trend are reported alone."
        )
    else:
        text.append(
            f"The OGLE-III catalog stands for the real stars without the "
            f"{ctx.ogle3_catalog.attrs.get('dropped_training_stars', 0)} stars whose light curves the model "
            "trained on."
        )

    # Cepheids on a log-period grid over the training range (inside it after the round trip via days)
    lo, hi = ctx.model.catalog.ranges("CEP", "F")["log10_period"]
    grid = np.linspace(lo + 1e-6, hi - 1e-6, sizes.cep_grid)
    cep = _generated(ctx, [(StarRequest("CEP", "F", period=float(10**p)), sizes.cep_per) for p in grid], ctx.seed)
    cep_real = _catalog(ctx, "CEP", "F")
    if cep_real is not None:  # the catalog's stars within the same period range
        cep_real = cep_real[(cep_real["log_p"] >= lo) & (cep_real["log_p"] <= hi)].reset_index(drop=True)
    hz, sentence = _hertzsprung(ctx, section, cep, cep_real)
    text.append(sentence)
    pl, sentence = _period_luminosity(ctx, section, cep, cep_real)
    text.append(sentence)

    # RR Lyrae, all physics drawn from the training stars
    rr = {
        sub: _generated(ctx, [(StarRequest("RRLYR", sub), n)], ctx.seed + 100 + k)
        for k, (sub, n) in enumerate((("RRab", sizes.rrab), ("RRc", sizes.rrc)))
    }
    ogle3 = ctx.ogle3_catalog
    rr_real = None if ogle3 is None else {sub: _lmc_stars(ogle3, "RRLYR", sub) for sub in rr}
    rr_out, sentence = _rr_lyrae(ctx, section, rr, rr_real)
    text.append(sentence)

    # Teff: the sequence (paper Fig. 8), then the trend over stars with Teff on a grid, period and M_G drawn
    seq, sentence = _teff_sequence(ctx, section, sizes.steps)
    log10_teff_lo, log10_teff_hi = seq["log10_teff_range"]
    teff_grid = 10 ** np.linspace(log10_teff_lo, log10_teff_hi, sizes.teff_grid)
    trend_gen = _generated(
        ctx, [(StarRequest("CEP", "F", teff=float(t)), sizes.teff_per) for t in teff_grid], ctx.seed + 200
    )
    train = real_curves(ctx.dataset_dir, "train", classes=("CEP",), max_per_class=ctx.per_class, seed=ctx.seed)
    trend_real = pd.concat([teff_stars(ctx.test_real_fourier), fourier_table(teff_stars(train))], ignore_index=True)
    trend, trend_sentence = _teff_trend(ctx, section, trend_gen, trend_real, sizes.boot)
    text.append(sentence + " " + trend_sentence)

    yes_no = {True: "yes", False: "no", None: "n/a"}
    section.summary = {
        "hertzsprung": hz,
        "period_luminosity": pl,
        "rr_lyrae": rr_out,
        "teff_sequence": seq,
        "teff_trend": trend,
        "headline": {
            "CEP F R21 minimum log P": hz["R21_min_log_p_generated"],
            "CEP F R21 dip depth": hz["R21_dip_depth_generated"],
            "CEP F R21 binned-median gap": hz.get("R21_median_gap", math.nan),
            "CEP F PL slope (I; drawn M_G + photometry)": pl["generated"]["slope"],
            "CEP F PL: I at log P = 1 (mag; drawn M_G + photometry)": pl["generated"]["I_at_log_p_1"],
            "RRab dphi31/dP (rad/day)": rr_out["generated"]["phi31_slope_rad_per_day"],
            "RRab Bailey slope (mag/dex)": rr_out["generated"]["RRab_amplitude_slope_mag_per_dex"],
            "Teff trend signs agree (amplitude, R21)": (
                f"{yes_no[trend['amplitude_slope_sign_agrees']]}, {yes_no[trend['R21_slope_sign_agrees']]}"
            ),
        },
        "headline_reference": {}
        if ctx.ogle3_catalog is None
        else {
            "CEP F R21 minimum log P": hz.get("R21_min_log_p_real", math.nan),
            "CEP F R21 dip depth": hz.get("R21_dip_depth_real", math.nan),
            "CEP F R21 binned-median gap": 0.0,
            "CEP F PL slope (I; drawn M_G + photometry)": pl.get("real", {}).get("slope", math.nan),
            "CEP F PL: I at log P = 1 (mag; drawn M_G + photometry)": pl.get("real", {}).get("I_at_log_p_1", math.nan),
            "RRab dphi31/dP (rad/day)": rr_out.get("real", {}).get("phi31_slope_rad_per_day", math.nan),
            "RRab Bailey slope (mag/dex)": rr_out.get("real", {}).get("RRab_amplitude_slope_mag_per_dex", math.nan),
        },
    }
    section.text = "\n\n".join(text)
    return section
