"""Photometric noise of generated light curves: Gaussian of the errors, or the survey's own.

A model trained by ``varsynth train`` records, per survey, band and class of its training light
curves, how real points scatter around the stars' light curves in units of their published
errors (:func:`varsynth.training.noise.fit_survey_noise`): the distributions of each light
curve's scale factor and of its scatter in magnitudes (quantiles), the Student-t of the
residuals within a light curve, and a residual library: the scale, scatter and residual
quantiles of up to 128 real light curves each.
:func:`draw_noise` gives each light curve of those surveys and bands the scale, scatter and
residual distribution of one library light curve drawn at random (scale and Student-t drawn
apart for records without a library), times the errors, and Gaussian noise of the errors for
all others (and for models without the record). Library entries also hold the real light curve's
phase jitter (:func:`curve_jitter`), with which the generator evaluates each epoch's shape at a
slightly perturbed phase, and its visit fraction (:func:`curve_visit`): the share of its residual
variance that the points of one visit (a night's exposures) have in common, which the generator
draws once per visit (:func:`visit_units`).

How a survey misjudges its errors depends on the star's brightness. In the embedded model's
Catalina libraries the visit fraction falls as the median error grows (Spearman -0.3 to -0.8
for every class but the CRTS LPVs: a bright star's residuals are mostly the night's
calibration, a faint one's photon noise); the scale factor falls with it for SDSS (-0.3 to
-0.6) and most Gaia classes, and rises for CRTS RR Lyrae (+0.66). So where a light curve's typical error
is known before its noise is drawn, its library entry is drawn among the
:data:`MATCHED_ENTRIES` entries of the nearest median errors (:func:`matched_entries`), not
among all, where that error lies within the range of the library's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special, stats

__all__ = [
    "NoiseModel",
    "survey_noise",
    "curve_scales",
    "matched_entries",
    "curve_jitter",
    "curve_visit",
    "epoch_visits",
    "visit_units",
    "noise_sigma",
    "unit_noise",
    "draw_noise",
    "VISIT_GAP",
]

#: Epochs of a light curve closer in time than this (days) are one visit (as the noise record
#: measured its visit fractions, ``varsynth.training.noise.VISIT_GAP``).
VISIT_GAP = 0.3

#: ``{survey: {band: {"nu": ..., "scale": ..., "max_abs": ...}}}``
NoiseModel = dict[str, dict[str, dict[str, Any]]]


def survey_noise(metadata: dict[str, Any]) -> NoiseModel:
    """The per-survey noise a bundle records (its ``noise`` component, ``fit["noise"]`` of its
    metadata; empty for bundles without it)."""
    return dict(metadata.get("fit", {}).get("noise", {}) or {})


def _record(model: NoiseModel, survey: str, band: str, vclass: str | None) -> dict[str, Any] | None:
    """The record of a survey's band (the class's own where there is one), or ``None``."""
    fit = (model.get(survey) or {}).get(band)
    if fit is None:
        return None
    return (fit.get("classes") or {}).get(vclass, fit)


#: A light curve whose typical error is known draws its residual-library entry among this many
#: entries whose real light curves had the nearest median errors (:func:`matched_entries`).
MATCHED_ENTRIES = 16


def matched_entries(
    entry_err: np.ndarray, curve_err: np.ndarray, u: np.ndarray, k: int = MATCHED_ENTRIES
) -> np.ndarray:
    """Library entries (m,) for light curves of median errors ``curve_err`` (m,) mag: the one at
    ``u`` (m,) in [0, 1) among the ``k`` entries whose median errors ``entry_err`` (L,) mag are
    nearest in log (ties by entry order). How errors are misjudged depends on brightness (a
    bright Catalina star's residuals are mostly common to a visit, a faint one's are not), so a
    light curve takes the noise of real light curves of its own error level. An error outside
    the entries' range (a faint RR Lyrae on a record of bright Cepheids: the library says
    nothing of such errors, and its few extreme entries would stand for all), non-finite or
    non-positive draws among all entries."""
    entry_err, curve_err = np.asarray(entry_err, dtype=float), np.asarray(curve_err, dtype=float)
    size = entry_err.size
    k = max(1, min(k, size))
    pick = np.minimum((u * size).astype(np.int64), size - 1)
    valid = entry_err[np.isfinite(entry_err) & (entry_err > 0)]
    if valid.size == 0:
        return pick
    with np.errstate(invalid="ignore"):
        known = (curve_err >= valid.min()) & (curve_err <= valid.max())  # False for NaN
    if known.any():
        log_entry = np.log(np.where(entry_err > 0, entry_err, np.nan))
        distance = np.abs(log_entry[None, :] - np.log(curve_err[known])[:, None])
        nearest = np.argsort(np.nan_to_num(distance, nan=np.inf), axis=1, kind="stable")[:, :k]
        pick[known] = nearest[np.arange(nearest.shape[0]), np.minimum((u[known] * k).astype(np.int64), k - 1)]
    return pick


def curve_scales(
    model: NoiseModel,
    survey: str,
    curve_band: np.ndarray,
    rng: np.random.Generator,
    vclass: str | None = None,
    curve_err: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per light curve (m,) in bands ``curve_band`` (m,): the error scale factor ``c``, the largest
    scatter ``s`` (mag) and the residual-library entry ``e`` whose residual distribution its points
    follow (:func:`unit_noise`), from one uniform number per light curve: a record with a library
    gives the ``c`` and ``s`` of its entry ``e`` (with ``curve_err`` (m,), the light curves'
    median errors in mag, among the entries of the nearest errors, :func:`matched_entries`); one
    without, both at that quantile of the recorded distributions (inverse CDF, linear between the
    quantiles) and ``e = -1``; ``c = 1``, ``s = inf``, ``e = -1`` where nothing is recorded."""
    curve_band = np.asarray(curve_band)
    factor, ceiling = np.ones(curve_band.size), np.full(curve_band.size, np.inf)
    entry = np.full(curve_band.size, -1, dtype=np.int64)
    for name in np.unique(curve_band).tolist():
        fit = _record(model, survey, name, vclass)
        if fit is None:
            continue
        sel = curve_band == name
        u = rng.uniform(0.0, 1.0, int(sel.sum()))
        library = fit.get("library")
        if library:
            scale, scatter = np.asarray(library["scale"], dtype=float), np.asarray(library["scatter"], dtype=float)
            if curve_err is None:
                pick = np.minimum((u * scale.size).astype(np.int64), scale.size - 1)
            else:  # the scatter is the scale times the real light curve's median error
                pick = matched_entries(scatter / scale, np.asarray(curve_err, dtype=float)[sel], u)
            entry[sel] = pick
            factor[sel], ceiling[sel] = scale[pick], scatter[pick]
            continue
        for out, key in ((factor, "scale_quantiles"), (ceiling, "scatter_quantiles")):
            if key in fit:
                q = np.asarray(fit[key], dtype=float)
                out[sel] = np.interp(u, np.linspace(0.0, 1.0, q.size), q)
    return factor, ceiling, entry


def _entry_values(
    model: NoiseModel, survey: str, curve_band: np.ndarray, entry: np.ndarray, vclass: str | None, key: str
) -> np.ndarray:
    """The residual-library list ``key`` at each light curve's entry (m,), 0 for light curves
    without an entry and for records kept before that list was."""
    curve_band, entry = np.asarray(curve_band), np.asarray(entry, dtype=np.int64)
    out = np.zeros(curve_band.size)
    for name in np.unique(curve_band[entry >= 0]).tolist():
        fit = _record(model, survey, name, vclass)
        values = ((fit or {}).get("library") or {}).get(key)
        if values:
            sel = (curve_band == name) & (entry >= 0)
            out[sel] = np.asarray(values, dtype=float)[entry[sel]]
    return out


def curve_jitter(
    model: NoiseModel, survey: str, curve_band: np.ndarray, entry: np.ndarray, vclass: str | None = None
) -> np.ndarray:
    """Phase jitter (cycles) per light curve (m,) in bands ``curve_band`` (m,): that of its
    residual-library entry ``entry`` (m,) (from :func:`curve_scales`; the real light curve's
    scatter in phase, :func:`varsynth.training.noise.phase_jitter`), 0 for light curves without an
    entry and for records kept before the jitter was. A generated light curve's shape is evaluated
    at ``phase + jitter * N(0, 1)``, one draw per visit (``varsynth.generation.engine.phase_shifts``)."""
    return _entry_values(model, survey, curve_band, entry, vclass, "jitter")


def curve_visit(
    model: NoiseModel, survey: str, curve_band: np.ndarray, entry: np.ndarray, vclass: str | None = None
) -> np.ndarray:
    """Visit fraction (0-1) per light curve (m,) in bands ``curve_band`` (m,): that of its
    residual-library entry ``entry`` (m,) (:func:`curve_scales`; the real light curve's share of
    residual variance common to a visit, ``varsynth.training.noise.visit_fraction``), 0 without
    an entry and for records kept before visit fractions were."""
    return np.clip(_entry_values(model, survey, curve_band, entry, vclass, "visit"), 0.0, 1.0)


def epoch_visits(time: np.ndarray, curve: np.ndarray, gap: float = VISIT_GAP) -> np.ndarray:
    """The visit (E,) of each epoch with times ``time`` (E,) days of light curves ``curve`` (E,):
    visits numbered 0, 1, ... by light curve then time, a new one wherever a light curve's
    consecutive epochs are ``gap`` days or more apart."""
    time, curve = np.asarray(time, dtype=float), np.asarray(curve, dtype=np.int64)
    out = np.empty(time.size, dtype=np.int64)
    if time.size == 0:
        return out
    order = np.lexsort((time, curve))
    t, c = time[order], curve[order]
    out[order] = np.concatenate([[0], np.cumsum((np.diff(c) != 0) | (np.diff(t) >= gap))])
    return out


def visit_units(
    model: NoiseModel,
    survey: str,
    band: np.ndarray,
    entry: np.ndarray,
    visit: np.ndarray,
    rng: np.random.Generator,
    vclass: str | None = None,
) -> np.ndarray:
    """One draw per visit (:func:`epoch_visits`) repeated on its epochs (E,): from the residual
    distribution of the light curve's library entry (``entry`` (E,)), as :func:`unit_noise` draws a
    point, for epochs in bands ``band`` (E,). A light curve of visit fraction ``rho`` gets noise
    ``sqrt(rho) g + sqrt(1 - rho) u`` in units of its scale, ``g`` this draw and ``u`` its point's."""
    visit = np.asarray(visit, dtype=np.int64)
    _, first, which = np.unique(visit, return_index=True, return_inverse=True)
    per_visit = unit_noise(model, survey, np.asarray(band)[first], rng, vclass, np.asarray(entry)[first])
    return per_visit[which]


def noise_sigma(err: np.ndarray, factor: np.ndarray, ceiling: np.ndarray) -> np.ndarray:
    """The noise's scale (mag) per point, ``min(factor * err, max(err, ceiling))``: the errors
    times the factor, whose excess over the errors is at most the ceiling's (a factor below 1
    shrinks the errors as measured)."""
    return np.minimum(factor * err, np.maximum(err, ceiling))


def unit_noise(
    model: NoiseModel,
    survey: str,
    band: np.ndarray,
    rng: np.random.Generator,
    vclass: str | None = None,
    entry: np.ndarray | None = None,
) -> np.ndarray:
    """Noise (n,) in units of the (scaled) errors for points in bands ``band`` (n,).

    A point whose light curve has a residual-library entry (``entry`` (n,) >= 0, from
    :func:`curve_scales`) follows that real light curve's residual distribution (its recorded
    quantiles, inverted linearly); other points of a recorded band get ``t_scale * T`` with T a
    Student-t of ``nu`` degrees of freedom truncated to ``|t_scale * T| <= max_abs``; all others
    a standard normal. One uniform number per point, in the points' order, is turned into either
    by inverting the CDF: the draws of a run do not depend on how its points are split into calls."""
    band = np.asarray(band)
    u = rng.uniform(0.0, 1.0, band.size)
    out = special.ndtri(np.clip(u, 1e-300, 1.0 - 1e-16))
    if not model.get(survey):  # no record of this survey: Gaussian everywhere
        return out
    entry = np.full(band.size, -1, dtype=np.int64) if entry is None else np.asarray(entry, dtype=np.int64)
    for name in np.unique(band).tolist():
        fit = _record(model, survey, name, vclass)
        if fit is None:
            continue
        sel = band == name
        library = fit.get("library")
        own = sel & (entry >= 0) if library else np.zeros(band.size, dtype=bool)
        if library and own.any():
            out[own] = _library_quantile(library, entry[own], u[own])
        rest = sel & ~own
        if rest.any():
            nu, t_scale = float(fit["nu"]), float(fit["t_scale"])
            bound = float(fit["max_abs"]) / t_scale
            lo, hi = stats.t.cdf(-bound, nu), stats.t.cdf(bound, nu)
            out[rest] = t_scale * stats.t.ppf(lo + u[rest] * (hi - lo), nu)
    return out


def _library_quantile(library: dict[str, Any], entry: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The residual (units of the light curve's scale) at probability ``u`` (n,) of the library
    light curves ``entry`` (n,): their recorded quantiles, linear between the probabilities and the
    outermost value beyond them. Memory: a few arrays of n, whatever the library's size."""
    p = np.asarray(library["probabilities"], dtype=float)
    flat = np.asarray(library["shape"], dtype=float).ravel()  # (entries * len(p),)
    u = np.clip(u, p[0], p[-1])
    j = np.clip(np.searchsorted(p, u, side="right") - 1, 0, p.size - 2)
    t = (u - p[j]) / (p[j + 1] - p[j])
    at = entry * p.size + j
    return flat[at] * (1.0 - t) + flat[at + 1] * t


def draw_noise(
    model: NoiseModel,
    survey: str,
    band: np.ndarray,
    err: np.ndarray,
    rng: np.random.Generator,
    vclass: str | None = None,
    curve: np.ndarray | None = None,
    scales: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    time: np.ndarray | None = None,
) -> np.ndarray:
    """Noise (n,) in mag for points of ``survey`` in bands ``band`` (n,) with errors ``err`` (n,) mag.

    ``curve`` (n,) numbers the star of each point (``None``: all points are of one star); a
    light curve is one star in one band. Points of a band the model records (of the class
    ``vclass`` where recorded for it,
    else of the survey's band) get ``err * c * r``, with one scale ``c`` and residual distribution
    per light curve (:func:`curve_scales`) and ``r`` drawn from it per point (:func:`unit_noise`);
    the other points ``err * N(0, 1)``. ``scales``: the light curves' :func:`curve_scales`, when
    already drawn (to evaluate their shapes with the entries' :func:`curve_jitter` first).
    ``time`` (n,) days: the points' times, with which a light curve whose library entry has a visit
    fraction gets part of its noise once per visit (:func:`visit_units`; ``None``: every point apart).
    """
    err = np.asarray(err, dtype=float)
    band = np.asarray(band)
    curve = np.zeros(err.size, dtype=np.int64) if curve is None else np.asarray(curve)
    names, band_code = np.unique(band, return_inverse=True)
    _, first, which = np.unique(
        curve.astype(np.int64) * max(len(names), 1) + band_code, return_index=True, return_inverse=True
    )  # a light curve is one band of one star
    factor, ceiling, entry = curve_scales(model, survey, band[first], rng, vclass) if scales is None else scales
    unit = unit_noise(model, survey, band, rng, vclass, entry[which])
    if time is not None:
        rho = curve_visit(model, survey, band[first], entry, vclass)
        if rho.any():  # no draw otherwise: the noise of records without visit fractions is unchanged
            child = np.random.default_rng(rng.integers(2**63))
            common = visit_units(model, survey, band, entry[which], epoch_visits(time, which), child, vclass)
            unit = np.sqrt(1.0 - rho[which]) * unit + np.sqrt(rho[which]) * common
    return noise_sigma(err, factor[which], ceiling[which]) * unit
