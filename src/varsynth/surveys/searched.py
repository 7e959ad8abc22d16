"""The frame shared by the readers of surveys without published periods (CRTS, Gaia DR3, ASAS).

These surveys publish one light curve per star in one band and no period, so their readers
differ only in how a star's file is parsed and which metadata it carries. What is common lives
here: the per-star task a worker process receives (:class:`StarTask`), the epoch-range filter
(:func:`inside_range`), the inverse-variance mean (:func:`weighted_mean`), the per-star step
(:func:`load_searched_star`: parse, count an unreadable file, search the period) and the
reading of all stars in worker processes with their skip logs merged
(:func:`read_searched_stars`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from varsynth.lightcurve import LightCurve, TimeSystem
from varsynth.surveys.periods import SearchParams, map_in_order, searched_lightcurve
from varsynth.surveys.skips import ReaderError, SkipLog

__all__ = [
    "Points",
    "StarTask",
    "inside_range",
    "load_searched_star",
    "read_searched_stars",
    "weighted_mean",
]

#: Cleaned ``(time, mag, mag_err)`` of one light curve: days, magnitudes, 1-sigma magnitudes.
Points = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class StarTask:
    """One star to read: everything a worker process needs.

    Attributes:
        path: the star's light-curve file.
        source_file: its path relative to the survey folder (quoted in the skip log).
        star_id: the light curve's star ID.
        vclass: its class in the taxonomy; ``subtype`` its subtype.
        record: the survey's own record of the star (file-name fields, catalog row, metadata).
        params: period-search parameters.
        cache_dir: folder of the period-search cache (``None``: no cache).
    """

    path: Path
    source_file: str
    star_id: str
    vclass: str
    subtype: str
    record: Any
    params: SearchParams
    cache_dir: str | None


def inside_range(
    time: np.ndarray, span: tuple[float, float], *, survey: str, reason: str, where: str, skips: SkipLog
) -> np.ndarray:
    """Mask of the points whose finite epoch lies in ``span`` (NaN epochs are left to cleaning).

    Arguments:
        time: epochs, days (the survey's own system, as read).
        span: the plausible ``(lowest, highest)`` epoch, same system.
        reason: the skip-log reason of the points outside (counted at level ``point``).
    """
    lo, hi = span
    keep = ~(np.isfinite(time) & ((time < lo) | (time > hi)))
    skips.add(survey, "point", reason, where, int((~keep).sum()))
    return keep


def weighted_mean(mag: np.ndarray, err: np.ndarray) -> float:
    """Inverse-variance weighted mean magnitude (NaN without points).

    Arguments:
        mag: magnitudes; err: their 1-sigma errors (magnitudes, > 0).
    """
    return float(np.average(mag, weights=err**-2.0)) if mag.size else math.nan


#: Parses one star's file: returns its cleaned points and its metadata, counts what it drops in
#: the skip log and raises :class:`ReaderError` for a file it cannot read at all.
ParseStar = Callable[[StarTask, SkipLog], tuple[Points, dict[str, Any]]]


def load_searched_star(
    task: StarTask, *, survey: str, band: str, time_system: TimeSystem, parse: ParseStar
) -> tuple[LightCurve | None, SkipLog]:
    """Parse, clean and period-search one star (runs in a worker process).

    An unreadable file is counted at level ``file``; too few points or a failed search at level
    ``star`` (:func:`~varsynth.surveys.periods.searched_lightcurve`). The period search sees the
    times as read, in ``time_system`` (so its cache keys do not depend on the MJD conversion);
    the light curve returned has them moved to MJD (:meth:`LightCurve.with_time_system`).

    Returns:
        The light curve or ``None``, and the skip log of this star.
    """
    skips = SkipLog()
    try:
        points, meta = parse(task, skips)
    except ReaderError as exc:
        skips.add(survey, "file", exc.reason, str(exc))
        return None, skips
    lc = searched_lightcurve(
        survey=survey,
        band=band,
        star_id=task.star_id,
        vclass=task.vclass,
        subtype=task.subtype,
        points=points,
        meta=meta,
        params=task.params,
        cache_dir=task.cache_dir,
        where=task.source_file,
        skips=skips,
    )
    return (lc.with_time_system(time_system) if lc is not None else None), skips


def read_searched_stars(
    load: Callable[[StarTask], tuple[LightCurve | None, SkipLog]],
    tasks: Sequence[StarTask],
    *,
    skips: SkipLog,
    workers: int,
    progress: bool,
    desc: str,
) -> list[LightCurve]:
    """Run ``load`` on every task (in ``workers`` processes), merging each star's skip log.

    Arguments:
        load: a picklable per-star function (module level, or a ``functools.partial`` of one).

    Returns:
        The light curves sorted by star ID then band; the order does not depend on ``workers``.
    """
    light_curves = []
    for lc, local in map_in_order(load, tasks, workers=workers, progress=progress, desc=desc):
        skips.merge(local)
        if lc is not None:
            light_curves.append(lc)
    return sorted(light_curves, key=lambda lc: (lc.star_id, lc.band))
