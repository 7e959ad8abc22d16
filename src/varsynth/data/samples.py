"""From a raw light curve to training samples: cleaning, folding, undersampling, scaling.

:func:`clean_lightcurve` applies the paper's cleaning to one light curve and returns a
:class:`CleanCurve` (phase-folded, untrimmed) or the reason it was rejected.
:func:`real_sample` and :func:`augmented_sample` turn a clean curve into one fixed-length,
min-max scaled sample. Every random draw uses a generator seeded by the dataset seed and the
sample's own name, so a sample does not depend on the order in which others are made.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np

from varsynth.config import CleanConfig
from varsynth.data.augment import gaussian_resample, phase_shift
from varsynth.data.preprocess import (
    clip_outliers,
    epoch_of_reference,
    minmax_scale,
    phase_fold,
    signal_to_noise,
    subtype_dropped,
    undersample,
)
from varsynth.lightcurve import LightCurve

__all__ = ["CleanCurve", "Sample", "clean_lightcurve", "real_sample", "augmented_sample", "sample_rng"]

#: Classes whose phase zero is the primary minimum (eclipse) rather than maximum light.
_ECLIPSE_ZERO = {"ECL", "ELL"}

#: Largest float32 below 1: phases are stored as float32, where 0.99999997 would round to 1.0.
_PHASE_MAX = float(np.nextafter(np.float32(1.0), np.float32(0.0)))


@dataclass
class CleanCurve:
    """A cleaned light curve folded on its period, all points kept (sorted by phase).

    Attributes:
        lc: the source light curve (labels, metadata and physics).
        phase: phases in [0, 1), shape (N,).
        mag: magnitudes, shape (N,).
        mag_err: 1-sigma errors in magnitudes, shape (N,).
        epoch: time of phase 0 in the survey's own time system (days, ``lc.time_system``; on the
            MJD zero point: ``epoch + lc.time_system.offset_days``).
        snr: the paper's S/N of the raw light curve.
        n_clipped: points removed by sigma clipping.
        time: each point's time since ``epoch`` (days), shape (N,): which points share a night
            or a cycle (``floor(time / period)``), for the noise record's correlated part
            (``varsynth.training.noise``).
    """

    lc: LightCurve
    phase: np.ndarray
    mag: np.ndarray
    mag_err: np.ndarray
    epoch: float
    snr: float
    n_clipped: int
    time: np.ndarray


@dataclass
class Sample:
    """One fixed-length training example (scaled to [0, 1]) and how to restore magnitudes."""

    sample_id: str
    source: CleanCurve
    phase: np.ndarray
    mag: np.ndarray
    mag_err: np.ndarray
    mag_min: float
    mag_max: float
    aug_index: int
    time: np.ndarray


def clean_lightcurve(lc: LightCurve, cfg: CleanConfig) -> CleanCurve | str:
    """Apply the paper's cleaning to one light curve.

    Steps: subtype filter, period check, S/N >= the class's threshold (``cfg.snr_threshold``),
    sigma clipping, minimum number of points, phase folding (maximum light at phase 0; primary minimum for ECL and ELL).
    Folding uses the times as the survey published them (:meth:`LightCurve.survey_time`), not
    their MJD form: the phases, the epoch and so the dataset are those of the times as read,
    bit for bit, whatever constant moved them to MJD.

    Returns:
        The :class:`CleanCurve`, or a short reason string when the light curve is rejected.
    """
    if subtype_dropped(lc.subtype, cfg.drop_subtypes):
        return f"subtype dropped ({lc.subtype})"
    if not (math.isfinite(lc.period) and lc.period > 0):
        return "missing period"
    if cfg.require_period_ok and lc.meta.get("period_ok") is False:
        return "period search failed"
    if len(lc) < cfg.min_points:
        return f"fewer than {cfg.min_points} points"
    snr, threshold = signal_to_noise(lc.mag, lc.mag_err), cfg.snr_threshold(lc.vclass)
    if snr < threshold:
        return f"S/N < {threshold:g}"
    keep = clip_outliers(lc.mag, lc.mag_err, sigma=cfg.clip_sigma, iters=cfg.clip_iters)
    time, mag, err = lc.survey_time()[keep], lc.mag[keep], lc.mag_err[keep]
    if time.size < cfg.min_points:
        return f"fewer than {cfg.min_points} points after clipping"
    if not mag.max() > mag.min():
        return "constant light curve"
    epoch = epoch_of_reference(
        time, mag, lc.period, faintest=lc.vclass in _ECLIPSE_ZERO, mag_err=err, fit_order=cfg.epoch_fit_order
    )
    phase = phase_fold(time, lc.period, epoch)
    order = np.argsort(phase, kind="stable")
    return CleanCurve(
        lc=lc,
        phase=phase[order],
        mag=mag[order],
        mag_err=err[order],
        epoch=epoch,
        snr=snr,
        n_clipped=int((~keep).sum()),
        time=(time - epoch)[order],
    )


def sample_rng(seed: int, sample_id: str) -> np.random.Generator:
    """Generator for one sample, from the dataset seed and a stable hash of its name."""
    return np.random.default_rng([seed, zlib.crc32(sample_id.encode())])


def _finish(
    sample_id: str,
    cc: CleanCurve,
    phase: np.ndarray,
    mag: np.ndarray,
    length: int,
    aug: int,
    rng: np.random.Generator,
) -> Sample | None:
    idx = undersample(phase.size, length, rng)
    phase, mag, err, time = np.minimum(phase[idx], _PHASE_MAX), mag[idx], cc.mag_err[idx], cc.time[idx]
    order = np.argsort(phase, kind="stable")
    phase, mag, err, time = phase[order], mag[order], err[order], time[order]
    if not mag.max() > mag.min():
        return None
    scaled, scaled_err, lo, hi = minmax_scale(mag, err)
    return Sample(sample_id, cc, phase, scaled, scaled_err, lo, hi, aug, time)


def real_sample(cc: CleanCurve, *, length: int, seed: int) -> Sample | None:
    """The real light curve undersampled to ``length`` points and min-max scaled.

    Returns ``None`` when the undersampled curve is constant (it then carries no shape).
    """
    sample_id = f"{cc.lc.key}:{cc.lc.band}:0"
    return _finish(sample_id, cc, cc.phase, cc.mag, length, 0, sample_rng(seed, sample_id))


def augmented_sample(cc: CleanCurve, aug_index: int, *, length: int, seed: int) -> Sample | None:
    """Augmented copy ``aug_index`` (>= 1): Gaussian resampling, phase shift, undersampling.

    Returns ``None`` in the (vanishingly rare) case that the copy comes out constant.
    """
    sample_id = f"{cc.lc.key}:{cc.lc.band}:{aug_index}"
    rng = sample_rng(seed, sample_id)
    mag = gaussian_resample(cc.mag, cc.mag_err, rng)
    phase = phase_shift(cc.phase, rng)
    return _finish(sample_id, cc, phase, mag, length, aug_index, rng)
