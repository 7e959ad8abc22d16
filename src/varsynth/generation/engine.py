"""Generate light curves in real units: MJD, apparent magnitudes and errors, for any cadence.

For every requested star (section 4.3 of Martinez-Palomera et al. 2022, extended):

1. physical parameters: the given ones (Teff [K], M_G [mag], period [days]) are checked against
   the class's training range; the missing ones are drawn from the class's training stars
   nearest to the given ones (:meth:`PhysicsCatalog.draw`); M_G of T2CEP, ACEP and ELL, whose
   training stars have no distance, comes from the class's period relation with its scatter
   (:func:`~varsynth.generation.abs_mag.fill_abs_mag`, :mod:`varsynth.physics.luminosity`);
2. epochs: the cadence draws the star's observation times (MJD) and bands; bands outside the
   model's trained wavelength range are left out (or kept and flagged with
   ``allow_extrapolation``); a cadence in phase units (:class:`~varsynth.cadences.simple.PhaseGridCadence`,
   the templates of :mod:`varsynth.generation.lclib`) gives phases, times the star's period in days;
3. shape and amplitude: the flow prior draws the latent code and log10 amplitude for the class,
   physics and each band's wavelength, from one base draw per star, so a star's bands agree;
   with the flow's ``neighbour_bandwidth``, the base draw is taken near the base point of the
   training light curve the star's physics came from (a kernel density estimate of the
   neighbours' base points), which keeps the dependence of shape on physics the flow missed;
4. time to phase: phase = ((t - epoch) / period) mod 1, with the epoch of phase 0 (maximum
   light; primary minimum for eclipsing and ellipsoidal binaries, the convention of the
   training light curves, which the flow prior learned from the real, unshifted ones) given or
   uniform in one period;
5. magnitudes: the decoder's scaled shape times the amplitude around the band's mean magnitude
   (:func:`~varsynth.generation.photometry.mean_magnitude`: M_G, distance modulus, black-body
   colour, CCM89 extinction), then the cadence's error model (or, for cadences without one, the
   model's predicted errors along the cycle scaled to the class's typical training error
   relative to amplitude) and noise of that error: on a real survey's cadence, the survey's
   measured scatter beyond its published errors (a scale per light curve and a truncated
   Student-t, per band and class, :mod:`varsynth.generation.noise`), else Gaussian.

Everything random comes from ``numpy.random.default_rng([seed, chunk])``, so a seed reproduces
the output exactly, chunk by chunk. Memory is bounded by epochs, not stars: a chunk holds
``chunk_size`` stars, or fewer when their epochs would pass :data:`CHUNK_EPOCHS`, and its epochs
are decoded and written :data:`SLICE_EPOCHS` at a time (one star's may span several tables).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import torch
from astropy.table import Table, vstack
from astropy.time import Time
from astropy.timeseries import TimeSeries
from tqdm.auto import tqdm

from varsynth.bands import band as band_info
from varsynth.cadences import Cadence, Epochs, as_cadence
from varsynth.cadences.simple import UniformCadence
from varsynth.config import ConfigError
from varsynth.generation.abs_mag import ABS_MAG, fill_abs_mag
from varsynth.generation.checks import probe_epochs
from varsynth.generation.config import GenerationConfig
from varsynth.generation.decode import decode_epochs
from varsynth.generation.lightcurves import to_lightcurves
from varsynth.generation.model import GenerativeModel, load_model
from varsynth.generation.nested import STAR_COLUMNS
from varsynth.generation.noise import (
    curve_jitter,
    curve_scales,
    curve_visit,
    epoch_visits,
    noise_sigma,
    survey_noise,
    unit_noise,
    visit_units,
)
from varsynth.generation.photometry import mean_magnitude
from varsynth.generation.request import MAX_PERIOD, StarRequest  # noqa: F401 - re-exported
from varsynth.generation.stages import lap, restart
from varsynth.generation.writers import LONG_SCHEMA, NonFiniteOutputError, check_finite
from varsynth.latent.catalog import PHYS_NAMES
from varsynth.lightcurve import LightCurve
from varsynth.models.config import PHYSICS_CHOICES
from varsynth.physics.luminosity import class_luminosity
from varsynth.taxonomy import CLASSES

__all__ = [
    "CHUNK_EPOCHS",
    "SLICE_EPOCHS",
    "stars_per_chunk",
    "LMC_DISTANCE_MODULUS",
    "StarRequest",
    "ExtrapolationError",
    "GenerationConfig",
    "base_points",
    "phase_shifts",
    "check_config",
    "check_generation",
    "generate_chunks",
    "iter_generate",
    "generate_table",
    "generate",
]

log = logging.getLogger(__name__)

#: Default distance modulus (mag): the LMC (Pietrzynski et al. 2019), where most training stars are.
LMC_DISTANCE_MODULUS = 18.477
#: Relative margin on the trained wavelength range before a band counts as extrapolated.
_WAVE_MARGIN = 0.02
#: Smallest error (mag) reported when the model's own errors are used.
_MIN_ERR = 1e-3
#: Most epochs (summed over the stars) of one chunk of stars, whose epochs, light-curve indices
#: and decoded shapes are held together (~100 bytes per epoch): a chunk holds fewer stars than
#: ``chunk_size`` when their epochs would pass it (a star with more epochs is a chunk of its own).
CHUNK_EPOCHS = 1 << 20
#: Most epochs decoded and turned into an output table at a time: the working set of the
#: decoder and the rows handed to the writer.
SLICE_EPOCHS = 1 << 16


class ExtrapolationError(ConfigError):
    """A physical parameter or passband outside what the model was trained on."""


def _show(name: str, value: float) -> str:
    return f"{10**value:.4g}" if name.startswith("log10_") else f"{value:.3g}"


def conditioned_physics(
    model: GenerativeModel, request: StarRequest, phys: np.ndarray, neighbour: np.ndarray, unconditioned: np.ndarray
) -> np.ndarray:
    """The physics (n, 3) the network and the flow are conditioned on: ``phys`` with NaN (masked,
    as a missing value in training) where the star's value was drawn, not given, and the training
    star it was drawn near (``neighbour``, catalog rows) did not have it, and where M_G was filled
    from a relation the class never had in training (``unconditioned``).

    The drawn values stay in the output and in the photometry; the model sees each star as it saw
    its neighbour in training. E.g. 1 of 1,645 training LPVs has a Teff: an LPV conditioned on
    that one star's 6,134 K lies outside what the model learned for the class (OGLE-III Mira I-band
    amplitudes came out 0.5 instead of 1.3 mag).
    """
    cond = np.array(phys, dtype=float, copy=True)
    drawn = ~np.isfinite(request.given_physics())
    lacking = ~np.isfinite(model.catalog.phys[neighbour]) & drawn[None, :]
    cond[lacking] = np.nan
    cond[unconditioned, ABS_MAG] = np.nan
    return cond


def _check_physics(model: GenerativeModel, request: StarRequest, allow_extrapolation: bool) -> bool:
    """Refuse given physics outside the class's training range; ``True`` if it is (and allowed)."""
    given = request.given_physics()
    ranges = model.catalog.ranges(request.vclass, request.subtype)
    units = {"log10_teff": ("teff", "K"), "abs_mag": ("abs_mag", "mag"), "log10_period": ("period", "days")}
    outside = []
    for j, name in enumerate(PHYS_NAMES):
        lo, hi = ranges[name]
        key, unit = units[name]
        if math.isfinite(given[j]) and not math.isfinite(lo):
            outside.append(f"{key} is known for none of the model's {request.vclass} training stars")
        elif math.isfinite(given[j]) and not (lo <= given[j] <= hi):
            outside.append(
                f"{key} {_show(name, given[j])} {unit} is outside the {request.vclass} "
                f"training range [{_show(name, lo)}, {_show(name, hi)}] {unit}"
            )
    if outside and not allow_extrapolation:
        raise ExtrapolationError(
            "; ".join(outside) + "; pass allow_extrapolation=True "
            "(--allow-extrapolation) to generate it anyway, flagged as extrapolated"
        )
    return bool(outside)


def _band_ok(model: GenerativeModel, survey: str, bands: np.ndarray, vclass: str | None = None) -> dict[str, bool]:
    """Whether each band lies inside the trained wavelength range (of class ``vclass``'s light
    curves, at its typical temperature, when given; else the band's published wavelength against
    all light curves')."""
    lo, hi = model.catalog.wave_range(vclass)
    catalog = model.catalog
    wave = {
        b: band_info(survey, b).wave_eff if vclass is None else float(catalog.wavelengths(survey, b, np.nan, vclass)[0])
        for b in np.unique(bands).tolist()
    }
    return {b: lo * (1 - _WAVE_MARGIN) <= w <= hi * (1 + _WAVE_MARGIN) for b, w in wave.items()}


def class_wavelength_gaps(model: GenerativeModel, vclass: str, survey: str, bands: Sequence[str]) -> list[str]:
    """The bands inside the model's trained wavelength range but outside the range of the class's
    own training light curves: their shapes and amplitudes come from what the wavelength
    conditioning learned on other classes (e.g. LPVs in the z band, redder than any training LPV).
    A band's wavelength here is that of the class's typical temperature. Generated, with a
    warning, not flagged."""
    inside = _band_ok(model, survey, np.asarray(bands))
    own = _band_ok(model, survey, np.asarray(bands), vclass)
    return [b for b in inside if inside[b] and not own[b]]


@dataclass
class _Stars:
    """The physics of the stars of one chunk (stage 1): transformed physics as drawn (m, 3), as
    shown to the network (m, 3; NaN where masked) and the flow's base point of each (m, Z + 1)."""

    phys: np.ndarray
    conditioned: np.ndarray
    base: np.ndarray


@dataclass
class _ChunkEpochs:
    """The epochs of one chunk (stage 2), star-major, each star's in time order, and its light
    curves (one per star and band)."""

    time: np.ndarray  # (E,) MJD
    band_code: np.ndarray  # (E,) index into band_names
    band_names: np.ndarray  # the chunk's band names
    depth: np.ndarray  # (E,) 5-sigma depth, mag (NaN without)
    star: np.ndarray  # (E,) star of each epoch
    outside: np.ndarray  # (E,) band outside the trained wavelengths
    first: np.ndarray  # (m,) first epoch of each star (MJD)
    curve: np.ndarray  # (E,) light curve of each epoch
    pair_star: np.ndarray  # (C,) star of each light curve
    pair_band: np.ndarray  # (C,) band of each light curve
    wave_um: np.ndarray  # (C,) effective wavelength of each light curve, micron

    @property
    def band(self) -> np.ndarray:
        return self.band_names[self.band_code]


def _draw_stars(model: GenerativeModel, config: GenerationConfig, m: int, rng: np.random.Generator) -> _Stars:
    """Stage 1, physics: each star's physics from a training neighbour, the values the model is
    shown, and its flow base point near the neighbour's."""
    request = config.request
    phys, neighbour = model.catalog.draw(
        request.vclass,
        request.subtype,
        request.given_physics(),
        m,
        rng,
        wave_nm=neighbour_wave(model, config),
        wave_dex=model.flow.config.neighbour_passband_dex,
        outside_only=model.flow.config.neighbour_passband_outside,
    )
    phys, unconditioned = fill_abs_mag(
        model.catalog, request.vclass, request.subtype, phys, request.abs_mag is not None, rng
    )
    conditioned = conditioned_physics(model, request, phys, neighbour, unconditioned)
    base = model.base_points(neighbour, rng.standard_normal((m, model.cvae.config.latent_dim + 1)))
    return _Stars(phys, conditioned, base)


def neighbour_wave(model: GenerativeModel, config: GenerationConfig) -> float | None:
    """The passband (effective wavelength, nm) near which the stars' physics neighbours are
    preferred (the flow's ``neighbour_passband_dex``): that of the band asked for, or the geometric
    mean of the bands' when several are (a star has one shape neighbour for all its light curves);
    ``None`` where the flow does not weigh passbands."""
    if model.flow.config.neighbour_passband_dex is None:
        return None
    cadence, request = config.cadence, config.request
    names = config.bands or cadence.bands
    teff = np.nan if request.teff is None else request.teff  # unknown: the class's typical temperature
    waves = np.array(
        [model.catalog.wavelengths(cadence.survey, b, teff, request.vclass)[0] for b in names], dtype=float
    )
    return float(10 ** np.mean(np.log10(waves))) if waves.size else None


def _draw_epochs(
    model: GenerativeModel,
    config: GenerationConfig,
    m: int,
    rng: np.random.Generator,
    period: np.ndarray,
    teff: np.ndarray,
) -> _ChunkEpochs:
    """Stage 2, epochs: the cadence's epochs of ``m`` stars (of ``period`` days, which scales a
    cadence in phase units), the bands asked for, those outside the trained wavelengths left out
    unless ``allow_extrapolation``, and the light curves they make, each with its effective
    wavelength (its star's ``teff``, K, NaN where unknown, through its band)."""
    cadence, bands = config.cadence, config.bands
    epochs = cadence.draw_many(rng, m)
    # a cadence in phase units (PhaseGridCadence) gives phases: each star's period turns them into days
    scale = period if getattr(cadence, "phase_units", False) else np.ones(m)
    lengths = np.array([len(e.time) for e in epochs], dtype=np.int64)
    time = np.concatenate([e.time for e in epochs]) if m else np.zeros(0)
    band = np.concatenate([np.asarray(e.band) for e in epochs]) if m else np.zeros(0, str)
    depth = np.concatenate([e.m5 for e in epochs]) if m else np.zeros(0)
    del epochs
    star = np.repeat(np.arange(m), lengths)
    first = np.zeros(m)
    observed = lengths > 0
    if observed.any():
        first[observed] = np.minimum.reduceat(time, (np.cumsum(lengths) - lengths)[observed]) * scale[observed]
    keep = np.isin(band, bands) if bands else np.ones(len(time), bool)
    time, band, depth, star = time[keep] * scale[star[keep]], band[keep], depth[keep], star[keep]
    empty = m - int(np.count_nonzero(np.bincount(star, minlength=m)))
    if empty:
        log.warning(
            "cadence %s: %d of %d stars got no epochs%s and are left out",
            cadence.name,
            empty,
            m,
            f" in bands {list(bands)}" if bands else "",
        )
    # each epoch's band as an index into the sorted band names (hashing, not sorting, 10^6 strings)
    band_names, band_code = _factorize_strings(band.astype(str))
    band_ok = _band_ok(model, cadence.survey, band_names)
    outside = ~np.array([band_ok[b] for b in band_names.tolist()], dtype=bool)[band_code]
    if not config.allow_extrapolation:
        inside = ~outside
        time, band_code, depth, star, outside = (
            time[inside],
            band_code[inside],
            depth[inside],
            star[inside],
            outside[inside],
        )
    # one light curve per (star, band), numbered by integer keys (fast for 10^5 epochs)
    n_names = max(len(band_names), 1)
    pairs, curve = np.unique(star * n_names + band_code, return_inverse=True)
    pair_band = band_names[pairs % n_names] if len(pairs) else np.zeros(0, str)
    pair_code, pair_star = pairs % n_names, pairs // n_names
    wave_nm = np.zeros(len(pairs))
    for k, name in enumerate(band_names.tolist()):
        rows = pair_code == k
        if rows.any():
            star_teff = teff[pair_star[rows]]
            wave_nm[rows] = model.catalog.wavelengths(cadence.survey, name, star_teff, config.request.vclass)
    wave_um = (wave_nm / 1000.0).astype(np.float32)
    return _ChunkEpochs(time, band_code, band_names, depth, star, outside, first, curve, pair_star, pair_band, wave_um)


def _mean_magnitudes(
    config: GenerationConfig, stars: _Stars, ep: _ChunkEpochs, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stage 4, photometry: each light curve's mean apparent magnitude (C,), and each star's
    distance modulus (m,; NaN where M_G is unknown) and A_V (m,), mag."""
    request, fallback_mean_mag = config.request, config.fallback_mean_mag
    m = len(stars.phys)
    teff, abs_mag = 10 ** stars.phys[:, 0], stars.phys[:, 1]
    dmod = LMC_DISTANCE_MODULUS if request.distance_modulus is None else request.distance_modulus
    if request.mean_mag is not None:  # apparent mean G before extinction
        g_mean = np.full(m, request.mean_mag)
    elif np.isfinite(abs_mag).all():
        g_mean = abs_mag + dmod
    else:  # M_G unknown (no training M_G, no relation or a period outside it), no brightness given
        if fallback_mean_mag is None:
            raise ConfigError(
                f"{int((~np.isfinite(abs_mag)).sum())} of {m} {request.vclass} stars have no absolute "
                "magnitude (period outside the class's relation): give abs_mag or mean_mag"
            )
        lo, hi = fallback_mean_mag
        g_mean = np.where(np.isfinite(abs_mag), abs_mag + dmod, rng.uniform(lo, hi, m))
    a_v = np.full(m, request.extinction)
    mbar = np.empty(len(ep.pair_star))
    for b in np.unique(ep.pair_band).tolist():
        sel = ep.pair_band == b
        st = ep.pair_star[sel]
        mbar[sel] = mean_magnitude(config.cadence.survey, b, g_mean[st], teff[st], np.zeros(st.size), a_v[st])
    return mbar, g_mean - abs_mag, a_v


def _typical_errors(config: GenerationConfig, ep: _ChunkEpochs, mbar: np.ndarray) -> np.ndarray | None:
    """Each light curve's median error (C,) mag at its mean magnitude ``mbar`` (C,) over its epochs,
    with which its noise takes a real light curve's of a like error
    (:func:`~varsynth.generation.noise.matched_entries`); ``None`` where the cadence has no error
    model (the errors then come from the model, after the shapes)."""
    cadence = config.cadence
    if not cadence.has_error_model or not ep.curve.size:
        return None
    err = np.empty(ep.time.size)
    for lo in range(0, ep.time.size, SLICE_EPOCHS):  # in the output's slices: memory as theirs
        o = slice(lo, lo + SLICE_EPOCHS)
        t, band, depth = ep.time[o], ep.band_names[ep.band_code[o]], ep.depth[o]
        by_time = np.argsort(t, kind="stable")  # Epochs are time-ordered
        part = np.empty(by_time.size)
        part[by_time] = cadence.errors(mbar[ep.curve[o]][by_time], Epochs(t[by_time], band[by_time], depth[by_time]))
        err[o] = part
    typical = pd.Series(err).groupby(ep.curve).median()
    return typical.reindex(np.arange(len(mbar))).to_numpy(dtype=float)


def _chunk(
    model: GenerativeModel, config: GenerationConfig, start: int, m: int, rng: np.random.Generator, star_flag: bool
) -> Iterator[pa.Table]:
    """The light curves of stars ``start .. start + m - 1`` of the run ``config`` as tables of at
    most :data:`SLICE_EPOCHS` rows (one star's epochs may span several), in star then time order;
    ``star_flag``: every star is flagged extrapolated (:func:`check_config`).

    Stages, each timed by :mod:`~varsynth.generation.stages`: physics (:func:`_draw_stars`),
    epochs (:func:`_draw_epochs`), the flow's latent codes and amplitudes, the decoder's shapes,
    photometry (:func:`_mean_magnitudes`, errors), noise and the output table."""
    request, cadence, id_prefix = config.request, config.cadence, config.prefix
    stars = _draw_stars(model, config, m, rng)
    lap("physics")
    period = 10 ** stars.phys[:, 2]
    ep = _draw_epochs(model, config, m, rng, period, 10 ** stars.phys[:, 0])
    # a class without e.g. Teff in training: masked, as in training
    batch = model.conditions(
        np.full(len(ep.pair_star), CLASSES.index(request.vclass)), stars.conditioned[ep.pair_star], ep.wave_um
    )
    lap("cadence")
    z, log_amp, cond = model.draw_latent(batch, stars.base[ep.pair_star])
    lap("flow")
    time, star, curve, band = ep.time, ep.star, ep.curve, ep.band
    epoch0 = np.full(m, request.epoch) if request.epoch is not None else ep.first + rng.uniform(0, 1, m) * period
    # the survey's measured scatter beyond its errors on its own cadences, else Gaussian: one error
    # scale, residual distribution and phase jitter per light curve, then one draw per epoch in
    # output order (the same however sliced)
    survey_model = {} if isinstance(cadence, UniformCadence) else survey_noise(model.metadata)
    mbar, dm, a_v = _mean_magnitudes(config, stars, ep, rng)
    # the survey's noise is of real light curves of like errors (only where it has a record)
    typical = _typical_errors(config, ep, mbar) if config.noise and survey_model.get(cadence.survey) else None
    lap("photometry")
    noise_scale = (
        curve_scales(survey_model, cadence.survey, ep.pair_band, rng, request.vclass, typical) if config.noise else None
    )
    shift = visit = None
    if noise_scale is not None:
        jitter = curve_jitter(survey_model, cadence.survey, ep.pair_band, noise_scale[2], request.vclass)
        rho = curve_visit(survey_model, cadence.survey, ep.pair_band, noise_scale[2], request.vclass)
        visits = epoch_visits(time, curve) if jitter.any() or rho.any() else None  # only where drawn
        shift = phase_shifts(jitter, curve, np.random.default_rng(rng.integers(2**63)), visits)
        visit = _visit_noise(survey_model, cadence.survey, request.vclass, ep, noise_scale[2], rho, visits, rng)
    lap("noise")
    s, s_err, s_mean = _decode_in_slices(model, z, cond, time, star, curve, epoch0, period, shift)
    lap("decoder")
    amp = 10 ** log_amp.numpy().astype(np.float64)
    err_scale = None if cadence.has_error_model else _model_error_scale(model, request, s_err, curve) * amp
    lap("photometry")
    flagged = ep.outside | star_flag
    ids = pa.array([f"{id_prefix}{start + i:07d}" for i in range(m)], pa.string())
    band_strings = pa.array(ep.band_names.tolist(), pa.string())  # output columns are built from the codes
    per_star = {
        "teff": 10 ** stars.phys[:, 0],
        "abs_mag": stars.phys[:, 1],
        "period": period,
        "epoch": epoch0,
        "distance_modulus": dm,
        "extinction": a_v,
    }
    lap("noise")
    for lo in range(0, len(time), SLICE_EPOCHS) if len(time) else [0]:
        o = slice(lo, lo + SLICE_EPOCHS)
        c = curve[o]
        true_mag = mbar[c] + amp[c] * (s[o].astype(np.float64) - s_mean[c])
        _refuse_non_finite(true_mag, star[o], "magnitude", id_prefix, start)  # before an error model sees it
        if err_scale is None:
            by_time = np.argsort(time[o], kind="stable")  # Epochs are time-ordered; the chunk mixes stars
            err = np.empty(len(true_mag))
            err[by_time] = cadence.errors(
                true_mag[by_time], Epochs(time[o][by_time], band[o][by_time], ep.depth[o][by_time])
            )
        else:
            err = np.maximum(s_err[o] * err_scale[c], _MIN_ERR)
        lap("photometry")
        # one noise draw per epoch in output order: the same numbers however the epochs are sliced
        if noise_scale is not None:
            sigma = noise_sigma(err, noise_scale[0][c], noise_scale[1][c])
            unit = unit_noise(survey_model, cadence.survey, band[o], rng, request.vclass, noise_scale[2][c])
            if visit is not None:  # the share a visit's epochs have in common: one draw per visit
                share, common = visit
                unit = np.sqrt(1.0 - share[c]) * unit + np.sqrt(share[c]) * common[o]
            mag = true_mag + sigma * unit
        else:
            mag = true_mag
        lap("noise")
        so = star[o]
        rows = len(so)
        columns: dict[str, Any] = {
            "id": ids.take(pa.array(so)),
            "time": time[o],
            "band": band_strings.take(pa.array(ep.band_code[o])),
            "mag": mag,
            "mag_err": err,
            "vclass": pa.repeat(request.vclass, rows),
            "subtype": pa.repeat(request.subtype or "", rows),
            "cadence": pa.repeat(cadence.name, rows),
            "extrapolated": flagged[o],
            **{name: values[so] for name, values in per_star.items()},
        }
        table = pa.Table.from_arrays([pa.array(columns[f.name], f.type) for f in LONG_SCHEMA], schema=LONG_SCHEMA)
        lap("table")
        yield table
        lap("write")  # the consumer's time with the table (in the benchmark: the writer's)


def _factorize_strings(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct strings of ``values`` (a numpy str array) and each value's index among them,
    as ``np.unique(values, return_inverse=True)`` gives, by hashing: names of one or two characters
    (most bands) as integer keys, without a Python string per value."""
    width = values.dtype.itemsize // 4
    if values.size and width <= 2:
        chars = np.ascontiguousarray(values).view(np.uint32).reshape(values.size, width).astype(np.uint64)
        key = chars[:, 0] << np.uint64(32) | (chars[:, 1] if width == 2 else np.uint64(0))
        codes, keys = pd.factorize(key, sort=True)  # trailing NULs pad: key order is string order
        names = ["".join(chr(c) for c in (int(k) >> 32, int(k) & 0xFFFFFFFF) if c) for k in keys]
        return np.array(names, dtype=values.dtype), codes.astype(np.int64)
    codes, names = pd.factorize(values, sort=True)
    return np.asarray(names, dtype=values.dtype), codes.astype(np.int64)


def _visit_noise(
    survey_model: dict[str, Any],
    survey: str,
    vclass: str,
    ep: _ChunkEpochs,
    entry: np.ndarray,
    rho: np.ndarray,
    visits: np.ndarray | None,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Each light curve's visit fraction ``rho`` (L,) and each epoch's common draw of its visit
    (E,) (:func:`~varsynth.generation.noise.visit_units` over ``visits``, from a child generator of
    ``rng``), or ``None`` where no light curve's library entry has a visit fraction (nothing
    drawn: the noise of bundles without visit fractions stays what it was)."""
    if visits is None or not rho.any():
        return None
    child = np.random.default_rng(rng.integers(2**63))
    return rho, visit_units(survey_model, survey, ep.band, entry[ep.curve], visits, child, vclass)


def phase_shifts(
    jitter: np.ndarray, curve: np.ndarray, rng: np.random.Generator, visit: np.ndarray | None = None
) -> np.ndarray | None:
    """Each epoch's phase shift (cycles), ``jitter[curve] * N(0, 1)``, for light curves with phase
    jitter ``jitter`` (L,) cycles and epochs of light curves ``curve`` (E,); ``None`` where no light
    curve has any (nothing drawn). With ``visit`` (E,) (:func:`~varsynth.generation.noise.epoch_visits`)
    the epochs of one visit share their draw: exposures minutes apart see the star at one phase.
    ``rng`` is the run's child generator for these draws, so that the run's other draws do not
    depend on whether there is jitter."""
    if not jitter.any():
        return None
    if visit is None:
        return jitter[curve] * rng.standard_normal(curve.size)
    return jitter[curve] * rng.standard_normal(int(visit.max()) + 1 if visit.size else 0)[visit]


def _decode_in_slices(
    model: GenerativeModel,
    z: torch.Tensor,
    cond: torch.Tensor,
    time: np.ndarray,
    star: np.ndarray,
    curve: np.ndarray,
    epoch0: np.ndarray,
    period: np.ndarray,
    shift: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`decode_epochs` of every epoch, :data:`SLICE_EPOCHS` at a time (bounded memory), at
    phase ``(time - epoch0) / period + shift`` (``shift``: each epoch's phase jitter, cycles).

    Slices end where a star's epochs end. A periodic decoder's value at a phase does not depend
    on the other phases, so a star with more epochs than a slice is cut (and whole stars of one
    length make a rectangular batch, decoded without padding); a sequence decoder (TCN, GRU,
    LSTM) gets each light curve whole (such a star is one slice).
    """
    n_curves = int(z.shape[0])
    s, s_err = np.empty(len(time), np.float32), np.empty(len(time), np.float32)
    s_mean = np.zeros(n_curves, np.float32)
    whole_curves = model.cvae.config.decoder != "periodic"
    bounds = np.flatnonzero(np.diff(star)) + 1  # where a star's epochs (all its curves) end
    lo = 0
    while lo < len(time):
        hi = min(lo + SLICE_EPOCHS, len(time))
        if hi < len(time):  # back to the last star's start, or (sequence decoders) on to its end
            earlier = bounds[(bounds > lo) & (bounds <= hi)]
            if earlier.size:
                hi = int(earlier[-1])
            elif whole_curves:
                later = bounds[bounds >= hi]
                hi = int(later[0]) if later.size else len(time)
        o = slice(lo, hi)
        curves, local = np.unique(curve[o], return_inverse=True)
        phase = (time[o] - epoch0[star[o]]) / period[star[o]]
        if shift is not None:
            phase += shift[o]
        phase = np.mod(phase, 1.0)
        rows = torch.from_numpy(curves)  # z[curves]: ~100 times slower, threaded even for a few rows
        s[o], s_err[o], s_mean[curves] = decode_epochs(
            model.cvae, torch.index_select(z, 0, rows), torch.index_select(cond, 0, rows), phase, local
        )
        lo = hi
    return s, s_err, s_mean


def base_points(model: GenerativeModel, neighbour: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """The flow's base point of each star (m, Z + 1): the standard normal ``noise`` itself, or,
    with the flow's ``neighbour_bandwidth`` h and the catalog's base points, the base point of
    the star's physics neighbour shrunk and jittered, ``sqrt(1 - h^2) u + h noise``
    (:meth:`GenerativeModel.base_points`)."""
    return model.base_points(neighbour, noise)


def _refuse_non_finite(values: np.ndarray, star: np.ndarray, what: str, id_prefix: str, start: int) -> None:
    """Raise :class:`NonFiniteOutputError` naming the first star of the chunk with a NaN or inf value."""
    bad = ~np.isfinite(values)
    if bad.any():
        raise NonFiniteOutputError(
            f"light curve '{id_prefix}{start + int(star[bad][0]):07d}': the model gave a {what} that is not a finite "
            f"number ({int(bad.sum())} of {bad.size} epochs of this chunk), so nothing is written. Its bundle may "
            "be damaged (bundles with recorded file hashes are verified on loading)"
        )


def _model_error_scale(
    model: GenerativeModel, request: StarRequest, s_err: np.ndarray, curve: np.ndarray
) -> np.ndarray:
    """Per light curve, the factor that sets the median of the decoder's predicted errors (scaled
    units) to the class's typical training value (:meth:`PhysicsCatalog.error_scale`): the
    decoder learned their shape along the cycle, not their scale. Bundles without that value keep
    the raw prediction (factor 1)."""
    typical = model.catalog.error_scale(request.vclass, request.subtype)
    counts = np.bincount(curve)
    if not math.isfinite(typical):
        log.warning("this bundle stores no typical error scale: errors are the decoder's raw prediction")
        return np.ones(counts.size)
    return typical / np.maximum(_medians(s_err.astype(np.float64), curve, counts), 1e-12)


def _medians(values: np.ndarray, group: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``np.median`` of ``values`` in each group 0..G-1 (1.0 for an empty group), all groups at once:
    sorted by group then value, the middle value, or the mean of the two middle ones."""
    if counts.size and counts[0] > 0 and (counts == counts[0]).all():  # light curves of one length: a reshape
        return np.median(values[np.argsort(group, kind="stable")].reshape(counts.size, -1), axis=1)
    order = np.lexsort((values, group))
    ordered = values[order]
    starts = np.cumsum(counts) - counts
    lower = starts + np.maximum(counts - 1, 0) // 2
    upper = starts + counts // 2
    filled = counts > 0
    out = np.ones(counts.size)
    out[filled] = (ordered[lower[filled]] + ordered[upper[filled]]) / 2.0
    return out


def iter_generate(
    request: StarRequest,
    *,
    n: int = 1,
    cadence: str | Cadence = "ogle3",
    cadence_options: dict[str, Any] | None = None,
    model: str | GenerativeModel = "default",
    seed: int = 0,
    bands: tuple[str, ...] | None = None,
    allow_extrapolation: bool = False,
    noise: bool = True,
    chunk_size: int = 1000,
    id_prefix: str | None = None,
    progress: bool = False,
    fallback_mean_mag: tuple[float, float] | None = None,
) -> Iterator[pa.Table]:
    """Generate ``n`` light curves chunk by chunk, as long-format Arrow tables of at most
    :data:`SLICE_EPOCHS` rows, in star then time order (memory bounded by epochs, whatever ``n`` and
    the cadence's epochs per star). The arguments make one :class:`GenerationConfig` (checked
    there, on the first ``next()``), run by :func:`generate_chunks`.

    Arguments:
        request: the class and physics (:class:`StarRequest`).
        n: number of stars (each gives one light curve per band of the cadence).
        cadence: a cadence name of :data:`varsynth.cadences.CADENCES` or a :class:`Cadence`.
        cadence_options: options of a named cadence (e.g. ``{"path": "opsim.db"}``).
        model: ``default`` (embedded), a bundle or run folder, or a loaded model.
        seed: seed of every random draw; the same seed and chunk size give identical output.
        bands: keep only these bands of the cadence (an unknown or out-of-range band is refused).
        allow_extrapolation: generate physics or bands outside the training range, flagged in
            the ``extrapolated`` column, instead of refusing them.
        noise: add Gaussian noise of the reported errors (``False``: noiseless model curves).
        chunk_size: most stars per chunk (fewer when their epochs pass :data:`CHUNK_EPOCHS`).
        id_prefix: light-curve id prefix (default ``<class>-<seed>-``).
        progress: show a progress bar over stars.
        fallback_mean_mag: for stars without an absolute magnitude (a class whose training
            stars have none and that has no period relation, or a period outside the relation,
            e.g. extrapolated) and no ``abs_mag`` / ``mean_mag`` requested, draw the apparent
            mean G uniformly in this range (mag) instead of refusing. ACEP, ELL and T2CEP need
            none: their M_G comes from :mod:`varsynth.physics.luminosity`.

    Raises:
        ConfigError: invalid parameters (named, with their valid range).
        ExtrapolationError: physics or bands outside the training range without
            ``allow_extrapolation``.

    >>> from varsynth.generation import StarRequest, iter_generate
    >>> chunks = iter_generate(StarRequest("RRLYR", period=0.55), n=5, cadence="ztf", seed=3, chunk_size=2)
    >>> [sorted(set(c["id"].to_pylist())) for c in chunks]  # 3 chunks: stars 0-1, 2-3, 4
    [['RRLYR-3-0000000', 'RRLYR-3-0000001'], ['RRLYR-3-0000002', 'RRLYR-3-0000003'], ['RRLYR-3-0000004']]
    >>> next(iter_generate(StarRequest("RRLYR", period=30.0)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    varsynth.generation.engine.ExtrapolationError: period 30 days is outside the RRLYR training range ...
    """
    config = GenerationConfig.build(
        request,
        n=n,
        cadence=cadence,
        cadence_options=cadence_options,
        seed=seed,
        bands=bands,
        allow_extrapolation=allow_extrapolation,
        noise=noise,
        chunk_size=chunk_size,
        id_prefix=id_prefix,
        progress=progress,
        fallback_mean_mag=fallback_mean_mag,
    )
    yield from generate_chunks(config, model)


def generate_chunks(
    config: GenerationConfig, model: str | os.PathLike[str] | GenerativeModel = "default"
) -> Iterator[pa.Table]:
    """The light curves of the run ``config`` as long-format Arrow tables of at most
    :data:`SLICE_EPOCHS` rows, in star then time order: the engine behind :func:`iter_generate`
    (which builds the config from its arguments), for a config built once and reused.

    ``model``: ``default`` (embedded), a bundle or run folder, or a loaded model (loaded here
    otherwise, once). The checks against the model (:func:`check_config`) run on the first
    ``next()``, then each chunk of :func:`stars_per_chunk` stars draws from
    ``numpy.random.default_rng([config.seed, chunk])``.

    >>> import pyarrow as pa
    >>> from varsynth.cadences import get_cadence
    >>> from varsynth.generation import GenerationConfig, StarRequest, generate_chunks
    >>> request = StarRequest("RRLYR", period=0.55, mean_mag=15.0)
    >>> config = GenerationConfig(request, get_cadence("uniform", n_epochs=20), n=3, chunk_size=2, seed=1)
    >>> table = pa.concat_tables(generate_chunks(config))
    >>> table.num_rows, sorted(set(table["id"].to_pylist()))
    (60, ['RRLYR-1-0000000', 'RRLYR-1-0000001', 'RRLYR-1-0000002'])

    Raises:
        ConfigError: a brightness the class cannot have (:func:`check_generation`).
        ExtrapolationError: physics or bands outside the training range without
            ``config.allow_extrapolation``.
    """
    gm = model if isinstance(model, GenerativeModel) else load_model(model if isinstance(model, str) else Path(model))
    star_flag = check_config(gm, config)
    n, stars = config.n, stars_per_chunk(config.cadence, config.chunk_size, config.bands, config.seed)
    with tqdm(total=n, desc=f"generating {config.request.vclass}", unit="lc", disable=not config.progress) as bar:
        restart()
        for k, start in enumerate(range(0, n, stars)):
            m = min(stars, n - start)
            rng = np.random.default_rng([config.seed, k])
            yield from _chunk(gm, config, start, m, rng, star_flag)
            bar.update(m)


def check_config(model: GenerativeModel, config: GenerationConfig) -> bool:
    """:func:`check_generation` of the run ``config`` against ``model``: ``True`` when its physics
    lies outside the class's training range (and ``config.allow_extrapolation``), so every star is
    flagged. Also called by the service and the Dask runs to refuse a request before any work.

    Raises:
        ConfigError, ExtrapolationError: as :func:`check_generation`.
    """
    return check_generation(
        model, config.request, config.cadence, config.bands, config.allow_extrapolation, config.fallback_mean_mag
    )


def check_generation(
    model: GenerativeModel,
    request: StarRequest,
    cadence: Cadence,
    bands: tuple[str, ...] | None = None,
    allow_extrapolation: bool = False,
    fallback_mean_mag: tuple[float, float] | None = None,
) -> bool:
    """The checks :func:`iter_generate` makes against the model before drawing anything: given
    physics inside the class's training range, a brightness the class can have, bands the
    cadence observes inside the trained wavelength range. ``True`` when the physics is outside
    the range (and ``allow_extrapolation``): the stars are flagged. Also called by the service
    (:mod:`varsynth.server`) to refuse a request before it queues for a worker.

    Raises:
        ConfigError: no brightness for a class without training M_G, or unknown bands.
        ExtrapolationError: physics or bands outside the training range without ``allow_extrapolation``.
    """
    star_flag = _check_physics(model, request, allow_extrapolation)
    rows = model.catalog.rows(request.vclass, request.subtype)
    no_abs_mag = (
        not np.isfinite(model.catalog.phys[rows, PHYSICS_CHOICES.index("abs_mag")]).any()
        and class_luminosity(request.vclass, request.subtype) is None
    )
    if no_abs_mag and request.abs_mag is None and request.mean_mag is None:
        if request.distance_modulus is not None:
            raise ConfigError(
                f"the model's {request.vclass} training stars have no absolute magnitudes, so a "
                "distance modulus alone cannot set their brightness: give abs_mag or mean_mag too"
            )
        if fallback_mean_mag is None:
            raise ConfigError(
                f"the model's {request.vclass} training stars have no absolute magnitudes (no distances): "
                "give abs_mag (--abs-mag) or mean_mag (--mean-mag), or fallback_mean_mag (a range "
                "of apparent mean G magnitudes to draw from) to set their brightness"
            )
    if bands:
        unknown = sorted(set(bands) - set(cadence.bands))
        if unknown:
            raise ConfigError(
                f"bands {unknown} are not observed by cadence {cadence.name!r}; valid: {list(cadence.bands)}"
            )
        outside = [b for b, ok in _band_ok(model, cadence.survey, np.asarray(bands)).items() if not ok]
        if outside and not allow_extrapolation:
            lo, hi = model.catalog.wave_range()
            raise ExtrapolationError(
                f"bands {outside} lie outside the trained wavelength range "
                f"[{lo:.0f}, {hi:.0f}] nm; pass allow_extrapolation=True (--allow-extrapolation) "
                "to generate them, flagged"
            )
    else:
        outside = [b for b, ok in _band_ok(model, cadence.survey, np.asarray(cadence.bands)).items() if not ok]
        if outside and not allow_extrapolation:
            log.warning(
                "cadence %s: bands %s lie outside the trained wavelength range and are left out "
                "(allow_extrapolation keeps them, flagged)",
                cadence.name,
                outside,
            )
    gaps = class_wavelength_gaps(model, request.vclass, cadence.survey, bands or cadence.bands)
    if gaps:
        lo, hi = model.catalog.wave_range(request.vclass)
        measured = measured_amplitudes(model, request, cadence.survey, gaps)
        extrapolated = [b for b in gaps if not measured.get(b)]
        span = f"{lo:.0f}" if round(lo) == round(hi) else f"{lo:.0f}-{hi:.0f}"
        if extrapolated:
            log.warning(
                "class %s: bands %s lie outside the wavelengths of its training light curves (%s nm); "
                "their shapes and amplitudes are extrapolated from other classes (see the model card)",
                request.vclass,
                extrapolated,
                span,
            )
        for b, count in measured.items():
            log.warning(
                "class %s: band %s lies outside the wavelengths of its training light curves (%s nm); "
                "its shapes are extrapolated from other classes, its amplitudes follow the OGLE-III "
                "catalog amplitudes in that band of %d training stars (see the model card)",
                request.vclass,
                b,
                span,
                count,
            )
    return star_flag


def measured_amplitudes(
    model: GenerativeModel, request: StarRequest, survey: str, bands: Sequence[str]
) -> dict[str, int]:
    """The bands (of ``bands``) in which the class's (and subtype's) physics neighbours include
    training stars whose amplitude was measured there without a light curve (the flow's
    ``catalog_amplitudes``, drawn near when the flow weighs passbands), with their number."""
    if model.flow.config.neighbour_passband_dex is None:
        return {}
    teff = np.nan if request.teff is None else request.teff
    out = {}
    for b in bands:
        wave = float(model.catalog.wavelengths(survey, b, teff, request.vclass)[0])
        count = model.catalog.measured_rows(request.vclass, request.subtype, wave)
        if count:
            out[b] = count
    return out


def stars_per_chunk(cadence: Cadence, chunk_size: int, bands: tuple[str, ...] | None = None, seed: int = 0) -> int:
    """Stars generated together: ``chunk_size``, fewer when their epochs would pass :data:`CHUNK_EPOCHS`
    (from the most epochs of a few probe draws of the cadence), at least one."""
    most = int(probe_epochs(cadence, bands, seed).max(initial=1))
    return max(1, min(chunk_size, CHUNK_EPOCHS // max(most, 1)))


def generate_table(request: StarRequest, **kwargs: Any) -> Table:
    """All generated light curves as one long-format astropy Table (one row per epoch).

    Columns: ``id, time`` (MJD) ``, band, mag, mag_err`` (mag) and each light curve's class,
    physics (``teff`` K, ``abs_mag`` mag, ``period`` days), ``epoch`` (MJD), distance modulus,
    extinction, cadence and ``extrapolated`` flag. Keyword arguments as :func:`iter_generate`.

    >>> from varsynth.generation import StarRequest, generate_table
    >>> tab = generate_table(
    ...     StarRequest("CEP", period=5.0), n=3, cadence="uniform", cadence_options={"n_epochs": 50}, seed=2
    ... )
    >>> len(tab), sorted(set(tab["id"])), str(tab["time"].unit), str(tab["mag"].unit)
    (150, ['CEP-2-0000000', 'CEP-2-0000001', 'CEP-2-0000002'], 'd', 'mag')
    >>> tab.colnames[:5], round(float(tab["period"][0]), 6)
    (['id', 'time', 'band', 'mag', 'mag_err'], 5.0)
    """
    chunks = [
        Table({k: c[k].to_numpy(zero_copy_only=False) for k in c.column_names})
        for c in map(check_finite, iter_generate(request, **kwargs))
    ]
    table = vstack(chunks) if len(chunks) > 1 else chunks[0]
    for name, unit in (
        ("time", "d"),
        ("mag", "mag"),
        ("mag_err", "mag"),
        ("teff", "K"),
        ("abs_mag", "mag"),
        ("period", "d"),
        ("epoch", "d"),
        ("distance_modulus", "mag"),
        ("extinction", "mag"),
    ):
        table[name].unit = unit
    table.meta.update({"generator": "varsynth", "seed": kwargs.get("seed", 0)})
    return table


def generate(
    vclass: str,
    *,
    n: int = 1,
    subtype: str | None = None,
    teff: float | None = None,
    abs_mag: float | None = None,
    period: float | None = None,
    distance_modulus: float | None = None,
    mean_mag: float | None = None,
    extinction: float = 0.0,
    epoch: float | None = None,
    as_lightcurves: bool = False,
    **kwargs: Any,
) -> TimeSeries | Table | list[LightCurve]:
    """Generate light curves of one class: a :class:`~astropy.timeseries.TimeSeries` for
    ``n == 1`` (time as MJD), else the long-format Table of :func:`generate_table`; with
    ``as_lightcurves``, a list of :class:`~varsynth.lightcurve.LightCurve` records instead, one
    per star and band (:func:`~varsynth.generation.lightcurves.to_lightcurves`; times MJD,
    ``survey`` the cadence's photometric system, e.g. ``lsst``), whatever ``n``.

    Physics arguments as :class:`StarRequest`; other keywords as :func:`iter_generate`.

    >>> import varsynth
    >>> ts = varsynth.generate("RRLYR", teff=6500, abs_mag=0.6, period=0.55, cadence="ztf", seed=1)
    >>> type(ts).__name__, ts.colnames, sorted(set(ts["band"]))
    ('TimeSeries', ['time', 'band', 'mag', 'mag_err'], ['g', 'r'])
    >>> ts.meta["id"], float(ts.meta["period"]), bool(ts.meta["extrapolated"])
    ('RRLYR-1-0000000', 0.55, False)
    >>> bool(ts.time.mjd.min() >= 58194)  # the ZTF-like survey starts in 2018 (MJD)
    True
    >>> [lc] = varsynth.generate("RRLYR", period=0.55, cadence="ogle3", bands=("I",), seed=1, as_lightcurves=True)
    >>> lc.band, lc.period, bool(lc.time.min() > 50000)
    ('I', 0.55, True)
    """
    request = StarRequest(vclass, subtype, teff, abs_mag, period, distance_modulus, mean_mag, extinction, epoch)
    if as_lightcurves:
        cad = as_cadence(kwargs.pop("cadence", "ogle3"), kwargs.pop("cadence_options", None))
        return to_lightcurves(generate_table(request, n=n, cadence=cad, **kwargs), survey=cad.survey)
    table = generate_table(request, n=n, **kwargs)
    if n != 1:
        return table
    if len(table) == 0:
        raise ConfigError(
            f"the star got no epochs from cadence {kwargs.get('cadence', 'ogle3')!r}"
            + (f" in bands {list(kwargs['bands'])}" if kwargs.get("bands") else "")
        )
    ts = TimeSeries(
        time=Time(np.asarray(table["time"]), format="mjd"), data={c: table[c] for c in ("band", "mag", "mag_err")}
    )
    ts.meta.update({c: table[c][0] for c in (*STAR_COLUMNS, "extrapolated")})
    return ts
