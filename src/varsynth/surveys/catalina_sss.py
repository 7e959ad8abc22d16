"""Reader for the Catalina Sky Survey Siding Spring Survey periodic variables (Drake et al. 2017).

The collection (``catalina-sss/``) has the published catalog ``SSS_Per_Tab.txt`` (Drake et al.
2017, MNRAS 469, 3688), whitespace-separated without header, one row per star::

    CSS_ID  RA(deg)  Dec(deg)  period(d)  mean_mag  n_epochs  amplitude(mag)  type_code  [name ...]

(the optional name may contain spaces, e.g. ``TZ Scl``), and one file per star with a light
curve, ``phot/<CSS_ID>.dat``: ``MJD mag err`` per epoch, whitespace-separated, no header.
Magnitudes are unfiltered, calibrated to V, so the band is ``V``; **times are MJD** (days), as
published. Type codes and their classes: :data:`varsynth.taxonomy.CSS_TYPE_LABELS`.

The unit is the light-curve file, as for Gaia DR3: the catalog lists all 37,745 stars, light
curves are in the collection for a subset (codes 7, 11, 13 have none, codes 1, 2, 5, 6 a random
1,500 each), so catalog rows without a file are not skips. Counted: unparsable catalog rows
and repeated IDs (``line``), files without a catalog row or that cannot be read (``file``), rows
of a file that are not three numbers (``line``), the placeholder epochs at MJD -2409998.5 that
Catalina files share with CRTS and every invalid point (``point``), unknown type codes and
stars with fewer than :data:`~varsynth.surveys.periods.MIN_POINTS` valid points (``star``).

The period is the published one (``meta["period_source"] == "catalog"``): no period search.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from varsynth.lightcurve import LightCurve
from varsynth.surveys.crts import MJD_RANGE
from varsynth.surveys.periods import MIN_POINTS, map_in_order
from varsynth.surveys.quota import LabelQuota
from varsynth.surveys.skips import ReaderError, SkipLog
from varsynth.surveys.validate import clean_points
from varsynth.taxonomy import CSS_TYPE_LABELS, UnknownClassError, css_class

__all__ = [
    "CssCatalogRow",
    "CATALOG_FILE",
    "MJD_RANGE",
    "parse_catalog_row",
    "read_css_catalog",
    "parse_phot_row",
    "read_css_phot_file",
    "read_catalina_sss",
]

SURVEY = "css"
BAND = "V"
#: The catalog table inside the collection folder.
CATALOG_FILE = "SSS_Per_Tab.txt"
_N_COLUMNS = 8


class CssCatalogRow(NamedTuple):
    """One star of the Siding Spring Survey periodic-variable catalog.

    Attributes:
        css_id: the 13-digit CSS ID (also the light-curve file name).
        ra: right ascension, degrees.
        dec: declination, degrees.
        period: published period, days.
        mean_mag: mean magnitude (unfiltered, calibrated to V), mag.
        n_epochs: number of epochs of the published light curve.
        amplitude: published amplitude, mag.
        type_code: Drake et al. (2017) type code (1 RRab ... 12 Cep-II).
        name: other designation (``TZ Scl``, ``ASAS J003041-4416.4``), ``""`` when none.
    """

    css_id: str
    ra: float
    dec: float
    period: float
    mean_mag: float
    n_epochs: int
    amplitude: float
    type_code: int
    name: str


def _number(text: str, column: str) -> float:
    """A finite float, else ``ValueError`` naming the column."""
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"non-numeric {column}") from None
    if not math.isfinite(value):
        raise ValueError(f"non-finite {column}")
    return value


def _integer(text: str, column: str) -> int:
    """A decimal integer, else ``ValueError`` naming the column."""
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"non-integer {column}") from None


def parse_catalog_row(line: str) -> CssCatalogRow:
    """Parse one catalog line.

    Raises:
        ValueError: with the reason as message: fewer than 8 fields, an ID that is not a
            number, a non-numeric or non-finite value, ``ra outside [0, 360)``,
            ``dec outside [-90, 90]``, ``period <= 0``, ``n_epochs < 0`` or ``amplitude < 0``.
    """
    fields = line.split()
    if len(fields) < _N_COLUMNS:
        raise ValueError(f"fewer than {_N_COLUMNS} fields")
    css_id = fields[0]
    if not css_id.isdigit():
        raise ValueError("CSS ID is not a number")
    ra, dec, period, mean_mag = (
        _number(text, column) for text, column in zip(fields[1:5], ("ra", "dec", "period", "mean_mag"))
    )
    n_epochs = _integer(fields[5], "n_epochs")
    amplitude = _number(fields[6], "amplitude")
    type_code = _integer(fields[7], "type code")
    if not 0.0 <= ra < 360.0:
        raise ValueError("ra outside [0, 360)")
    if not -90.0 <= dec <= 90.0:
        raise ValueError("dec outside [-90, 90]")
    if period <= 0:
        raise ValueError("period <= 0")
    if n_epochs < 0:
        raise ValueError("n_epochs < 0")
    if amplitude < 0:
        raise ValueError("amplitude < 0")
    name = " ".join(fields[_N_COLUMNS:])
    return CssCatalogRow(css_id, ra, dec, period, mean_mag, n_epochs, amplitude, type_code, name)


def read_css_catalog(path: str | Path, *, skips: SkipLog) -> dict[str, CssCatalogRow]:
    """Every valid catalog row by CSS ID.

    Blank lines are ignored. Rows :func:`parse_catalog_row` refuses and repeated IDs (the first
    row is kept) are counted at level ``line`` as ``malformed catalog row (<reason>)``.

    Raises:
        ReaderError: the catalog cannot be read or is empty.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ReaderError(path, None, f"unreadable file ({err.__class__.__name__})") from err
    if not any(line.strip() for line in lines):
        raise ReaderError(path, None, "empty file")
    rows: dict[str, CssCatalogRow] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = parse_catalog_row(line)
        except ValueError as err:
            skips.add(SURVEY, "line", f"malformed catalog row ({err})", f"{path.name}:{number}")
            continue
        if row.css_id in rows:
            skips.add(SURVEY, "line", "malformed catalog row (repeated CSS ID)", f"{path.name}:{number}")
            continue
        rows[row.css_id] = row
    return rows


def parse_phot_row(line: str) -> tuple[float, float, float]:
    """``(mjd, mag, err)`` of one photometry line; values may be NaN (left to ``clean_points``).

    Raises:
        ValueError: ``wrong number of fields`` (not 3) or ``non-numeric value``.
    """
    fields = line.split()
    if len(fields) != 3:
        raise ValueError("wrong number of fields")
    try:
        mjd, mag, err = (float(f) for f in fields)
    except ValueError:
        raise ValueError("non-numeric value") from None
    return mjd, mag, err


def read_css_phot_file(
    path: str | Path, *, skips: SkipLog, where: str = ""
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse one ``phot/<CSS_ID>.dat`` file, counting every malformed line at level ``line``.

    Arguments:
        path: the photometry file.
        skips: receives ``malformed line (<reason>)`` counts.
        where: name of the file in skip-log examples (default: ``path``).

    Returns:
        ``(mjd, mag, err)`` in file order (MJD in days, V-calibrated magnitudes, 1-sigma
        errors), not yet cleaned. Blank lines are not rows and are ignored.

    Raises:
        ReaderError: the file cannot be opened or decoded, or holds no line at all.
    """
    where = where or str(path)
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ReaderError(path, None, f"unreadable file ({err.__class__.__name__})") from err
    if not any(line.strip() for line in lines):
        raise ReaderError(path, None, "empty file")
    points = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            points.append(parse_phot_row(line))
        except ValueError as err:
            skips.add(SURVEY, "line", f"malformed line ({err})", f"{where}:{number}")
    table = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    return table[:, 0], table[:, 1], table[:, 2]


@dataclass(frozen=True)
class _Task:
    """One star to read: everything a worker process needs."""

    path: Path
    source_file: str
    row: CssCatalogRow
    vclass: str
    subtype: str


def _star_meta(task: _Task) -> dict[str, Any]:
    """Light-curve metadata from the catalog row."""
    row = task.row
    return {
        "ra": row.ra,
        "dec": row.dec,
        "mean_mag": {BAND: row.mean_mag},
        "amplitude": row.amplitude,
        "n_epochs_catalog": row.n_epochs,
        "css_type_code": row.type_code,
        "css_label": CSS_TYPE_LABELS[row.type_code],
        "name": row.name,
        "source_file": task.source_file,
        "period_source": "catalog",
        "time_system": "MJD",
    }


def _load_star(task: _Task) -> tuple[LightCurve | None, SkipLog]:
    """Read and clean one star (runs in a worker process)."""
    skips = SkipLog()
    try:
        mjd, mag, err = read_css_phot_file(task.path, skips=skips, where=task.source_file)
    except ReaderError as exc:
        skips.add(SURVEY, "file", exc.reason, str(exc))
        return None, skips
    lo, hi = MJD_RANGE
    keep = ~(np.isfinite(mjd) & ((mjd < lo) | (mjd > hi)))
    skips.add(SURVEY, "point", f"MJD outside {lo:.0f}-{hi:.0f}", task.source_file, int((~keep).sum()))
    time, mag, err = clean_points(mjd[keep], mag[keep], err[keep], survey=SURVEY, where=task.source_file, skips=skips)
    if time.size < MIN_POINTS:
        skips.add(SURVEY, "star", f"fewer than {MIN_POINTS} valid points", task.source_file)
        return None, skips
    row = task.row
    # the files' times are MJD: the record's default time system (varsynth.lightcurve.MJD)
    lc = LightCurve(row.css_id, SURVEY, BAND, time, mag, err, task.vclass, task.subtype, row.period, _star_meta(task))
    return lc, skips


def _tasks(root: Path, skips: SkipLog, limit: int | None) -> list[_Task]:
    """The stars to read, in sorted CSS-ID order, at most ``limit`` per type label.

    Files whose name is not a CSS ID, files without a catalog row and unknown type codes are
    counted here.
    """
    try:
        catalog = read_css_catalog(root / CATALOG_FILE, skips=skips)
    except ReaderError as exc:
        skips.add(SURVEY, "file", exc.reason, str(exc))
        catalog = {}
    tasks: list[_Task] = []
    quota = LabelQuota(limit)
    for path in sorted((root / "phot").glob("*.dat"), key=lambda p: p.stem):
        source_file = path.relative_to(root).as_posix()
        if not path.stem.isdigit():
            skips.add(SURVEY, "file", "unexpected file name", source_file)
            continue
        row = catalog.get(path.stem)
        if row is None:
            skips.add(SURVEY, "file", "no catalog row", source_file)
            continue
        try:
            vclass, subtype = css_class(row.type_code)
        except UnknownClassError:
            skips.add(SURVEY, "star", f"unknown type code {row.type_code}", source_file)
            continue
        label = CSS_TYPE_LABELS[row.type_code]
        if not quota.take(label):
            continue
        tasks.append(_Task(path, source_file, row, vclass, subtype))
    return tasks


def read_catalina_sss(
    root: str | Path,
    *,
    skips: SkipLog,
    bands: Sequence[str] | None = None,
    limit: int | None = None,
    progress: bool = False,
    cache_dir: str | Path | None = None,
    workers: int = 1,
) -> list[LightCurve]:
    """Read the Catalina SSS periodic-variable light curves with their published periods.

    Arguments:
        root: the ``catalina-sss/`` folder (with ``SSS_Per_Tab.txt`` and ``phot/``).
        skips: receives the counts of everything left out.
        bands: bands wanted; Catalina has only ``V`` (anything else returns no light curves).
        limit: at most this many stars per type label (``RRab``, ``EW``, ``Cep-II``, ...), in
            sorted CSS-ID order.
        progress: show a progress bar.
        cache_dir: accepted for the common reader interface; unused (published periods, no
            search).
        workers: processes for parsing the files.

    Returns:
        One ``V`` light curve per star (times in MJD, days), sorted by CSS ID. ``meta`` holds
        ``ra``, ``dec`` (degrees), ``mean_mag`` (``{"V": catalog mean}``), ``amplitude`` (mag),
        ``css_type_code``, ``css_label``, ``name`` and ``period_source == "catalog"``.
    """
    del cache_dir  # published periods: nothing to cache
    root = Path(root)
    if bands is not None and BAND not in bands:
        return []
    tasks = _tasks(root, skips, limit)
    results = map_in_order(_load_star, tasks, workers=workers, progress=progress, desc="Catalina SSS")
    light_curves = []
    for lc, local in results:
        skips.merge(local)
        if lc is not None:
            light_curves.append(lc)
    return sorted(light_curves, key=lambda lc: (lc.star_id, lc.band))
