"""One period convention for pulsating stars: one light-curve wave per period.

A pulsating variable (Cepheid, RR Lyrae, delta Scuti, long-period variable) brightens to one
maximum per pulsation cycle, so at its period the first Fourier harmonic of its light curve
dominates: in the OGLE-III LMC catalog the I-band amplitude ratio R21 = A2 / A1 is below 0.7 for
every type II Cepheid with a measured one (RV Tau stars included), at most 1 for every RR Lyrae,
delta Scuti and anomalous Cepheid and above 1 for one of 3,304 classical Cepheids. Some
catalogues list twice that period for some stars. Folded at a doubled period the light curve
shows two nearly identical waves, the first harmonic vanishes and R21 exceeds 1 (the default
build halves 75 of the 153 type II Cepheids of the Catalina SSS catalogue of Drake et al. 2017;
the data card counts every survey and class). A model trained on both
conventions learns that a type II Cepheid of 20 days is as often a 10-day pulsator drawn twice.

:func:`halve_two_wave_periods` applies the convention before the physical parameters are
attached (so that a period-luminosity relation sees the halved period): for each star of a
pulsating class it takes its best-measured band (the highest signal-to-noise,
:func:`varsynth.data.preprocess.signal_to_noise`, after sigma clipping) and halves the period of
every band of the star (``meta["period_halved"] = True``, the period as read in
``meta["period_as_read"]``) when both say that the dominant wave has half the period:

- R21 of a weighted order-4 Fourier series folded at the period exceeds ``max_r21``;
- the one-term Lomb-Scargle power (astropy's floating-mean, error-weighted, ``standard``
  normalisation) at twice the frequency is more than :data:`POWER_RATIO` times that at the
  frequency.

The second condition guards against the order-4 fit of a light curve with gaps in phase (a Mira
seen in a few seasons), whose R21 can swing past 1 when a handful of points are clipped, while
its periodogram is as high at the period as at half of it.
Eclipsing and ellipsoidal variables, whose convention is two minima per orbit, are never changed.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from astropy.timeseries import LombScargle

from varsynth.data.preprocess import clip_outliers, signal_to_noise
from varsynth.lightcurve import LightCurve
from varsynth.lightcurve.folding import fourier_design

__all__ = [
    "TWO_MINIMA_CLASSES",
    "R21_ORDER",
    "POWER_RATIO",
    "amplitude_ratio_r21",
    "two_waves",
    "best_measured_band",
    "halve_two_wave_periods",
]

#: Classes whose period convention is two minima per orbit (never halved).
TWO_MINIMA_CLASSES: frozenset[str] = frozenset({"ECL", "ELL"})

#: Order of the Fourier series whose first two amplitudes give R21.
R21_ORDER: int = 4

#: How many times higher the one-term periodogram must be at half the period than at the period.
#: On the Catalina SSS type II Cepheids with R21 > 1 the ratio is 3.2 or more for 75 of 76.
POWER_RATIO: float = 2.0


def amplitude_ratio_r21(time: np.ndarray, mag: np.ndarray, mag_err: np.ndarray, period: float) -> float:
    """R21 = A2 / A1 of a weighted (1 / err) least-squares Fourier series of order
    :data:`R21_ORDER` of the light curve folded at ``period`` (days): dimensionless; NaN when
    fewer than ``4 R21_ORDER + 2`` points (too few for a stable order-4 fit) or no first harmonic."""
    time, mag, mag_err = (np.asarray(a, dtype=np.float64) for a in (time, mag, mag_err))
    if time.size < 4 * R21_ORDER + 2 or not (math.isfinite(period) and period > 0):
        return math.nan
    design = fourier_design(np.mod(time / period, 1.0), R21_ORDER)
    w = 1.0 / mag_err
    coef, *_ = np.linalg.lstsq(design * w[:, None], mag * w, rcond=None)
    a1 = math.hypot(coef[1], coef[1 + R21_ORDER])
    a2 = math.hypot(coef[2], coef[2 + R21_ORDER])
    return a2 / a1 if a1 > 0 else math.nan


def two_waves(time: np.ndarray, mag: np.ndarray, mag_err: np.ndarray, period: float, max_r21: float) -> bool:
    """Whether the light curve's dominant wave has half ``period`` (days): R21 > ``max_r21`` and
    the one-term Lomb-Scargle power at ``2 / period`` above :data:`POWER_RATIO` times that at
    ``1 / period``. False when R21 cannot be measured (:func:`amplitude_ratio_r21`)."""
    if not amplitude_ratio_r21(time, mag, mag_err, period) > max_r21:
        return False
    at_period, at_half = LombScargle(time, mag, mag_err).power(np.array([1.0, 2.0]) / period)
    return bool(at_half > POWER_RATIO * at_period)


def best_measured_band(lcs: Sequence[LightCurve], min_points: int) -> tuple[LightCurve, np.ndarray] | None:
    """A star's light curve with the highest S/N after 3 x 3-sigma clipping
    (:func:`varsynth.data.preprocess.signal_to_noise`) among those keeping at least ``min_points``
    points, with its kept-point mask; None when none does."""
    best, best_snr = None, -math.inf
    for lc in lcs:
        keep = clip_outliers(lc.mag, lc.mag_err)
        if keep.sum() < min_points:
            continue
        snr = signal_to_noise(lc.mag[keep], lc.mag_err[keep])
        if snr > best_snr:
            best, best_snr = (lc, keep), snr
    return best


def _best_band_two_waves(lcs: Sequence[LightCurve], max_r21: float) -> bool:
    """:func:`two_waves` of the star's :func:`best_measured_band`."""
    chosen = best_measured_band(lcs, 4 * R21_ORDER + 2)
    if chosen is None:
        return False
    lc, keep = chosen
    return two_waves(lc.time[keep], lc.mag[keep], lc.mag_err[keep], lc.period, max_r21)


def halve_two_wave_periods(lcs: Sequence[LightCurve], max_r21: float) -> list[LightCurve]:
    """The light curves with the period of every pulsating star that folds into two waves halved.

    Arguments:
        lcs: light curves of any surveys and classes (several bands of one star share ``key``).
        max_r21: largest R21 of a star's best band kept at its period whatever its periodogram
            (> 0; 1 = the second harmonic may not dominate the first).

    Returns:
        A new list in the same order; halved light curves are copies with ``period``,
        ``meta["period_err"]`` (when present) halved, ``meta["period_halved"] = True`` and
        ``meta["period_as_read"]``; all others are the same objects.
    """
    if not max_r21 > 0:
        raise ValueError(f"max_r21 must be > 0, got {max_r21}")
    stars: dict[str, list[LightCurve]] = defaultdict(list)
    for lc in lcs:
        if lc.vclass not in TWO_MINIMA_CLASSES and math.isfinite(lc.period) and lc.period > 0:
            stars[lc.key].append(lc)
    halve = {key for key, group in stars.items() if _best_band_two_waves(group, max_r21)}
    out = []
    for lc in lcs:
        if lc.key not in halve:
            out.append(lc)
            continue
        meta = {**lc.meta, "period_halved": True, "period_as_read": lc.period}
        err = meta.get("period_err")
        if isinstance(err, (int, float)) and math.isfinite(err):
            meta["period_err"] = err / 2
        out.append(dataclasses.replace(lc, period=lc.period / 2, meta=meta))
    return out
