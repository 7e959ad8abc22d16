"""The frame shared by the readers of surveys with catalog periods in several bands (EROS-1, SDSS S82).

These readers take a star's class and period from a catalog table and its photometry from a file
holding all its bands; each band with points becomes one :class:`LightCurve` carrying the star's
period and metadata. What is common lives here: the per-label limit over sorted star keys
(:func:`~varsynth.surveys.quota.first_per_label`), counting an unreadable table
(:func:`count_unreadable`) and the per-band light curves of one star (:func:`band_lightcurves`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from varsynth.lightcurve import LightCurve, TimeSystem
from varsynth.surveys.skips import ReaderError, SkipLog

__all__ = ["band_lightcurves", "count_unreadable"]


def count_unreadable(survey: str, exc: ReaderError, skips: SkipLog, reason: str = "unreadable file") -> None:
    """Count a table or light-curve file the reader cannot read at all (level ``file``)."""
    skips.add(survey, "file", reason, str(exc))


def band_lightcurves(
    *,
    survey: str,
    star_id: str,
    points: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
    bands: Sequence[str],
    vclass: str,
    subtype: str,
    period: float,
    meta: dict[str, Any],
    time_system: TimeSystem,
    where: str,
    skips: SkipLog,
) -> list[LightCurve]:
    """One light curve per band of ``bands`` that ``points`` holds, in the order of ``bands``.

    A band absent from ``points`` was left out (and counted) when its file was parsed; a band
    with no point left is counted here at level ``lightcurve`` (``no valid points``). Each light
    curve gets its own copy of the dictionaries in ``meta``.

    Arguments:
        points: cleaned ``(time, mag, mag_err)`` per band: days in ``time_system``, magnitudes,
            1-sigma magnitudes.
        period: the catalog period, days.
        time_system: the survey's time system; the light curves' times are moved to MJD
            (:meth:`LightCurve.with_time_system`).
        where: the source file, quoted in the skip log.
    """
    out = []
    for b in bands:
        if b not in points:
            continue
        time, mag, err = points[b]
        if time.size == 0:
            skips.add(survey, "lightcurve", "no valid points", f"{where} band {b}")
            continue
        out.append(
            LightCurve(
                star_id=star_id,
                survey=survey,
                band=b,
                time=time,
                mag=mag,
                mag_err=err,
                vclass=vclass,
                subtype=subtype,
                period=period,
                meta={k: dict(v) if isinstance(v, dict) else v for k, v in meta.items()},
            ).with_time_system(time_system)  # fmt: skip
        )
    return out
