"""Reader for the Catalina Real-time Transient Survey periodic variables (Drake et al. 2014).

The collection (``crts-periodic/``) has one CSV per star, ``train/<CSS_ID>-<CLASS>.csv`` and
``test/test-<N>-<CLASS>.csv`` (test IDs are anonymised), with the header
``"ID","MJD","mag","magerr","RA","Dec"`` and one row per exposure. Magnitudes are CSS
unfiltered photometry calibrated to V, so the band is ``V``. CRTS takes four exposures a few
minutes apart per visit: these are distinct epochs; only rows at the very same MJD are
duplicates (dropped by :func:`~varsynth.surveys.validate.clean_points`).

No periods are published with the light curves, so each star's period comes from the
Lomb-Scargle search of :mod:`varsynth.surveys.periods` (doubled for eclipsing and ellipsoidal
variables), with its power, false-alarm probability and success flag in ``meta``. Stars whose
search fails the success criterion are kept (``period_ok`` False) for the preprocessing to
decide; stars with fewer than :data:`~varsynth.surveys.periods.MIN_POINTS` valid points are
skipped and counted.
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from varsynth.lightcurve import MJD, LightCurve
from varsynth.surveys.periods import DOUBLED_CLASSES, SearchParams
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
from varsynth.surveys.validate import clean_points
from varsynth.taxonomy import UnknownClassError, crts_class

__all__ = ["CrtsRows", "read_crts_file", "read_crts", "HEADER", "DOUBLED_CLASSES", "MJD_RANGE"]

SURVEY = "crts"
BAND = "V"
#: Column names of every CRTS light-curve file, in order.
HEADER: tuple[str, ...] = ("ID", "MJD", "mag", "magerr", "RA", "Dec")
_SPLITS = ("test", "train")
#: Plausible MJD range (1995-2050; CRTS photometry spans 2005-2016). A few files carry a
#: placeholder epoch at MJD -2409998.5, which would stretch the baseline a thousandfold.
MJD_RANGE: tuple[float, float] = (50000.0, 70000.0)


class CrtsRows(NamedTuple):
    """The parsed rows of one CRTS file (before point-level cleaning).

    Attributes:
        time: MJD, days.
        mag: V-calibrated magnitudes.
        mag_err: 1-sigma magnitude errors.
        ra: right ascension per row, degrees.
        dec: declination per row, degrees.
    """

    time: np.ndarray
    mag: np.ndarray
    mag_err: np.ndarray
    ra: np.ndarray
    dec: np.ndarray


def _split_line(line: str) -> tuple[str, ...]:
    """The stripped CSV fields of one line; ``()`` when the line is not valid CSV."""
    try:
        return tuple(field.strip() for field in next(csv.reader([line])))
    except (csv.Error, StopIteration):
        return ()


def _as_float(text: str) -> float:
    """A CSV field as a float; an empty field is a missing value (NaN)."""
    return math.nan if text == "" else float(text)


def read_crts_file(path: str | Path, *, star_id: str, skips: SkipLog, where: str = "") -> CrtsRows:
    """Parse one CRTS light-curve CSV, counting every malformed row.

    Arguments:
        path: the CSV file.
        star_id: the ``ID`` every row must carry (the CSS ID, or ``N`` for ``test-N`` files).
        skips: receives ``line``-level counts (wrong field count, non-numeric value, row ID
            different from the file's).
        where: name of the file in skip-log examples (default: ``path``).

    Returns:
        The parsed rows; values may still be NaN or have errors <= 0 (see ``clean_points``).
        Blank lines are not rows and are ignored.

    Raises:
        ReaderError: the file cannot be opened or decoded, is empty or has another header.
    """
    where = where or str(path)
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ReaderError(path, None, f"unreadable file ({err.__class__.__name__})") from err
    if not lines:
        raise ReaderError(path, None, "empty file")
    if _split_line(lines[0]) != HEADER:
        raise ReaderError(path, 1, "unexpected header")
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = _split_line(line)
        if len(fields) != len(HEADER):
            skips.add(SURVEY, "line", "malformed line (wrong number of fields)", f"{where}:{number}")
            continue
        if fields[0] != star_id:
            skips.add(SURVEY, "line", "row ID differs from file name", f"{where}:{number}")
            continue
        try:
            rows.append([_as_float(f) for f in fields[1:]])
        except ValueError:
            skips.add(SURVEY, "line", "malformed line (non-numeric value)", f"{where}:{number}")
    table = np.asarray(rows, dtype=np.float64).reshape(-1, len(HEADER) - 1)
    return CrtsRows(*table.T)


class CrtsFile(NamedTuple):
    """What a CRTS file name says: the split (``train``, ``test``) and the CRTS label."""

    file_id: str
    split: str
    label: str


def _parse_name(path: Path) -> tuple[str, str, str, str] | None:
    """``(star_id, file_id, split, label)`` from a file name; None when it does not fit."""
    stem, split = path.stem, path.parent.name
    head, sep, label = stem.rpartition("-")
    if not sep or not head or not label:
        return None
    if split == "test":
        prefix, sep, number = head.partition("-")
        if prefix != "test" or not number.isdigit():
            return None
        return head, number, split, label
    return (head, head, split, label) if head.isdigit() else None


def _finite_median(values: np.ndarray) -> float | None:
    """Median of the finite values, None when there are none."""
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else None


def _parse_star(task: StarTask, skips: SkipLog) -> tuple[Points, dict[str, Any]]:
    """One star's cleaned points (MJD outside :data:`MJD_RANGE` counted) and its metadata."""
    record: CrtsFile = task.record
    rows = read_crts_file(task.path, star_id=record.file_id, skips=skips, where=task.source_file)
    lo, hi = MJD_RANGE
    keep = inside_range(
        rows.time,
        MJD_RANGE,
        survey=SURVEY,
        reason=f"MJD outside {lo:.0f}-{hi:.0f}",
        where=task.source_file,
        skips=skips,
    )
    time, mag, err = clean_points(
        rows.time[keep], rows.mag[keep], rows.mag_err[keep], survey=SURVEY, where=task.source_file, skips=skips
    )
    meta = {
        "ra": _finite_median(rows.ra),
        "dec": _finite_median(rows.dec),
        "mean_mag": {BAND: weighted_mean(mag, err)},
        "crts_split": record.split,
        "crts_label": record.label,
    }
    return (time, mag, err), meta


_load_star = functools.partial(load_searched_star, survey=SURVEY, band=BAND, time_system=MJD, parse=_parse_star)


def _tasks(
    root: Path, skips: SkipLog, limit: int | None, params: SearchParams, cache_dir: str | None
) -> list[StarTask]:
    """The stars to read, in sorted path order, at most ``limit`` per CRTS label.

    File names that do not fit the pattern and unknown labels are counted here.
    """
    tasks: list[StarTask] = []
    quota = LabelQuota(limit)
    paths = sorted(p for split in _SPLITS for p in (root / split).glob("*.csv"))
    for path in paths:
        source_file = path.relative_to(root).as_posix()
        parsed = _parse_name(path)
        if parsed is None:
            skips.add(SURVEY, "file", "unexpected file name", source_file)
            continue
        star_id, file_id, split, label = parsed
        try:
            vclass, subtype = crts_class(label)
        except UnknownClassError:
            skips.add(SURVEY, "star", f"unknown class label {label!r}", source_file)
            continue
        if not quota.take(label):
            continue
        record = CrtsFile(file_id, split, label)
        tasks.append(StarTask(path, source_file, star_id, vclass, subtype, record, params, cache_dir))
    return tasks


def read_crts(
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
    """Read the CRTS periodic-variable light curves, with Lomb-Scargle periods.

    Arguments:
        root: the ``crts-periodic/`` folder (with ``train/`` and ``test/``).
        skips: receives the counts of everything left out.
        bands: bands wanted; CRTS has only ``V`` (anything else returns no light curves).
        limit: at most this many stars per CRTS label (``RRab``, ``EW``, ...), in sorted path
            order (``test/`` before ``train/``).
        progress: show a progress bar.
        cache_dir: directory of the period-search cache (None: no cache).
        workers: processes for the per-star work (parsing and period search).
        params: period-search parameters.

    Returns:
        One ``V`` light curve per star (times in MJD), sorted by star ID. Star IDs are the CSS
        IDs for ``train/`` and ``test-<N>`` for ``test/`` (``meta["crts_split"]`` says which).
    """
    if bands is not None and BAND not in bands:
        return []
    tasks = _tasks(Path(root), skips, limit, params, None if cache_dir is None else str(cache_dir))
    return read_searched_stars(_load_star, tasks, skips=skips, workers=workers, progress=progress, desc="CRTS")
