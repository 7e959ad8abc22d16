"""Reader for the SDSS Stripe 82 RR Lyrae light curves of Sesar et al. (2010).

The folder holds one CSV per star (``light-curves/<Num>.csv``: ``time`` in MJD, ``mag``,
``magerr``, ``band`` in ugriz), the class and period of every star (``periods.csv``: ``Num``,
``Type`` ``ab`` / ``c``, ``Per`` in days) and the published template-fit table
(``apj326724t2.txt``, CDS/MRT fixed-width: per-band template amplitude, extinction-corrected
maximum brightness, epoch of maximum and template ID).

Facts checked on the real files:

* 483 stars (379 RRab, 104 RRc), every one with a light-curve file and a template fit; the
  template table repeats ``periods.csv`` exactly (same types and periods).
* Bad photometry is flagged by ``magerr = 99.999``, with ``mag`` near 100 (54 points) or a faint
  value (5 u-band points); such points are dropped and counted. No NaN, no error <= 0.
* A few epochs appear twice with conflicting magnitudes, either at the same time or 1e-6 d
  (0.1 s) apart: two detections of the star in one SDSS run. Times closer than
  :data:`SAME_EXPOSURE_DAYS` count as repeats; the first in time is kept, as
  :func:`~varsynth.surveys.validate.clean_points` does for exact repeats.
* The files give no coordinates, so ``meta`` has no ``ra`` / ``dec``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from astropy.io import ascii as astropy_ascii
from tqdm import tqdm

from varsynth.lightcurve import MJD, LightCurve
from varsynth.surveys.catalogued import band_lightcurves, count_unreadable
from varsynth.surveys.quota import first_per_label
from varsynth.surveys.skips import ReaderError, SkipLog
from varsynth.surveys.validate import clean_points, csv_records
from varsynth.taxonomy import UnknownClassError, sdss_class

__all__ = [
    "SURVEY",
    "BANDS",
    "BAD_ERR",
    "SAME_EXPOSURE_DAYS",
    "read_sesar_templates",
    "read_sdss_periods",
    "read_sdss_lightcurve",
    "weighted_mean_mag",
    "read_sdss_s82",
]

SURVEY = "sdss-s82"

#: SDSS bands, in wavelength order.
BANDS: tuple[str, ...] = ("u", "g", "r", "i", "z")

#: ``magerr`` at or above this flags a bad measurement (the files write 99.999).
BAD_ERR = 99.0

#: Magnitudes this far from zero are a "no measurement" placeholder (the files write about 100).
_BAD_MAG = 90.0

#: Times of one band closer than this (days, about 1 s) are one exposure measured twice. SDSS
#: images a Stripe 82 field once per run, so genuine epochs of a band are hours or days apart.
SAME_EXPOSURE_DAYS = 1e-5

_TEMPLATE_FILE = "apj326724t2.txt"
_PERIOD_FILE = "periods.csv"
_CURVE_DIR = "light-curves"

Points = tuple[np.ndarray, np.ndarray, np.ndarray]


def read_sesar_templates(path: str | Path) -> pd.DataFrame:
    """Read the Sesar et al. (2010) template-fit table (``apj326724t2.txt``, CDS/MRT format).

    Arguments:
        path: the table file, whose header gives the byte-by-byte description.

    Returns:
        One row per star with columns ``Num``, ``Type`` (``ab`` / ``c``), ``Per`` (days) and, for
        each band ``x`` in ugriz: ``Ax`` (template amplitude, mag), ``xmag`` (template maximum
        brightness, mag, corrected for interstellar extinction), ``phix`` (epoch of maximum,
        MJD) and ``Tx`` (template ID).

    Raises:
        ReaderError: when the file cannot be read as a CDS/MRT table.
    """
    path = Path(path)
    try:
        table = astropy_ascii.read(path, format="cds")
    except (OSError, UnicodeDecodeError, ValueError, IndexError, TypeError) as exc:
        raise ReaderError(path, None, f"unreadable CDS table ({type(exc).__name__}: {exc})") from exc
    df = table.to_pandas()
    df["Type"] = df["Type"].astype(str).str.strip()
    return df


def read_sdss_periods(path: str | Path, *, skips: SkipLog) -> pd.DataFrame:
    """Read ``periods.csv`` (``Num,Type,Per``).

    Rows with an unknown type or a missing / non-positive / non-finite period are counted (level
    ``star``) and marked ``usable=False``; they stay in the table so that their light-curve
    files are not reported as orphans. A repeated ``Num`` keeps its first row (level ``star``).

    Arguments:
        path: the CSV file.
        skips: the log that receives the counts.

    Returns:
        Rows indexed by star id (the ``Num`` text) with columns ``usable``, ``vclass``,
        ``subtype``, ``sdss_type`` (``ab`` / ``c``) and ``period`` (days); ``vclass`` and
        ``subtype`` are empty where ``usable`` is False.

    Raises:
        ReaderError: when the file cannot be read or lacks a column.
    """
    path = Path(path)
    header, fields, lines = csv_records(path, survey=SURVEY, skips=skips)
    missing = {"Num", "Type", "Per"} - set(header)
    if missing:
        raise ReaderError(path, 1, f"missing columns {sorted(missing)}")
    col = {name: i for i, name in enumerate(header)}
    rows = []
    seen: set[str] = set()
    for values, line in zip(fields, lines):
        star, sdss_type, per = (values[col[c]].strip() for c in ("Num", "Type", "Per"))
        where = f"{path.name}:{line}"
        if star in seen:
            skips.add(SURVEY, "star", "duplicate star id", where)
            continue
        seen.add(star)
        period = _one_float(per)[0]
        try:
            vclass, subtype = sdss_class(sdss_type)
        except UnknownClassError:
            skips.add(SURVEY, "star", "unknown class", where)
            rows.append((star, False, "", "", sdss_type, period))
            continue
        usable = math.isfinite(period) and period > 0
        if not usable:
            skips.add(SURVEY, "star", "missing or non-positive period", where)
        rows.append((star, usable, vclass, subtype, sdss_type, period))
    columns = ["star", "usable", "vclass", "subtype", "sdss_type", "period"]
    table = pd.DataFrame(rows, columns=columns).set_index("star")
    return table.astype({"usable": bool, "period": np.float64})


def _drop_same_exposure(points: Points, *, where: str, skips: SkipLog) -> Points:
    """Drop points closer in time than :data:`SAME_EXPOSURE_DAYS` to the previous one (counted).

    Arguments:
        points: ``(time, mag, err)`` sorted by strictly increasing time.
    """
    time, mag, err = points
    keep = np.diff(time, prepend=-np.inf) >= SAME_EXPOSURE_DAYS
    skips.add(SURVEY, "point", "repeated exposure (times < 1 s apart)", where, int((~keep).sum()))
    return time[keep], mag[keep], err[keep]


def read_sdss_lightcurve(path: str | Path, *, skips: SkipLog) -> dict[str, Points]:
    """Read one Stripe 82 light-curve file (``time,mag,magerr,band``) into cleaned points per band.

    Lines of the wrong width, with a non-numeric value or an unknown band are counted (level
    ``line``). Points flagged bad (``magerr >= 99``), with a placeholder magnitude (``|mag| >=
    90`` or ``mag <= 0``), NaN, error <= 0, and repeated times (exact or < 1 s apart) are
    dropped and counted (level ``point``).

    Arguments:
        path: the CSV file.
        skips: the log that receives the counts.

    Returns:
        ``{band: (time [MJD], mag, magerr)}`` for every ugriz band, sorted by time; a band may be
        empty.

    Raises:
        ReaderError: when the file cannot be read, is empty or lacks a column.
    """
    path = Path(path)
    header, rows, lines = csv_records(path, survey=SURVEY, skips=skips)
    missing = {"time", "mag", "magerr", "band"} - set(header)
    if missing:
        raise ReaderError(path, 1, f"missing columns {sorted(missing)}")
    columns = dict(zip(header, zip(*rows))) if rows else {name: () for name in header}
    line_no = np.asarray(lines, dtype=np.int64)
    where = path.name

    parsed = [_to_float(columns[name]) for name in ("time", "mag", "magerr")]
    malformed = np.logical_or.reduce([bad for _, bad in parsed])
    _count_lines(skips, "non-numeric value", path, line_no[malformed])
    band = np.array([text.strip() for text in columns["band"]], dtype=str)
    unknown = ~malformed & ~np.isin(band, BANDS)
    _count_lines(skips, "unknown band", path, line_no[unknown])

    good = ~(malformed | unknown)
    (time_all, _), (mag_all, _), (err_all, _) = parsed
    out: dict[str, Points] = {}
    for b in BANDS:
        sel = good & (band == b)
        time, mag, err = time_all[sel], mag_all[sel], err_all[sel]
        bad_err = err >= BAD_ERR
        bad_mag = ~bad_err & ((np.abs(mag) >= _BAD_MAG) | (mag <= 0))
        skips.add(SURVEY, "point", "flagged bad photometry (magerr >= 99)", where, int(bad_err.sum()))
        skips.add(SURVEY, "point", "placeholder magnitude (|mag| >= 90 or <= 0)", where, int(bad_mag.sum()))
        ok = ~(bad_err | bad_mag)
        points = clean_points(time[ok], mag[ok], err[ok], survey=SURVEY, where=where, skips=skips)
        out[b] = _drop_same_exposure(points, where=where, skips=skips)
    return out


def _to_float(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Parse numbers; returns the values and a mask of texts that are not numbers at all.

    An empty text or a NaN spelling is a missing value (NaN, not malformed): point cleaning
    counts it. Whole columns parse in one numpy call; only a column with a bad text falls back
    to one value at a time.
    """
    try:
        return np.array(texts, dtype=np.float64), np.zeros(len(texts), dtype=bool)
    except ValueError:
        pairs = [_one_float(text) for text in texts]
        return np.array([v for v, _ in pairs], dtype=np.float64), np.array([m for _, m in pairs], dtype=bool)


def _one_float(text: str) -> tuple[float, bool]:
    """``(value, malformed)`` of one text: ``(nan, False)`` for an empty text."""
    try:
        return float(text), False
    except ValueError:
        return math.nan, bool(text.strip())


def _count_lines(skips: SkipLog, reason: str, path: Path, lines: np.ndarray) -> None:
    """Count skipped lines under ``reason``, quoting the first few line numbers."""
    for line in lines[:3]:
        skips.add(SURVEY, "line", reason, f"{path.name}:{line}")
    skips.add(SURVEY, "line", reason, n=len(lines) - min(len(lines), 3))


def weighted_mean_mag(mag: np.ndarray, err: np.ndarray) -> float:
    """Inverse-variance weighted mean magnitude, NaN for no points.

    Arguments:
        mag: magnitudes.
        err: their 1-sigma errors (magnitudes, > 0).
    """
    if mag.size == 0:
        return math.nan
    return float(np.average(mag, weights=1.0 / err**2))


def _template_meta(row: pd.Series) -> dict[str, Any]:
    """Per-band template-fit values of one star as JSON-serialisable dictionaries.

    A value missing from the table (a short line) is left out of its dictionary.
    """
    meta: dict[str, Any] = {}
    for key, column, kind in (
        ("template_amp", "A{}", float), ("template_max_mag_dereddened", "{}mag", float),
        ("template_epoch_max_mjd", "phi{}", float), ("template_id", "T{}", int),
    ):  # fmt: skip
        values = {b: row[column.format(b)] for b in BANDS}
        meta[key] = {b: kind(v) for b, v in values.items() if pd.notna(v) and math.isfinite(v)}
    return meta


def _first_stars(periods: pd.DataFrame, limit: int | None) -> list[str]:
    """Sorted star ids, at most ``limit`` per Sesar type (``ab``, ``c``)."""
    return first_per_label(sorted(periods.index), lambda star: periods.at[star, "sdss_type"], limit)


def _templates(root: Path, *, skips: SkipLog) -> pd.DataFrame:
    """The template table indexed by star id, empty (counted) when unreadable."""
    try:
        table = read_sesar_templates(root / _TEMPLATE_FILE)
    except ReaderError as exc:
        count_unreadable(SURVEY, exc, skips)
        return pd.DataFrame()
    table.index = table["Num"].astype(str)
    return table[~table.index.duplicated(keep="first")]


def _star_curves(
    root: Path, star: str, info: pd.Series, templates: pd.DataFrame, *, skips: SkipLog,
    bands: Sequence[str],
) -> list[LightCurve]:  # fmt: skip
    """The light curves of one star in ``bands`` (an unreadable file is counted, no curve)."""
    path = root / _CURVE_DIR / f"{star}.csv"
    source = f"{_CURVE_DIR}/{path.name}"
    try:
        points = read_sdss_lightcurve(path, skips=skips)
    except ReaderError as exc:
        count_unreadable(SURVEY, exc, skips, "empty file" if exc.reason == "empty file" else "unreadable file")
        return []
    meta: dict[str, Any] = {
        "source_file": source,
        "period_source": "catalog",
        "sdss_type": info["sdss_type"],
        "mean_mag": {b: weighted_mean_mag(p[1], p[2]) for b, p in points.items() if p[0].size},
    }
    if star in templates.index:
        meta.update(_template_meta(templates.loc[star]))
    return band_lightcurves(
        survey=SURVEY,
        star_id=star,
        points=points,
        bands=bands,
        vclass=info["vclass"],
        subtype=info["subtype"],
        period=float(info["period"]),
        meta=meta,
        time_system=MJD,
        where=source,
        skips=skips,
    )


def read_sdss_s82(
    root: str | Path,
    *,
    skips: SkipLog,
    bands: Sequence[str] | None = BANDS,
    limit: int | None = None,
    progress: bool = False,
) -> list[LightCurve]:
    """Read the Stripe 82 RR Lyrae light curves, one :class:`LightCurve` per star and band.

    Arguments:
        root: the ``sdss-s82-rrlyrae`` folder (``light-curves/``, ``periods.csv``,
            ``apj326724t2.txt``).
        skips: the log that receives every skipped line, point, light curve, star and file.
        bands: SDSS bands to return (ugriz); None means all five.
        limit: at most this many stars per Sesar type (``ab``, ``c``), in sorted id order; None
            reads all.
        progress: show a tqdm progress bar.

    Returns:
        Light curves sorted by star id then band. Times are MJD, magnitudes SDSS (not dereddened),
        period in days from ``periods.csv``. ``meta`` holds ``mean_mag`` (inverse-variance
        weighted mean of the cleaned light curve, in all five bands for every band's record),
        ``source_file``, ``period_source="catalog"``, ``sdss_type`` and, from the template
        table, ``template_amp``, ``template_max_mag_dereddened`` (mag), ``template_epoch_max_mjd``
        and ``template_id`` per band.

    Raises:
        ValueError: for a band that is not one of ugriz (a caller error, not bad data).
    """
    root = Path(root)
    bands = BANDS if bands is None else tuple(bands)
    unknown = [b for b in bands if b not in BANDS]
    if unknown:
        raise ValueError(f"SDSS bands {unknown} are not among {BANDS}")
    try:
        periods = read_sdss_periods(root / _PERIOD_FILE, skips=skips)
    except ReaderError as exc:
        count_unreadable(SURVEY, exc, skips)
        return []
    templates = _templates(root, skips=skips)
    files = {p.stem for p in (root / _CURVE_DIR).glob("*.csv")}
    orphans = sorted(files - set(periods.index))
    for star in orphans[:3]:
        skips.add(SURVEY, "file", "no class or period in periods.csv", f"{_CURVE_DIR}/{star}.csv")
    skips.add(SURVEY, "file", "no class or period in periods.csv", n=max(0, len(orphans) - 3))

    out: list[LightCurve] = []
    for star in tqdm(_first_stars(periods[periods["usable"]], limit), desc="SDSS S82", disable=not progress):
        if star not in files:
            skips.add(SURVEY, "star", "no light-curve file", f"{_PERIOD_FILE}: {star}")
            continue
        out += _star_curves(root, star, periods.loc[star], templates, skips=skips, bands=bands)
    return sorted(out, key=lambda lc: (lc.star_id, lc.band))
