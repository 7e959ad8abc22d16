"""Readers for OGLE: per-star photometry, the collection's ident.dat, and the OGLE-III catalog.

OGLE publishes each collection of variable stars (e.g. the classical Cepheids of the LMC,
Soszynski et al. 2008, 2015) as one folder: ``phot/<band>/<ID>.dat`` light curves
(``HJD-2450000  mag  err``), a fixed-width ``ident.dat`` (ID, pulsation mode(s), J2000
coordinates, cross-identifications) and per-mode parameter tables. Periods and Fourier parameters
are taken from the OGLE-III Catalog of Variable Stars (one tab-separated table of 399,679 stars),
which is also the reference distribution of light-curve shapes for later evaluation.

:func:`read_ogle` joins the three on the OGLE star ID (the photometry file stem, the ident.dat
first column and the catalog ``ID`` column are the same string, e.g. ``OGLE-LMC-CEP-0001``) and
returns one :class:`~varsynth.lightcurve.LightCurve` per (star, band). Every star, file, line or
point it leaves out is counted in the :class:`~varsynth.surveys.skips.SkipLog`.
"""

from __future__ import annotations

import bz2
import gzip
import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import astropy.units as u
import numpy as np
import pandas as pd
from astropy.coordinates import Angle
from tqdm import tqdm

from varsynth.bands import band as lookup_band
from varsynth.lightcurve import LightCurve
from varsynth.surveys.skips import ReaderError, SkipLog
from varsynth.surveys.validate import clean_points
from varsynth.taxonomy import UnknownClassError, ogle_class

__all__ = [
    "SURVEY",
    "CATALOG_MISSING",
    "FOURIER_KEYS",
    "read_ogle_photometry",
    "read_ogle_ident",
    "read_ogle3_catalog",
    "read_ogle",
]

#: Survey name used in LightCurve.survey and as the SkipLog key.
SURVEY = "ogle3"

#: The OGLE-III catalog's marker for a missing value.
CATALOG_MISSING = "-99.99"

#: Catalog Fourier parameters of the I-band light curve (first period) copied into meta.
FOURIER_KEYS: tuple[str, ...] = ("A_1", "R21_1", "phi21_1", "R31_1", "phi31_1")

# Secondary periods (days) of multi-mode stars, copied into meta when the catalog gives them.
_EXTRA_PERIODS: tuple[str, ...] = ("P_2", "P_3")

# Catalog columns that are identifiers or labels, read as strings.
_CATALOG_TEXT = ("ID", "Field", "Type", "Subtype", "ID_OGLE_II", "ID_MACHO", "ID_ASAS",
                 "ID_GCVS", "ID_OTHER", "Remarks")

# ident.dat: ID, mode(s), RA (hh:mm:ss.ss) and Dec (+dd:mm:ss.s) are matched by whitespace so
# that collections with longer IDs (OGLE-LMC-RRLYR-00001) parse too; the cross-identifications
# after Dec are blank-padded fixed-width fields (README.txt bytes 54-69, 71-85, 87-101, 103-),
# located relative to the end of the Dec field (byte 51 in the Cepheid collection).
_IDENT_RE = re.compile(
    r"^(?P<star_id>\S+)\s+(?P<mode>\S+)\s+(?P<ra>\d{1,2}:\d{2}:\d{2}(?:\.\d*)?)\s+"
    r"(?P<dec>[+-]\d{1,2}:\d{2}:\d{2}(?:\.\d*)?)(?P<rest>.*)$"
)
_IDENT_XID = {"ogle4_id": (2, 18), "ogle3_id": (19, 34), "ogle2_id": (35, 50), "other_id": (51, None)}

# Fields whose stars are in the Magellanic Clouds (meta["host"]).
_HOSTS = frozenset({"LMC", "SMC"})


def read_ogle_photometry(
    path: str | Path,
    *,
    skips: SkipLog,
    survey: str = SURVEY,
    where: str | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read one OGLE photometry file (``HJD-2450000  mag  err``, whitespace separated).

    Blank lines carry no observation and are ignored. A line without exactly three columns or
    with a non-numeric value is skipped and counted (level ``line``, example ``file:line``).
    The parsed points then go through :func:`~varsynth.surveys.validate.clean_points` (NaN,
    error <= 0 and repeated times are dropped and counted at level ``point``).

    Arguments:
        path: the ``.dat`` file.
        skips: the log that receives the counts.
        survey: survey name used as the skip-log key.
        where: how the file is named in skip-log examples (default: ``path``), e.g. the path
            relative to the survey root.

    Returns:
        ``(time, mag, err)``: times in days (HJD-2450000) sorted ascending, magnitudes and
        1-sigma errors in magnitudes; may be empty when every parsed point was invalid.

    Raises:
        ReaderError: the file cannot be read, is not text, or has no valid observation line.
    """
    path = Path(path)
    label = str(path) if where is None else where
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ReaderError(path, None, f"cannot read file: {err}") from err
    rows: list[tuple[float, float, float]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 3:
            skips.add(survey, "line", "malformed line: expected 3 columns", f"{label}:{lineno}")
            continue
        try:
            rows.append((float(parts[0]), float(parts[1]), float(parts[2])))
        except ValueError:
            skips.add(survey, "line", "malformed line: non-numeric value", f"{label}:{lineno}")
    if not rows:
        raise ReaderError(path, None, "no valid observation line (empty or all lines malformed)")
    data = np.array(rows, dtype=np.float64)
    return clean_points(data[:, 0], data[:, 1], data[:, 2], survey=survey, where=label, skips=skips)


def read_ogle_ident(
    path: str | Path, *, skips: SkipLog | None = None, survey: str = SURVEY
) -> pd.DataFrame:
    """Read an OGLE collection's fixed-width ``ident.dat`` (format in the folder's README.txt).

    Arguments:
        path: the ``ident.dat`` file.
        skips: when given, lines that do not match the format and repeated star IDs (the first
            occurrence is kept) are skipped and counted here (level ``line``); when ``None``
            such a line raises :class:`ReaderError`.
        survey: survey name used as the skip-log key.

    Returns:
        DataFrame indexed by ``star_id`` (e.g. ``OGLE-LMC-CEP-0001``), in file order, with
        columns ``mode`` (as written, e.g. ``F``, ``1O``, ``1O/2O``), ``ra`` and ``dec``
        (J2000, degrees), ``ogle4_id``, ``ogle3_id``, ``ogle2_id``, ``other_id`` (GCVS and
        other designations); cross-identifications are ``""`` when the star has none.

    Raises:
        ReaderError: the file cannot be read, has no valid line, or (without ``skips``) has a
            malformed or repeated line.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ReaderError(path, None, f"cannot read file: {err}") from err
    text = pd.Series(lines, dtype=object)
    text.index = pd.RangeIndex(1, len(lines) + 1, name="line")
    text = text[text.str.strip() != ""]
    parsed = text.str.extract(_IDENT_RE)
    _drop_ident_lines(parsed, parsed["star_id"].isna(), "malformed ident.dat line", path,
                      skips, survey)
    parsed = parsed.dropna(subset=["star_id"])
    repeated = parsed["star_id"].duplicated()
    _drop_ident_lines(parsed, repeated, "repeated star ID in ident.dat", path, skips, survey)
    parsed = parsed[~repeated]
    if parsed.empty:
        raise ReaderError(path, None, "no valid ident.dat line")
    frame = pd.DataFrame(
        {
            "mode": parsed["mode"].to_numpy(dtype=str),
            "ra": Angle(parsed["ra"].to_numpy(dtype=str), unit=u.hourangle).degree,
            "dec": Angle(parsed["dec"].to_numpy(dtype=str), unit=u.deg).degree,
        },
        index=pd.Index(parsed["star_id"].to_numpy(dtype=str), name="star_id"),
    )
    rest = parsed["rest"].fillna("").astype(str).to_numpy()
    for column, (start, stop) in _IDENT_XID.items():
        frame[column] = [r[start:stop].strip() for r in rest]
    return frame


def _drop_ident_lines(
    parsed: pd.DataFrame, bad: pd.Series, reason: str, path: Path, skips: SkipLog | None,
    survey: str,
) -> None:
    """Count the ident.dat lines flagged in ``bad``, or raise on the first one without a log."""
    lines = parsed.index[bad.to_numpy()]
    if len(lines) and skips is None:
        raise ReaderError(path, int(lines[0]), reason)
    for lineno in lines:
        skips.add(survey, "line", reason, f"{path}:{lineno}")


def read_ogle3_catalog(path: str | Path) -> pd.DataFrame:
    """Read the OGLE-III Catalog of Variable Stars (tab-separated, optionally bz2/gzip).

    The file starts with ``#`` comment lines; the last of them (after ``# Columns:``) names the
    columns: ``ID Field StarID Type Subtype RA DECL ID_OGLE_II ... I V P_1 dP_1 T0_1 A_1 R21_1
    phi21_1 R31_1 phi31_1 P_2 ... phi31_3 Remarks``. ``-99.99`` (missing) becomes NaN. Every
    column is kept: this table is also the reference distribution of OGLE-III Fourier
    parameters (periods in days, ``I``/``V`` intensity-mean magnitudes, ``A_1`` I-band
    peak-to-peak amplitude in magnitudes, ``R21``/``R31`` amplitude ratios, ``phi21``/``phi31``
    phase differences in radians).

    Added columns:
        ``vclass``: the star's class on the eight-class scale via
        :func:`varsynth.taxonomy.ogle_class`, ``None`` for types outside the eight classes
        (DPV, RCB): they stay in the table as reference rows, no reader turns them into
        training light curves.
        ``subtype_norm``: the subtype with modes spelled ``F``, ``1O``, ``1O/2O``; ``None``
        where ``vclass`` is ``None``.
        ``ra_deg``, ``dec_deg``: J2000 coordinates in degrees (the catalog's ``RA`` is in
        decimal hours, ``DECL`` in degrees).

    Arguments:
        path: the catalog file, e.g. ``ogle3-catalog/ogle3_catalog.txt.bz2``.

    Returns:
        DataFrame with one row per star in file order (default integer index).

    Raises:
        ReaderError: the file cannot be read or has no column-name line.
    """
    path = Path(path)
    n_comments, names = _catalog_header(path)
    dtypes: dict[str, Any] = {name: str for name in _CATALOG_TEXT if name in names}
    if "StarID" in names:
        dtypes["StarID"] = "Int64"
    try:
        frame = pd.read_csv(
            path, sep="\t", skiprows=n_comments, header=None, names=names, dtype=dtypes,
            na_values=[CATALOG_MISSING], keep_default_na=False, low_memory=False,
        )
    except (OSError, ValueError, EOFError) as err:
        raise ReaderError(path, None, f"cannot parse catalog: {err}") from err
    for column in dtypes:
        if column != "StarID":
            # Empty or blank-padded text fields (ID_OTHER is written as spaces) are missing.
            frame[column] = frame[column].str.strip().replace("", np.nan)
    frame["vclass"], frame["subtype_norm"] = _catalog_classes(frame)
    frame["ra_deg"] = frame["RA"] * 15.0
    frame["dec_deg"] = frame["DECL"]
    return frame


def _catalog_header(path: Path) -> tuple[int, list[str]]:
    """Number of leading ``#`` lines and the column names written on the last of them."""
    opener = {".bz2": bz2.open, ".gz": gzip.open}.get(path.suffix, open)
    try:
        with opener(path, "rt", encoding="utf-8") as stream:
            comments = list(itertools.takewhile(lambda line: line.startswith("#"), stream))
    except (OSError, UnicodeDecodeError, EOFError) as err:
        raise ReaderError(path, None, f"cannot read catalog: {err}") from err
    names = comments[-1].lstrip("#").strip().split("\t") if comments else []
    if not names or names[0] != "ID":
        raise ReaderError(path, len(comments) or None, "no '# ID ...' column-name comment line")
    return len(comments), names


def _catalog_classes(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """``(vclass, subtype_norm)`` columns; each distinct (Type, Subtype) is mapped once."""
    keys = frame[["Type", "Subtype"]].fillna("").astype(str)
    labels = keys.drop_duplicates()
    mapped = [_class_or_none(vtype, subtype) for vtype, subtype in labels.itertuples(index=False)]
    labels = labels.assign(
        vclass=pd.Series([m[0] for m in mapped], index=labels.index, dtype=object),
        subtype_norm=pd.Series([m[1] for m in mapped], index=labels.index, dtype=object),
    )
    # A left merge keeps the row order of ``keys``.
    merged = keys.merge(labels, on=["Type", "Subtype"], how="left")
    return (pd.Series(merged["vclass"].to_numpy(), index=frame.index, dtype=object),
            pd.Series(merged["subtype_norm"].to_numpy(), index=frame.index, dtype=object))


def _class_or_none(vtype: str, subtype: str) -> tuple[str | None, str | None]:
    """:func:`~varsynth.taxonomy.ogle_class`, or ``(None, None)`` outside the eight classes."""
    try:
        return ogle_class(vtype, subtype)
    except UnknownClassError:
        return None, None


def read_ogle(
    root: str | Path,
    *,
    catalog: pd.DataFrame | str | Path,
    skips: SkipLog,
    bands: Sequence[str] | None = ("I", "V"),
    limit: int | None = None,
    progress: bool = False,
    survey: str = SURVEY,
) -> list[LightCurve]:
    """Read an OGLE collection folder (``phot/<band>/<ID>.dat`` + ``ident.dat``).

    Works for any OGLE collection of this layout (Cepheids, RR Lyrae, type II Cepheids, ...).
    Each star needs a row in ``ident.dat`` (coordinates, mode) and in the OGLE-III catalog
    (class, period); stars are skipped and counted (level ``star``) when they are absent from
    ident.dat, absent from the catalog, of a catalog type outside the eight classes, or without
    a catalog period ``P_1``.

    Labels: the class is the catalog ``Type``; the subtype is the collection's own ident.dat
    mode(s) (OGLE-IV revision, newer than the OGLE-III catalog), normalised by
    :func:`~varsynth.taxonomy.ogle_class`, falling back to the catalog ``Subtype``.

    Arguments:
        root: the collection folder, e.g. ``ogle3-lmc-cep``.
        catalog: the OGLE-III catalog, as returned by :func:`read_ogle3_catalog` or its path.
        skips: the log that receives every skipped line, point, file, light curve and star.
        bands: bands to read (``I``, ``V``); ``None`` means both.
        limit: at most this many stars per class, taken in sorted star-ID order.
        progress: show a tqdm progress bar.
        survey: survey name for LightCurve.survey and the skip log.

    Returns:
        LightCurves sorted by star ID then band. Times are HJD-2450000 (days), ``period`` is
        the catalog ``P_1`` (days). ``meta``: ``ra``/``dec`` (degrees, ident.dat), ``host``
        (``LMC``/``SMC`` for Magellanic fields), ``mean_mag`` (catalog intensity means
        ``I``/``V`` in magnitudes, finite ones only), ``source_file`` (relative to ``root``),
        ``period_source`` = ``"catalog"``, ``ogle_id``, ``catalog_subtype``, the finite
        catalog Fourier parameters :data:`FOURIER_KEYS` and ``P_2``/``P_3`` (days) of
        multi-mode stars, and the non-empty ident.dat cross-identifications.

    Raises:
        KeyError: a band that OGLE does not have (see :mod:`varsynth.bands`).
        ReaderError: the catalog, given as a path, cannot be read.
    """
    root = Path(root)
    bands = tuple(bands) if bands is not None else ("I", "V")
    for name in bands:
        lookup_band(survey, name)
    table = _catalog_by_id(catalog)
    ident = _ident_or_empty(root / "ident.dat", skips, survey)
    files = _photometry_files(root, bands, skips, survey)
    taken: Counter[str] = Counter()
    out: list[LightCurve] = []
    for star in tqdm(sorted(files), desc=f"{survey} {root.name}", disable=not progress):
        labels = _star_labels(star, table, ident, skips, survey)
        if labels is None or (limit is not None and taken[labels["vclass"]] >= limit):
            continue
        curves = _star_curves(star, files[star], root, labels, skips, survey)
        taken[labels["vclass"]] += bool(curves)
        out.extend(curves)
    return out


def _catalog_by_id(catalog: pd.DataFrame | str | Path) -> pd.DataFrame:
    """The catalog indexed by its ``ID`` column (read from disk when given a path)."""
    frame = catalog if isinstance(catalog, pd.DataFrame) else read_ogle3_catalog(catalog)
    if frame.index.name != "ID":
        frame = frame.set_index("ID", drop=False)
    if frame.index.has_duplicates:
        frame = frame[~frame.index.duplicated()]
    return frame


def _ident_or_empty(path: Path, skips: SkipLog, survey: str) -> pd.DataFrame:
    """ident.dat as a DataFrame; an unreadable ident.dat is counted and read as empty."""
    try:
        return read_ogle_ident(path, skips=skips, survey=survey)
    except ReaderError as err:
        skips.add(survey, "file", "unreadable file", str(err))
        return pd.DataFrame(columns=["mode", "ra", "dec", *_IDENT_XID],
                            index=pd.Index([], name="star_id"))


def _photometry_files(
    root: Path, bands: Sequence[str], skips: SkipLog, survey: str
) -> dict[str, dict[str, Path]]:
    """``{star_id: {band: path}}`` of every ``phot/<band>/*.dat`` file."""
    files: dict[str, dict[str, Path]] = {}
    for name in bands:
        folder = root / "phot" / name
        if not folder.is_dir():
            skips.add(survey, "file", f"band folder phot/{name} absent", str(folder))
            continue
        for path in folder.glob("*.dat"):
            files.setdefault(path.stem, {})[name] = path
    return files


def _star_labels(
    star: str, table: pd.DataFrame, ident: pd.DataFrame, skips: SkipLog, survey: str
) -> dict[str, Any] | None:
    """Class, subtype, period and star-level meta, or ``None`` (counted) when unusable."""
    if star not in ident.index:
        skips.add(survey, "star", "not in ident.dat", star)
        return None
    if star not in table.index:
        skips.add(survey, "star", "not in catalog (no period)", star)
        return None
    row = table.loc[star]
    try:
        vclass, catalog_subtype = ogle_class(_text(row["Type"]), _text(row["Subtype"]))
        ident_row = ident.loc[star]
        _, subtype = ogle_class(_text(row["Type"]), _text(ident_row["mode"]))
    except UnknownClassError:
        skips.add(survey, "star", "catalog type outside the eight classes", star)
        return None
    period = float(row["P_1"])
    if not math.isfinite(period) or period <= 0:
        skips.add(survey, "star", "missing period", star)
        return None
    return {
        "vclass": vclass,
        "subtype": subtype or catalog_subtype,
        "period": period,
        "meta": _star_meta(star, row, ident_row, catalog_subtype),
    }


def _star_meta(
    star: str, row: pd.Series, ident_row: pd.Series, catalog_subtype: str
) -> dict[str, Any]:
    """JSON-serialisable star metadata from the catalog and ident.dat rows (NaN omitted)."""
    meta: dict[str, Any] = {
        "ra": float(ident_row["ra"]),
        "dec": float(ident_row["dec"]),
        "period_source": "catalog",
        "ogle_id": star,
        "catalog_subtype": catalog_subtype,
        "mean_mag": _finite({name: row[name] for name in ("I", "V")}),
    }
    field = star.split("-")[1] if star.count("-") >= 2 else ""
    if field in _HOSTS:
        meta["host"] = field
    meta.update(_finite({key: row[key] for key in (*FOURIER_KEYS, *_EXTRA_PERIODS)}))
    meta.update({key: str(ident_row[key]) for key in _IDENT_XID if str(ident_row[key])})
    return meta


def _star_curves(
    star: str, paths: dict[str, Path], root: Path, labels: dict[str, Any], skips: SkipLog,
    survey: str,
) -> list[LightCurve]:
    """One LightCurve per readable band file of a star, bands in sorted order."""
    curves = []
    for name in sorted(paths):
        rel = paths[name].relative_to(root).as_posix()
        try:
            time, mag, err = read_ogle_photometry(paths[name], skips=skips, survey=survey,
                                                  where=rel)
        except ReaderError as error:
            skips.add(survey, "file", "unreadable file", str(error))
            continue
        if time.size == 0:
            skips.add(survey, "lightcurve", "no valid point", rel)
            continue
        meta = dict(labels["meta"], source_file=rel, mean_mag=dict(labels["meta"]["mean_mag"]))
        curves.append(LightCurve(
            star_id=star, survey=survey, band=name, time=time, mag=mag, mag_err=err,
            vclass=labels["vclass"], subtype=labels["subtype"], period=labels["period"],
            meta=meta,
        ))
    return curves


def _text(value: Any) -> str:
    """A catalog text cell as ``str`` (missing -> ``""``)."""
    return "" if pd.isna(value) else str(value)


def _finite(values: dict[str, Any]) -> dict[str, float]:
    """The entries with a finite numeric value, as Python floats."""
    out = {}
    for key, value in values.items():
        number = float(value)
        if math.isfinite(number):
            out[key] = number
    return out
