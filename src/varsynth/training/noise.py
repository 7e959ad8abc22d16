"""Per-survey photometric noise beyond the published errors, measured on the training light curves.

Survey errors are estimates: real points scatter around a star's smooth light curve more than
their errors say (underestimated errors, unmodelled systematics, blends), with heavier tails than
a Gaussian (outliers). Light curves generated with Gaussian noise of the stated errors come out
smoother, with fewer outliers, than real ones of the same survey.

For each survey and band, the normalised residuals ``r = (m - f(phase)) / err`` of the real
training light curves around their own weighted, smoothed Fourier fit ``f`` (order 8, ridge
strength chosen by generalised cross-validation), corrected for the fit's effective degrees of
freedom (``r * sqrt(n / (n - tr H))``), are described in two parts, because errors are misjudged
by a different factor for every star (its brightness, crowding, the field's calibration):

- the scale of each light curve, ``c = 1.4826 x median |r|`` (1 for honest Gaussian errors),
  and its scatter in magnitudes, ``c`` times its median error, whose distributions over the
  light curves are recorded as 41 quantiles each;
- the shape of the residuals within a light curve, ``r / c`` pooled over the light curves,
  fitted by a Student-t of location 0 (:func:`scipy.stats.t.fit`, maximum likelihood):
  degrees of freedom ``nu`` and scale ``t_scale``, truncated at the 99.9th percentile of
  ``|r / c|`` (the training light curves were cleaned of outliers).

The generator draws, for each light curve of that survey and band, a scale ``c`` and a scatter
``s`` (mag) at one quantile of the recorded distributions, and noise
``sigma * t_scale * T_nu`` for its points with ``sigma = min(c * err, max(err, s))`` instead of
``err * N(0, 1)`` (:func:`varsynth.generation.noise.draw_noise`): the excess over the errors is
proportional to them, but it makes the scatter no larger in magnitudes than real light curves' (a survey's
excess is partly a floor of calibration scatter: Gaia DR3's bright training stars have errors
of 1-2 mmag and 8x that scatter; a faint generated star with 10 mmag errors is not given 80). Honest Gaussian errors are
``c = 1``, ``t_scale = 1``, ``nu`` -> infinity. The fit is made per class too: the residuals of a
class also hold its scatter around a strictly periodic light curve (cycle-to-cycle changes of
LPVs, say), which its generated light curves then share.

Scale and shape are not independent: a star whose errors are misjudged by a large factor often
has skewed or heavy-tailed residuals too (a blend, a bad epoch), and one Student-t per survey
gives every generated light curve the same tails. So each record also keeps a **residual
library**: for up to :data:`LIBRARY_SIZE` of its light curves (a seeded random subset), the scale
``c``, the scatter ``s`` and the quantiles of ``r / c`` at :data:`LIBRARY_PROBABILITIES`. The
generator then gives each generated light curve the whole noise description of one real light
curve, drawn at random from the library: its scale, its scatter and its own residual
distribution (points drawn by inverting its quantiles). Records without a library (bundles
trained before it) keep the Student-t.

Residuals are not independent in time. Catalina (CSS, CRTS) takes four exposures within about
30 minutes and Gaia two fields of view 106 minutes apart: the points of one visit share the
night's calibration and, for slow variables, the star's brightness at that time (an LPV's
cycle-to-cycle changes). Folded, such a light curve shows tight groups of points offset from
each other, which independent noise does not. Where a dataset records each point's time
(``time``, days), each library light curve also keeps its **visit fraction** ``rho``
(:func:`visit_fraction`): the share of its residual variance common to the points of a visit
(points less than :data:`VISIT_GAP` apart), by the method of moments. The generator gives the
points of a visit one common draw ``g`` and each point its own ``u``, both from the light curve's
residual distribution, as ``sqrt(rho) g + sqrt(1 - rho) u`` (:func:`varsynth.generation.noise.visit_units`).
A light curve with fewer than :data:`VISIT_MIN_GROUPS` visits of two or more points (one point a
night: OGLE-III, ASAS, SDSS, EROS-1) has ``rho = 0``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
from scipy import optimize, stats

from varsynth.data.io import read_split
from varsynth.data.tensors import DataFilter

__all__ = [
    "MIN_POINTS",
    "MIN_CURVES",
    "LIBRARY_SIZE",
    "LIBRARY_PROBABILITIES",
    "fit_survey_noise",
    "fit_noise",
    "likelihood_error_scales",
    "normalised_residuals",
    "residuals_and_slopes",
    "phase_jitter",
    "visit_groups",
    "visit_fraction",
    "VISIT_GAP",
]

#: Fewest points of a light curve used (the training cleaning's minimum).
MIN_POINTS = 20
#: Highest Fourier order of the per-light-curve fit.
MAX_ORDER = 8
#: Ridge strengths tried (relative to the mean diagonal of the weighted normal matrix).
RIDGE_GRID = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0)
#: Residuals per survey and band the Student-t is fitted on (a seeded random subset of them all).
MAX_FIT_POINTS = 200_000
#: 1.4826 x the median absolute deviation estimates a Gaussian's sigma.
ROBUST_SIGMA = 1.4826
#: Probabilities at which the distribution of the light curves' scales is recorded.
QUANTILES = tuple(np.linspace(0.0, 1.0, 41).round(4).tolist())
#: Fewest light curves of a survey and band for a fit; fewer keep Gaussian noise.
MIN_CURVES = 20
#: Most light curves of a record whose residual distributions are kept (the residual library).
LIBRARY_SIZE = 128
#: Probabilities at which each library light curve's residuals (in units of its scale) are kept:
#: dense in the tails, where the fraction of outlying points is decided. Not 0 and 1: a draw
#: spread evenly between the 99th percentile and the single largest residual would put 1% of the
#: points as far out as the one worst point of the light curve; beyond the outermost kept
#: quantiles a draw takes the outermost value.
LIBRARY_PROBABILITIES = (
    0.002, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.998,
)  # fmt: skip
#: Degrees of freedom of the Student-t of the residuals in the phase-jitter fit (robust to outliers).
JITTER_NU = 5.0
#: The maximum-likelihood scale of a Student-t of :data:`JITTER_NU` degrees of freedom fitted to
#: Gaussian numbers, in units of their standard deviation: the fitted jitter is divided by it, so
#: that it is the standard deviation of the Gaussian phase shifts the generator draws.
JITTER_T_TO_GAUSS = 0.8566
#: Twice the log-likelihood gain over no jitter that a light curve's phase jitter must reach
#: (9: a 3-sigma detection for one parameter).
JITTER_LIKELIHOOD_RATIO = 9.0
#: Fewest points of a light curve whose phase jitter is fitted.
JITTER_MIN_POINTS = 30
#: Decimals kept of the library's numbers (the record is JSON).
LIBRARY_DECIMALS = 4
#: Points of a light curve closer in time than this (days) belong to one visit (a night's
#: exposures of a survey; Catalina's four within ~30 min, Gaia's two fields of view 106 min apart).
VISIT_GAP = 0.3
#: Fewest visits of at least two points a light curve needs for its visit fraction.
VISIT_MIN_GROUPS = 5


def visit_groups(time: np.ndarray, gap: float = VISIT_GAP) -> np.ndarray:
    """The visit of each point (n,) of one light curve with times ``time`` (n,) days, in any
    order: visits numbered 0, 1, ... in time order, a new one wherever consecutive times are
    ``gap`` days or more apart."""
    time = np.asarray(time, dtype=float)
    order = np.argsort(time, kind="stable")
    out = np.empty(time.size, dtype=np.int64)
    out[order] = np.concatenate([[0], np.cumsum(np.diff(time[order]) >= gap)]) if time.size else []
    return out


def visit_fraction(resid: np.ndarray, visit: np.ndarray) -> float:
    """The share (0-1) of the variance of one light curve's residuals ``resid`` (n,) that the
    points of a visit (``visit`` (n,), :func:`visit_groups`) have in common, by the method of
    moments: the within-visit variance ``W`` from the visits of two or more points, the variance
    of the visit means ``B``, and ``rho = max(B - mean(W / n_v), 0) / (that + W)`` (the visit means
    of independent residuals scatter by ``W / n_v`` alone). Residuals beyond 5 robust standard
    deviations are clipped first (one bad exposure is not a bad night). 0 with fewer than
    :data:`VISIT_MIN_GROUPS` visits of two or more points."""
    resid = np.asarray(resid, dtype=float)
    visit = np.asarray(visit, dtype=np.int64)
    if resid.size == 0:
        return 0.0
    bound = 5.0 * max(ROBUST_SIGMA * float(np.median(np.abs(resid - np.median(resid)))), 1e-12)
    r = np.clip(resid, np.median(resid) - bound, np.median(resid) + bound)
    _, v = np.unique(visit, return_inverse=True)
    n = np.bincount(v).astype(float)
    multi = n > 1
    if int(multi.sum()) < VISIT_MIN_GROUPS:
        return 0.0
    mean = np.bincount(v, r) / n
    dev2 = (r - mean[v]) ** 2
    within = float(np.bincount(v, dev2)[multi].sum() / (n[multi] - 1.0).sum())
    common = max(float(np.var(mean, ddof=1)) - float(np.mean(within / n)), 0.0)
    total = common + within
    return float(common / total) if total > 0 else 0.0


def normalised_residuals(phase: np.ndarray, mag: np.ndarray, err: np.ndarray) -> np.ndarray:
    """Residuals (n,) of one folded light curve around its smoothed Fourier fit, in units of its
    errors, scaled by sqrt(n / (n - tr H)) for the fit's effective number of parameters tr H.

    The fit is of order :data:`MAX_ORDER` (fewer, n // 3, for very short light curves) with weights
    1 / err^2 and a ridge penalty growing as k^2 on harmonic k, whose strength is chosen among
    :data:`RIDGE_GRID` by generalised cross-validation (Craven & Wahba 1979): sharp features of
    well-sampled light curves are followed, sparse ones are not overfitted, and the misfit of a
    too-low order does not pass for noise. ``phase`` in [0, 1), ``mag`` and ``err`` in the same
    units (mag or scaled mag); err > 0.
    """
    return residuals_and_slopes(phase, mag, err)[0]


def residuals_and_slopes(phase: np.ndarray, mag: np.ndarray, err: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`normalised_residuals` and the fit's slope at each point, d f / d phase divided by the
    point's error (errors per cycle): a phase shift of ``delta`` cycles moves the point by
    ``slope * delta`` of its errors."""
    n = phase.size
    order = max(1, min(MAX_ORDER, n // 3))
    k = np.arange(1, order + 1)
    # not lightcurve.folding.fourier_design: its other rounding order would change the record's bytes
    arg = 2.0 * np.pi * phase[:, None] * k
    design = np.hstack([np.ones((n, 1)), np.cos(arg), np.sin(arg)])
    slope_design = np.hstack([np.zeros((n, 1)), -2.0 * np.pi * k * np.sin(arg), 2.0 * np.pi * k * np.cos(arg)])
    w = 1.0 / err
    a, y = design * w[:, None], mag * w
    gram, rhs = a.T @ a, a.T @ y
    penalty = np.concatenate([[0.0], k.astype(float) ** 2, k.astype(float) ** 2]) * np.trace(gram) / design.shape[1]
    best = (np.inf, y, 0.0, np.zeros(design.shape[1]))
    for ridge in RIDGE_GRID:
        inv = np.linalg.pinv(gram + ridge * np.diag(penalty))
        coef = inv @ rhs
        resid = y - a @ coef
        dof = float(np.sum((a @ inv) * a))  # trace of the hat matrix
        if dof >= n - 1:
            continue
        gcv = n * float(resid @ resid) / (n - dof) ** 2
        if gcv < best[0]:
            best = (gcv, resid, dof, coef)
    _, resid, dof, coef = best
    return resid * np.sqrt(n / (n - dof)), (slope_design @ coef) * w


def phase_jitter(resid: np.ndarray, slope: np.ndarray) -> tuple[float, np.ndarray]:
    """The phase jitter (cycles) of one light curve and its residuals with the jitter's share removed.

    Points scatter more where the light curve is steep when the phase of each observation is
    itself uncertain (period errors, cycle-to-cycle phase changes, a Blazhko modulation): the
    residuals ``r`` (units of the errors) are modelled as ``r_i = s_i T_i`` with ``T`` a Student-t
    of :data:`JITTER_NU` degrees of freedom (outliers do not pass for jitter) and
    ``s_i^2 = c^2 + j^2 slope_i^2`` for slopes in errors per cycle (:func:`residuals_and_slopes`).
    ``c`` and ``j`` are fitted by maximum likelihood; a jitter is kept only where the likelihood
    ratio against ``j = 0`` exceeds :data:`JITTER_LIKELIHOOD_RATIO` (noise alone does not pass for
    jitter), otherwise ``j = 0``. Light curves of fewer than :data:`JITTER_MIN_POINTS` points: 0.

    Returns ``j`` (as the standard deviation of Gaussian phase shifts, :data:`JITTER_T_TO_GAUSS`)
    and ``r_i c / s_i``: each residual shrunk by the photometric share of its spread (unchanged
    where ``j = 0``).
    """
    if resid.size < JITTER_MIN_POINTS or not np.any(slope):
        return 0.0, resid
    r2, s2, nu = resid**2, slope**2, JITTER_NU

    def nll(log_c2: float, log_j2: float | None) -> float:
        var = np.exp(log_c2) + (0.0 if log_j2 is None else np.exp(log_j2) * s2)
        return 0.5 * float(np.sum(np.log(var) + (nu + 1.0) * np.log1p(r2 / (nu * var))))

    start = np.log(max(float(np.median(r2)) / 0.45, 1e-12))  # median r^2 of a unit t_5 is ~0.53
    null = optimize.minimize_scalar(lambda a: nll(a, None), bracket=(start - 1.0, start + 1.0))
    j0 = np.log(0.25 * np.exp(null.x) / max(float(np.median(s2)), 1e-300))  # a quarter of c^2 at the median slope
    alt = optimize.minimize(
        lambda p: nll(p[0], p[1]), x0=[null.x, j0], method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-3}
    )
    if not alt.success or 2.0 * (null.fun - alt.fun) <= JITTER_LIKELIHOOD_RATIO:
        return 0.0, resid
    c2, j2 = float(np.exp(alt.x[0])), float(np.exp(alt.x[1]))
    return float(np.sqrt(j2)) / JITTER_T_TO_GAUSS, resid * np.sqrt(c2 / (c2 + j2 * s2))


def fit_survey_noise(
    dataset_dir: str | Path, data_filter: DataFilter | None = None, *, seed: int = 0
) -> dict[str, dict[str, dict[str, Any]]]:
    """Student-t noise of every survey and band of the real training light curves (with their
    visit fractions where the dataset records each point's ``time``).

    Returns:
        ``{survey: {band: {"scale_quantiles", "scatter_quantiles", "nu", "t_scale", "max_abs",
        "curves", "points", "mad_scale", "library", "classes"}}}``: the light curves' scales and
        scatters (mag) at :data:`QUANTILES`, the
        within-light-curve Student-t and its truncation, the light curves and points used and
        the robust scale of all residuals pooled (1.4826 x median absolute residual), the residual
        library (``probabilities`` and, per kept light curve, ``scale``, ``scatter`` and ``shape``
        quantiles; see the module), of
        all the survey's light curves in the band and, under ``classes``, of each class's with at
        least :data:`MIN_CURVES` light curves (a class's residuals hold its intrinsic scatter
        around a strictly periodic light curve too: cycle-to-cycle changes of LPVs, say);
        surveys and bands with fewer than :data:`MIN_CURVES` usable light curves are left out
        (they keep Gaussian noise).
    """
    table = read_split(dataset_dir, "train")
    if data_filter is not None:
        table = data_filter.apply(table)
    table = table.filter(pc.invert(table["augmented"]))
    survey, band, vclass = (np.asarray(table[c].to_pylist(), dtype=object) for c in ("survey", "band", "vclass"))
    phase, mag, err = (table[c].to_numpy(zero_copy_only=False) for c in ("phase", "mag", "mag_err"))
    # datasets built before each point's time was kept have none: no visit fractions then
    time = table["time"].to_numpy(zero_copy_only=False) if "time" in table.column_names else None
    span = table["mag_max"].to_numpy() - table["mag_min"].to_numpy()  # scaled units to mag
    err = [np.asarray(e, float) * w for e, w in zip(err, span)]
    mag = [np.asarray(m, float) * w for m, w in zip(mag, span)]
    out: dict[str, dict[str, dict[str, Any]]] = {}

    def fit_rows(rows: np.ndarray) -> dict[str, Any] | None:
        times = None if time is None else [time[i] for i in rows]
        return fit_noise(
            [phase[i] for i in rows], [mag[i] for i in rows], [err[i] for i in rows], seed=seed, times=times
        )

    for key in sorted(set(zip(survey.tolist(), band.tolist()))):
        rows = np.flatnonzero((survey == key[0]) & (band == key[1]))
        fit = fit_rows(rows)
        if fit is None:
            continue
        fit["classes"] = {}
        for name in sorted(set(vclass[rows].tolist())):
            one = fit_rows(rows[vclass[rows] == name])
            if one is not None:
                fit["classes"][name] = one
        out.setdefault(key[0], {})[key[1]] = fit
    return out


def fit_noise(
    phases: list[np.ndarray],
    mags: list[np.ndarray],
    errs: list[np.ndarray],
    *,
    seed: int = 0,
    times: list[np.ndarray] | None = None,
) -> dict[str, Any] | None:
    """The Student-t of the normalised residuals of a set of folded light curves (see the module).

    Each light curve is ``phase`` in [0, 1), ``mag`` and ``err`` (same units, err > 0) and, when
    ``times`` is given, each point's time (days), from which its visit fraction is measured
    (:func:`visit_fraction`; the library's ``visit`` list); its non-finite points and points with
    err <= 0 are left out, light curves with fewer than :data:`MIN_POINTS` usable points too.
    ``None`` with fewer than :data:`MIN_CURVES` usable light curves.
    """
    parts, typical_err, jitter, visit = [], [], [], []
    for i, (ph, m, e) in enumerate(zip(phases, mags, errs)):
        ph, m, e = (np.asarray(x, float) for x in (ph, m, e))
        ok = np.isfinite(ph) & np.isfinite(m) & np.isfinite(e) & (e > 0)
        if ok.sum() >= MIN_POINTS:
            j, photometric = phase_jitter(*residuals_and_slopes(ph[ok], m[ok], e[ok]))
            parts.append(photometric)
            jitter.append(j)
            typical_err.append(float(np.median(e[ok])))
            if times is not None:
                t = np.asarray(times[i], float)[ok]
                visit.append(visit_fraction(photometric, visit_groups(t)) if np.isfinite(t).all() else 0.0)
    if len(parts) < MIN_CURVES:
        return None
    scales = np.array([ROBUST_SIGMA * np.median(np.abs(r)) for r in parts])
    scales = np.maximum(scales, 1e-3)  # a light curve of repeated values has MAD 0
    scatter = scales * np.asarray(typical_err)  # each light curve's scatter in the errors' units
    within = np.concatenate([r / c for r, c in zip(parts, scales)])
    within = within[np.isfinite(within)]
    rng = np.random.default_rng(seed)
    sample = within if within.size <= MAX_FIT_POINTS else rng.choice(within, MAX_FIT_POINTS, replace=False)
    nu, _, t_scale = stats.t.fit(sample, floc=0.0)
    r = np.concatenate(parts)
    chosen = np.sort(rng.permutation(len(parts))[:LIBRARY_SIZE])
    library = {
        "probabilities": list(LIBRARY_PROBABILITIES),
        "scale": np.round(scales[chosen], LIBRARY_DECIMALS).tolist(),
        "scatter": np.round(scatter[chosen], LIBRARY_DECIMALS + 2).tolist(),
        "jitter": np.round(np.asarray(jitter)[chosen], LIBRARY_DECIMALS + 2).tolist(),
        **({"visit": np.round(np.asarray(visit)[chosen], LIBRARY_DECIMALS).tolist()} if times is not None else {}),
        "shape": [
            np.round(np.quantile(parts[i] / scales[i], LIBRARY_PROBABILITIES), LIBRARY_DECIMALS).tolist()
            for i in chosen
        ],
    }
    return {
        "scale_quantiles": np.quantile(scales, QUANTILES).tolist(),
        "scatter_quantiles": np.quantile(scatter, QUANTILES).tolist(),
        "nu": float(nu),
        "t_scale": float(t_scale),
        "max_abs": float(np.quantile(np.abs(within), 0.999)),
        "curves": len(parts),
        "points": int(r.size),
        "mad_scale": float(ROBUST_SIGMA * np.median(np.abs(r))),
        "library": library,
    }


def likelihood_error_scales(noise: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, float]]:
    """``{survey: {band: factor}}``: the median scale factor of each survey and band's light curves
    in a :func:`fit_survey_noise` record (how much the real points scatter beyond their published
    errors, for the typical light curve), the errors' factor in the training likelihood of
    ``optim.likelihood_errors: survey``."""
    return {
        survey: {band: float(np.median(fit["scale_quantiles"])) for band, fit in bands.items()}
        for survey, bands in noise.items()
    }
