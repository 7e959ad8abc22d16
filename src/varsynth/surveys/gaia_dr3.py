"""Reader for Gaia DR3 epoch photometry of classified variables (Gaia Collaboration 2023).

The collection (``gaia-dr3-epoch/``) has one Parquet file per star,
``epoch_photometry/<source_id>.parquet`` with columns ``time`` (BJD - 2455197.5, days),
``mag`` (G) and ``mag_err``, and per-class metadata tables
``metadata/gaia_metadata_<CLASS>.parquet`` (``source_id, best_class_name, best_class_score,
phot_g_mean_mag, bp_rp, parallax``). The metadata lists more stars than have light curves; those
rows are not light curves and are not counted as skips. A light-curve file without a metadata
row (hence without a class) is counted.

Gaia DR3 publishes no periods with these light curves, so each star's period comes from the
Lomb-Scargle search of :mod:`varsynth.surveys.periods` (doubled for eclipsing binaries);
stars whose search fails the success criterion are kept with ``period_ok`` False, stars with
fewer than :data:`~varsynth.surveys.periods.MIN_POINTS` valid points are skipped and counted.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from varsynth.lightcurve import LightCurve, TimeSystem
from varsynth.surveys.periods import SearchParams
from varsynth.surveys.quota import LabelQuota
from varsynth.surveys.searched import Points, StarTask, load_searched_star, read_searched_stars
from varsynth.surveys.skips import ReaderError, SkipLog
from varsynth.surveys.validate import clean_points
from varsynth.taxonomy import UnknownClassError, gaia_dr3_class

__all__ = [
    "read_gaia_epoch_file",
    "read_gaia_metadata",
    "read_gaia_dr3",
    "EPOCH_COLUMNS",
    "METADATA_COLUMNS",
    "TIME_SYSTEM",
]

SURVEY = "gaia-dr3"
BAND = "G"

#: Epoch photometry times are BJD(TCB) - 2455197.5 (days); MJD zero point: + 55197.0 (barycentric, TCB kept).
TIME_SYSTEM = TimeSystem("BJD-2455197.5", 55197.0, "tcb")
#: Columns of an epoch-photometry file: BJD - 2455197.5 (days), G magnitude, its error.
EPOCH_COLUMNS: tuple[str, ...] = ("time", "mag", "mag_err")
#: Columns of a metadata table.
METADATA_COLUMNS: tuple[str, ...] = (
    "source_id",
    "best_class_name",
    "best_class_score",
    "phot_g_mean_mag",
    "bp_rp",
    "parallax",
)


def read_gaia_epoch_file(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read one epoch-photometry Parquet file.

    Returns:
        ``(time, mag, mag_err)``: BJD - 2455197.5 (days), G magnitudes, 1-sigma errors, in file
        order, not yet cleaned.

    Raises:
        ReaderError: the file cannot be read as Parquet, lacks a column, or has no rows.
    """
    try:
        table = pd.read_parquet(path, columns=list(EPOCH_COLUMNS))
    except (OSError, ValueError, KeyError, pa.ArrowException) as err:
        raise ReaderError(path, None, f"unreadable file ({err.__class__.__name__})") from err
    if table.empty:
        raise ReaderError(path, None, "empty file")
    try:
        arrays = [table[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in EPOCH_COLUMNS]
    except (TypeError, ValueError) as err:
        raise ReaderError(path, None, "non-numeric column") from err
    return arrays[0], arrays[1], arrays[2]


def read_gaia_metadata(root: str | Path, *, skips: SkipLog) -> dict[str, dict[str, Any]]:
    """All metadata rows, by source ID (as a string).

    Unreadable tables are counted at level ``file``; a source ID listed twice keeps its first
    row (tables in sorted order) and the repeat is counted at level ``line``.

    Returns:
        ``{source_id: row}`` with the :data:`METADATA_COLUMNS` plus ``source_file``.
    """
    root = Path(root)
    rows: dict[str, dict[str, Any]] = {}
    for path in sorted((root / "metadata").glob("*.parquet")):
        source_file = path.relative_to(root).as_posix()
        try:  # text is decoded when the records are built: invalid UTF-8 fails there
            records = pd.read_parquet(path, columns=list(METADATA_COLUMNS)).to_dict("records")
        except (OSError, ValueError, KeyError, pa.ArrowException) as err:
            skips.add(SURVEY, "file", f"unreadable file ({err.__class__.__name__})", source_file)
            continue
        for record in records:
            key = str(record["source_id"])
            if key in rows:
                skips.add(SURVEY, "line", "duplicate metadata row", f"{source_file}:{key}")
                continue
            rows[key] = {**record, "source_file": source_file}
    return rows


def _scalar(value: Any) -> float | None:
    """A metadata number as a JSON-friendly float, None when missing."""
    if value is None or pd.isna(value):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _parse_star(task: StarTask, skips: SkipLog) -> tuple[Points, dict[str, Any]]:
    """One star's cleaned points and its metadata (from its metadata-table row)."""
    time, mag, err = read_gaia_epoch_file(task.path)
    points = clean_points(time, mag, err, survey=SURVEY, where=task.source_file, skips=skips)
    return points, dict(task.record)


_load_star = functools.partial(load_searched_star, survey=SURVEY, band=BAND, time_system=TIME_SYSTEM, parse=_parse_star)


def _star_meta(row: dict[str, Any]) -> dict[str, Any]:
    """Light-curve metadata from a metadata row."""
    g_mean = _scalar(row["phot_g_mean_mag"])
    return {
        "mean_mag": {BAND: g_mean} if g_mean is not None else {},
        "bp_rp": _scalar(row["bp_rp"]),
        "parallax_mas": _scalar(row["parallax"]),
        "best_class_score": _scalar(row["best_class_score"]),
        "gaia_class": str(row["best_class_name"]),
        "metadata_file": row["source_file"],
    }


def _tasks(
    root: Path, skips: SkipLog, limit: int | None, params: SearchParams, cache_dir: str | None
) -> list[StarTask]:
    """The stars to read, in sorted source-ID order, at most ``limit`` per Gaia class.

    Light-curve files without a metadata row, with a name that is not a source ID, or with an
    unknown class are counted here.
    """
    metadata = read_gaia_metadata(root, skips=skips)
    tasks: list[StarTask] = []
    quota = LabelQuota(limit)
    for path in sorted((root / "epoch_photometry").glob("*.parquet"), key=lambda p: p.stem):
        source_file = path.relative_to(root).as_posix()
        star_id = path.stem
        if not star_id.isdigit():
            skips.add(SURVEY, "file", "unexpected file name", source_file)
            continue
        row = metadata.get(star_id)
        if row is None:
            skips.add(SURVEY, "file", "no metadata row", source_file)
            continue
        label = str(row["best_class_name"])
        try:
            vclass, subtype = gaia_dr3_class(label)
        except UnknownClassError:
            skips.add(SURVEY, "star", f"unknown class label {label!r}", source_file)
            continue
        if not quota.take(label):
            continue
        tasks.append(StarTask(path, source_file, star_id, vclass, subtype, _star_meta(row), params, cache_dir))
    return tasks


def read_gaia_dr3(
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
    """Read the Gaia DR3 G-band epoch photometry, with Lomb-Scargle periods.

    Arguments:
        root: the ``gaia-dr3-epoch/`` folder (with ``epoch_photometry/`` and ``metadata/``).
        skips: receives the counts of everything left out.
        bands: bands wanted; only ``G`` is read (anything else returns no light curves).
        limit: at most this many stars per Gaia class (``RR``, ``CEP``, ...), in sorted
            source-ID order.
        progress: show a progress bar.
        cache_dir: directory of the period-search cache (None: no cache).
        workers: processes for the per-star work (reading and period search).
        params: period-search parameters.

    Returns:
        One ``G`` light curve per star (times on the MJD zero point: the files' BJD - 2455197.5
        + 55197.0, barycentric, TCB; :data:`TIME_SYSTEM`), sorted by source ID
        (as a string).
    """
    if bands is not None and BAND not in bands:
        return []
    tasks = _tasks(Path(root), skips, limit, params, None if cache_dir is None else str(cache_dir))
    return read_searched_stars(_load_star, tasks, skips=skips, workers=workers, progress=progress, desc="Gaia DR3")
