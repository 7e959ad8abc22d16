"""Reader for ASAS V-band light curves with ACVS labels (Pojmanski 2002; Richards et al. 2012).

The collection (``asas/``) has a label table ``labels.csv`` (``id, asas_name, ra_deg, dec_deg,
class, n_points``; ``class`` is the ASAS Catalog of Variable Stars label of the Richards et al.
2012 training set, e.g. ``Mira``, ``RR Lyrae, Fundamental Mode``, ``Contact Systems``) and one
CSV per star, ``lc/<id>.csv``, with the header ``hjd,mag,mag_err,band`` (full heliocentric Julian
date, Johnson V magnitude, 1-sigma error, band ``V``).

**Time system.** The reader returns ``HJD - 2400000.5`` (days): the MJD form of the
heliocentric Julian date, already on the MJD zero point (:data:`TIME_SYSTEM`, offset 0), so that
times read like those of CRTS and Catalina SSS (MJD). The heliocentric correction (up to 8.3 min)
is not undone.

1,104 of the 2,996 files hold their light curve twice (every row repeated, in two blocks); the
repeats are counted as ``duplicate time`` by :func:`~varsynth.surveys.validate.clean_points`.

No periods are given, so each star's period comes from the Lomb-Scargle search of
:mod:`varsynth.surveys.periods` (doubled for eclipsing binaries), with its power, false-alarm
probability and success flag in ``meta``. Stars whose search fails the success criterion are kept
(``period_ok`` False) for the preprocessing to decide; stars with fewer than
:data:`~varsynth.surveys.periods.MIN_POINTS` valid points are skipped and counted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from varsynth.lightcurve import LightCurve, TimeSystem
from varsynth.surveys.periods import SearchParams
from varsynth.surveys.quota import LabelQuota
from varsynth.surveys.searched import (
    Points,
    StarTask,
    inside_range,
    load_searched_star,
    read_searched_stars,
    weighted_mean,
)
from varsynth.surveys.skips import ReaderError, SkipLog
from varsynth.surveys.validate import clean_points, csv_records
from varsynth.taxonomy import UnknownClassError, asas_class

__all__ = [
    "AsasLabel",
    "LABEL_COLUMNS",
    "LC_COLUMNS",
    "HJD_OFFSET",
    "HJD_RANGE",
    "TIME_SYSTEM",
    "parse_label_row",
    "parse_point_row",
    "read_asas_labels",
    "read_asas_file",
    "read_asas",
]

SURVEY = "asas"
BAND = "V"
#: Columns of ``labels.csv``, in order.
LABEL_COLUMNS: tuple[str, ...] = ("id", "asas_name", "ra_deg", "dec_deg", "class", "n_points")
#: Columns of a light-curve file, in order.
LC_COLUMNS: tuple[str, ...] = ("hjd", "mag", "mag_err", "band")
#: Subtracted from the full HJD: returned times are HJD - 2400000.5 (days).
HJD_OFFSET: float = 2400000.5
#: Plausible full-HJD range (1995-2050; ASAS-3 photometry spans 2000-2009), the same window as
#: CRTS's MJD range; a time outside it is a corrupt or reduced date.
HJD_RANGE: tuple[float, float] = (2450000.5, 2470000.5)
#: The light curves' time system: HJD - 2400000.5, the MJD zero point (offset 0; heliocentric kept).
TIME_SYSTEM = TimeSystem("HJD-2400000.5", 0.0, "utc")


class AsasLabel(NamedTuple):
    """One row of ``labels.csv``.

    Attributes:
        star_id: the collection's numeric ID (the light curve is ``lc/<star_id>.csv``).
        asas_name: the ASAS designation (``hhmmss+ddmm.m``).
        ra: right ascension, degrees.
        dec: declination, degrees.
        label: the ACVS class label.
        n_points: number of epochs the table announces.
    """

    star_id: str
    asas_name: str
    ra: float
    dec: float
    label: str
    n_points: int


_NAME = re.compile(r"^(\d{2})(\d{2})(\d{2})([+-])(\d{2})(\d{2}(?:\.\d+)?)$")


def position_from_name(name: str) -> tuple[float, float] | None:
    """(RA, Dec) in degrees from an ASAS designation ``hhmmss+ddmm.m`` (precision: 1 s of time
    in RA, 0.1' in Dec); ``None`` when the name does not have that form.

    ``labels.csv`` stores a wrong ``dec_deg`` for nearly all southern stars (``-14 40.5'`` as
    -13.325: d + m/60 with a negative d), so the position is taken from the name.
    """
    m = _NAME.match(name.strip().removeprefix("ASAS").strip().removeprefix("J"))
    if m is None:
        return None
    hh, mm, ss, sign, dd, dm = m.groups()
    ra = 15.0 * (int(hh) + int(mm) / 60.0 + int(ss) / 3600.0)
    dec = (int(dd) + float(dm) / 60.0) * (-1.0 if sign == "-" else 1.0)
    if not (0.0 <= ra < 360.0 and -90.0 <= dec <= 90.0):
        return None
    return ra, dec


def parse_label_row(fields: Sequence[str]) -> AsasLabel:
    """Parse one ``labels.csv`` row (already split into :data:`LABEL_COLUMNS` fields).

    Raises:
        ValueError: with the reason as message: ``id is not a number``, ``non-numeric value``,
            ``ra_deg outside [0, 360)``, ``dec_deg outside [-90, 90]``, ``n_points < 0`` or
            ``empty class``.
    """
    star_id, name, ra_text, dec_text, label, n_text = (f.strip() for f in fields)
    if not star_id.isdigit():
        raise ValueError("id is not a number")
    try:
        ra, dec, n_points = float(ra_text), float(dec_text), int(n_text)
    except ValueError:
        raise ValueError("non-numeric value") from None
    if not 0.0 <= ra < 360.0:
        raise ValueError("ra_deg outside [0, 360)")
    if not -90.0 <= dec <= 90.0:
        raise ValueError("dec_deg outside [-90, 90]")
    if n_points < 0:
        raise ValueError("n_points < 0")
    if not label:
        raise ValueError("empty class")
    from_name = position_from_name(name)
    if from_name is not None:  # the table's dec_deg is wrong south of the equator
        ra, dec = from_name
    return AsasLabel(star_id, name, ra, dec, label, n_points)


def read_asas_labels(path: str | Path, *, skips: SkipLog) -> list[AsasLabel]:
    """All valid rows of ``labels.csv``, in file order.

    Rows of the wrong width, rows :func:`parse_label_row` refuses and repeated IDs (the first
    row is kept) are counted at level ``line`` as ``malformed label row (<reason>)``.

    Raises:
        ReaderError: the table cannot be read, is empty or has another header.
    """
    path = Path(path)
    header, rows, lines = csv_records(path, survey=SURVEY, skips=skips)
    if tuple(header) != LABEL_COLUMNS:
        raise ReaderError(path, 1, f"unexpected header (expected {','.join(LABEL_COLUMNS)})")
    labels: list[AsasLabel] = []
    seen: set[str] = set()
    for fields, line in zip(rows, lines):
        try:
            row = parse_label_row(fields)
        except ValueError as err:
            skips.add(SURVEY, "line", f"malformed label row ({err})", f"{path.name}:{line}")
            continue
        if row.star_id in seen:
            skips.add(SURVEY, "line", "malformed label row (repeated id)", f"{path.name}:{line}")
            continue
        seen.add(row.star_id)
        labels.append(row)
    return labels


def parse_point_row(fields: Sequence[str]) -> tuple[float, float, float]:
    """``(hjd, mag, mag_err)`` of one light-curve row (:data:`LC_COLUMNS` fields).

    Values may still be NaN or have errors <= 0 (left to ``clean_points``).

    Raises:
        ValueError: ``non-numeric value`` or ``band other than V``.
    """
    if fields[3].strip() != BAND:
        raise ValueError(f"band other than {BAND}")
    try:
        hjd, mag, err = (float(f) for f in fields[:3])
    except ValueError:
        raise ValueError("non-numeric value") from None
    return hjd, mag, err


def read_asas_file(path: str | Path, *, skips: SkipLog, where: str = "") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse one ASAS light-curve CSV, counting every malformed row at level ``line``.

    Arguments:
        path: the CSV file.
        skips: receives the counts (wrong number of fields, non-numeric value, other band).
        where: name of the file in skip-log examples (default: the file name).

    Returns:
        ``(hjd, mag, mag_err)`` as full HJD (days), V magnitudes and errors, in file order,
        not yet cleaned.

    Raises:
        ReaderError: the file cannot be read, is empty or has another header.
    """
    path = Path(path)
    where = where or path.name
    header, rows, lines = csv_records(path, survey=SURVEY, skips=skips)
    if tuple(header) != LC_COLUMNS:
        raise ReaderError(path, 1, "unexpected header")
    points = []
    for fields, line in zip(rows, lines):
        try:
            points.append(parse_point_row(fields))
        except ValueError as err:
            skips.add(SURVEY, "line", f"malformed line ({err})", f"{where}:{line}")
    table = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    return table[:, 0], table[:, 1], table[:, 2]


def _parse_star(task: StarTask, skips: SkipLog) -> tuple[Points, dict[str, Any]]:
    """One star's cleaned points (HJD outside :data:`HJD_RANGE` counted) and its metadata."""
    row: AsasLabel = task.record
    hjd, mag, err = read_asas_file(task.path, skips=skips, where=task.source_file)
    lo, hi = HJD_RANGE
    keep = inside_range(
        hjd, HJD_RANGE, survey=SURVEY, reason=f"HJD outside {lo:.1f}-{hi:.1f}", where=task.source_file, skips=skips
    )
    time, mag, err = clean_points(
        hjd[keep] - HJD_OFFSET, mag[keep], err[keep], survey=SURVEY, where=task.source_file, skips=skips
    )
    meta = {
        "ra": row.ra,
        "dec": row.dec,
        "mean_mag": {BAND: weighted_mean(mag, err)},
        "asas_name": row.asas_name,
        "asas_label": row.label,
        "time_system": "HJD-2400000.5",
    }
    return (time, mag, err), meta


_load_star = functools.partial(load_searched_star, survey=SURVEY, band=BAND, time_system=TIME_SYSTEM, parse=_parse_star)


def _tasks(
    root: Path, skips: SkipLog, limit: int | None, params: SearchParams, cache_dir: str | None
) -> list[StarTask]:
    """The stars to read, in numeric ID order, at most ``limit`` per ACVS label.

    Unknown labels, label rows without a light-curve file and light-curve files without a label
    row are counted here.
    """
    try:
        labels = read_asas_labels(root / "labels.csv", skips=skips)
    except ReaderError as exc:
        skips.add(SURVEY, "file", exc.reason, str(exc))
        labels = []
    listed = {row.star_id for row in labels}
    for path in sorted((root / "lc").glob("*.csv")):
        if path.stem not in listed:
            skips.add(SURVEY, "file", "no label row", path.relative_to(root).as_posix())
    tasks: list[StarTask] = []
    quota = LabelQuota(limit)
    for row in sorted(labels, key=lambda r: int(r.star_id)):
        source_file = f"lc/{row.star_id}.csv"
        try:
            vclass, subtype = asas_class(row.label)
        except UnknownClassError:
            skips.add(SURVEY, "star", f"unknown class label {row.label!r}", source_file)
            continue
        path = root / source_file
        if not path.is_file():
            skips.add(SURVEY, "file", "missing light-curve file", source_file)
            continue
        if not quota.take(row.label):
            continue
        tasks.append(StarTask(path, source_file, row.star_id, vclass, subtype, row, params, cache_dir))
    return tasks


def read_asas(
    root: str | Path,
    *,
    skips: SkipLog,
    bands: Sequence[str] | None = None,
    limit: int | None = None,
    progress: bool = False,
    cache_dir: str | Path | None = None,
    workers: int = 1,
    params: SearchParams = SearchParams(),
) -> list[LightCurve]:
    """Read the ASAS V-band light curves of the ACVS-labelled stars, with Lomb-Scargle periods.

    Arguments:
        root: the ``asas/`` folder (with ``labels.csv`` and ``lc/``).
        skips: receives the counts of everything left out.
        bands: bands wanted; ASAS has only ``V`` (anything else returns no light curves).
        limit: at most this many stars per ACVS label (``Mira``, ``Detached``, ...), in
            numeric ID order.
        progress: show a progress bar.
        cache_dir: directory of the period-search cache (None: no cache).
        workers: processes for the per-star work (parsing and period search).
        params: period-search parameters.

    Returns:
        One ``V`` light curve per star (times in HJD - 2400000.5, days), sorted by star ID.
        ``meta`` holds ``ra``, ``dec`` (degrees), ``mean_mag`` (``{"V": weighted mean}``),
        ``asas_name``, ``asas_label`` and the period-search record.
    """
    if bands is not None and BAND not in bands:
        return []
    tasks = _tasks(Path(root), skips, limit, params, None if cache_dir is None else str(cache_dir))
    return read_searched_stars(_load_star, tasks, skips=skips, workers=workers, progress=progress, desc="ASAS")
