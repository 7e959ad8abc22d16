"""Readers for OGLE: per-star photometry, ident.dat, parameter tables and the OGLE-III catalog.

OGLE publishes each collection of variable stars (e.g. the classical Cepheids of the LMC,
Soszynski et al. 2008, 2015) as one folder: ``phot/<band>/<ID>.dat`` light curves
(``HJD-2450000  mag  err``), a fixed-width ``ident.dat`` (ID, type or pulsation mode(s), J2000
coordinates, cross-identifications), per-type parameter tables (``cepF.dat``, ``RRab.dat``,
``ecl.dat``, ...: mean magnitudes, period, its uncertainty, epoch, amplitude, Fourier
parameters) and a ``README`` giving the byte layout of every table.

Two ``ident.dat`` layouts exist and both are read (detected line by line):

* OGLE-III Catalog of Variable Stars (OIII-CVS, 2008-2013): ``ID field starID type RA Dec
  cross-IDs``, the OGLE-III field such as ``LMC100.1`` or ``BLG101.2`` in the second column and
  the database number in the third; long-period variables add a spectral type (``O``/``C``)
  after the type.
* OGLE Collection of Variable Stars (OCVS, OGLE-IV era, e.g. ``../shared/data/ogle3-lmc-cep``):
  ``ID mode RA Dec OGLE-IV-ID OGLE-III-ID OGLE-II-ID other``.

Periods come from the OGLE-III Catalog of Variable Stars (one tab-separated table of 399,679
stars, also the reference distribution of light-curve shapes) and, for stars it does not list
(it has no eclipsing binaries at all), from the collection's own parameter tables.

:func:`read_ogle` joins them on the OGLE star ID (the photometry file stem, the first column of
ident.dat and of the tables, and the catalog ``ID`` column are the same string, e.g.
``OGLE-LMC-CEP-0001``) and returns one :class:`~varsynth.lightcurve.LightCurve` per (star,
band). Every star, file, line or point it leaves out is counted in the
:class:`~varsynth.surveys.skips.SkipLog`.
"""

from __future__ import annotations

import bz2
import gzip
import itertools
import math
import re
import zlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import astropy.units as u
import numpy as np
import pandas as pd
from tqdm import tqdm

from varsynth.bands import band as lookup_band
from varsynth.lightcurve import LightCurve
from varsynth.surveys.skips import ReaderError, SkipLog
from varsynth.surveys.validate import clean_points, float_values
from varsynth.taxonomy import UnknownClassError, ogle_class

__all__ = [
    "SURVEY",
    "CATALOG_MISSING",
    "FOURIER_KEYS",
    "TableColumn",
    "read_ogle_photometry",
    "read_ogle_ident",
    "read_ogle_readme_formats",
    "read_ogle_param_table",
    "read_ogle_param_tables",
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

# Catalog columns every row needs (the class and the position).
_CATALOG_REQUIRED = ("Type", "Subtype", "RA", "DECL")

# Catalog columns that are identifiers or labels, read as strings.
_CATALOG_TEXT = ("ID", "Field", "Type", "Subtype", "ID_OGLE_II", "ID_MACHO", "ID_ASAS",
                 "ID_GCVS", "ID_OTHER", "Remarks")

# J2000 coordinates in ident.dat: hh:mm:ss.ss and +dd:mm:ss.s. Some OGLE tables separate the
# fields by blanks or write a leading zero as a blank, so blanks are accepted as separators.
_RA = r"\d{1,2}[:\s]\s*\d{1,2}[:\s]\s*\d{1,2}(?:\.\d*)?"
_DEC = r"[+-]\s?\d{1,2}[:\s]\s*\d{1,2}[:\s]\s*\d{1,2}(?:\.\d*)?"
_SEXAGESIMAL_RE = re.compile(
    r"^(?P<sign>[+-]?)\s*(?P<whole>\d+)[:\s]\s*(?P<minutes>\d+)[:\s]\s*(?P<seconds>\d+(?:\.\d*)?)$"
)

# OCVS ident.dat: ID, mode(s), RA, Dec matched by whitespace so that collections with longer IDs
# (OGLE-LMC-RRLYR-00001) parse too; the cross-identifications after Dec are blank-padded
# fixed-width fields (README.txt bytes 54-69, 71-85, 87-101, 103-), located relative to the end
# of the Dec field (byte 51 in the Cepheid collection).
_IDENT_RE = re.compile(
    rf"^(?P<star_id>\S+)\s+(?P<mode>\S+)\s+(?P<ra>{_RA})\s+(?P<dec>{_DEC})(?P<rest>.*)$"
)
_IDENT_XID = {"ogle4_id": (2, 18), "ogle3_id": (19, 34), "ogle2_id": (35, 50), "other_id": (51, None)}

# OIII-CVS ident.dat (README bytes, e.g. LMC RR Lyrae: ID 1-20, field 23-30, database number
# 32-37, subtype 39-42, RA 45-55, Dec 57-67, OGLE-II ID 69-83, MACHO ID 85-): the labels between
# the database number and RA are the type or mode(s), for LPVs followed by the spectral type.
# A label holds a letter (F, 1O/2O, RRab, EC, Mira, SINGLEMODE) or is "-" (none given).
_FIELD = r"[A-Z]{2,5}\d{1,4}\.\d{1,2}"
_IDENT3_RE = re.compile(
    rf"^(?P<star_id>\S+)\s+(?P<field>{_FIELD})\s+(?P<number>\d+)\s+"
    r"(?P<labels>(?:(?:\S*[A-Za-z]\S*|-)\s+)*?)"
    rf"(?P<ra>{_RA})\s+(?P<dec>{_DEC})(?P<rest>.*)$"
)

#: Columns of the frame :func:`read_ogle_ident` returns.
_IDENT_COLUMNS = ("mode", "ra", "dec", "field", "extra_labels", *_IDENT_XID)

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
    """Read an OGLE collection's fixed-width ``ident.dat`` in either layout.

    A line whose second column is an OGLE-III field name (``LMC100.1``, ``SMC140.8``,
    ``BLG101.2``) is read in the OIII-CVS layout (``ID field starID type RA Dec cross-IDs``),
    any other line in the OCVS layout (``ID mode RA Dec OGLE-IV-ID OGLE-III-ID OGLE-II-ID
    other``); the formats are in each collection's README.

    Arguments:
        path: the ``ident.dat`` file.
        skips: when given, lines that do not match either layout and repeated star IDs (the
            first occurrence is kept) are skipped and counted here (level ``line``); when
            ``None`` such a line raises :class:`ReaderError`.
        survey: survey name used as the skip-log key.

    Returns:
        DataFrame indexed by ``star_id`` (e.g. ``OGLE-LMC-CEP-0001``), in file order, with
        columns ``mode`` (the type or pulsation mode(s) as written, e.g. ``F``, ``1O/2O``,
        ``RRab``, ``EC``, ``Mira``; ``-`` when none), ``ra`` and ``dec`` (J2000, degrees),
        ``field`` (OIII-CVS: OGLE-III field, else ``""``), ``extra_labels`` (OIII-CVS labels
        after the type, e.g. the LPV spectral type ``O``/``C``), ``ogle4_id``, ``ogle3_id``
        (OIII-CVS: ``<field>.<starID>``), ``ogle2_id`` and ``other_id`` (other designations;
        for OIII-CVS lines every cross-identification after Dec, blank-separated, as the
        columns differ between collections). Absent identifiers are ``""``.

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
    second = text.str.split(n=2).str[1].fillna("")
    oiii = second.str.fullmatch(_FIELD)
    parsed = pd.concat([_ident_oiii(text[oiii]), _ident_ocvs(text[~oiii])]).sort_index()
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
            "ra": _sexagesimal(parsed["ra"], u.hourangle),
            "dec": _sexagesimal(parsed["dec"], u.deg),
        },
        index=pd.Index(parsed["star_id"].to_numpy(dtype=str), name="star_id"),
    )
    for column in _IDENT_COLUMNS[3:]:
        frame[column] = parsed[column].fillna("").astype(str).to_numpy()
    return frame


def _ident_ocvs(text: pd.Series) -> pd.DataFrame:
    """OCVS-layout lines: ID, mode, RA, Dec, then fixed-width cross-identifications."""
    parsed = text.str.extract(_IDENT_RE)
    rest = parsed["rest"].fillna("").astype(str)
    for column, (start, stop) in _IDENT_XID.items():
        parsed[column] = rest.str.slice(start, stop).str.strip()
    return parsed.assign(field="", extra_labels="").drop(columns="rest")


def _ident_oiii(text: pd.Series) -> pd.DataFrame:
    """OIII-CVS-layout lines: ID, field, database number, label(s), RA, Dec, cross-IDs."""
    parsed = text.str.extract(_IDENT3_RE)
    labels = parsed["labels"].fillna("").str.split()
    parsed["mode"] = labels.str[0].fillna("-")
    parsed["extra_labels"] = labels.str[1:].str.join(" ")
    parsed["ogle3_id"] = parsed["field"] + "." + parsed["number"]
    parsed["other_id"] = parsed["rest"].fillna("").str.split().str.join(" ")
    return parsed.assign(ogle4_id="", ogle2_id="").drop(columns=["labels", "number", "rest"])


def _sexagesimal(values: pd.Series, unit: u.UnitBase) -> np.ndarray:
    """Degrees of ``hh:mm:ss.ss`` (``unit`` hourangle) or ``+dd:mm:ss.s`` (``unit`` deg).

    Blanks are accepted as separators. The components are split in one vectorised pass:
    astropy's sexagesimal string parser takes ~50 us a value, minutes for the largest
    collections (230,000 bulge LPVs); astropy still does the unit conversion.
    """
    parts = values.astype(str).str.extract(_SEXAGESIMAL_RE)
    sign = np.where(parts["sign"] == "-", -1.0, 1.0)
    magnitude = (parts["whole"].astype(float) + parts["minutes"].astype(float) / 60.0
                 + parts["seconds"].astype(float) / 3600.0).to_numpy()
    return (sign * magnitude * unit).to(u.deg).value


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


@dataclass(frozen=True)
class TableColumn:
    """One column of an OGLE parameter table.

    Attributes:
        name: catalog-style name the reader gives the values (``ID``, ``I``, ``V``, ``P_1``,
            ``dP_1``, ``T0_1``, ``A_1``, ``R21_1``, ``phi21_1``, ``R31_1``, ``phi31_1``,
            ``P_2``, ..., ``depth_1``, ``depth_2``), ``""`` for a column the reader ignores.
        start: first byte, 0-based (README byte ``start + 1``); ``None`` when only the column
            order is known (values are then taken as blank-separated tokens).
        stop: end byte, exclusive; ``None`` up to the end of the line.
        description: the README description (empty for built-in layouts).
    """

    name: str
    start: int | None = None
    stop: int | None = None
    description: str = ""


def _token_layout(*names: str) -> tuple[TableColumn, ...]:
    """A layout known by column order only (values are blank-separated tokens)."""
    return tuple(TableColumn(name) for name in names)


# Built-in column orders, used when the README does not describe a table. Pulsators: the
# Cepheid tables of ../shared/data/ogle3-lmc-cep/README.txt (ID, I, V, P, dP, T0, A_I, R21,
# phi21, R31, phi31, then the same block from P for each further mode). Eclipsing and
# ellipsoidal binaries: ID, I, V, P, epoch of the primary minimum, primary and secondary eclipse
# depth (the OCVS ecl.dat/ell.dat order).
_MODE_BLOCK = ("P", "dP", "T0", "A", "R21", "phi21", "R31", "phi31")
_PULSATOR_LAYOUT = _token_layout(
    "ID", "I", "V", *(f"{key}_{k}" for k in (1, 2, 3) for key in _MODE_BLOCK)
)
_BINARY_LAYOUT = _token_layout("ID", "I", "V", "P_1", "T0_1", "depth_1", "depth_2")
_BINARY_TABLES = frozenset({"ecl.dat", "ell.dat"})

# Tables that are not parameter tables, and the README file names OGLE uses.
_IDENT_NAME = "ident.dat"
_README_NAMES = ("README", "README.txt")

# README sections: "Format of the file(s) a.dat, b.dat:", a dashed rule, the "Bytes Format Units
# Description" header, a rule, one row per column (``  1- 17  A17  ---  Star's ID``, a single
# byte ``     41  A1 ...``, an open end ``103-  A ...``), a closing rule. Descriptions may
# continue on the next line.
_README_FORMAT = re.compile(r"^\s*Format of\b", re.IGNORECASE)
_README_RULE = re.compile(r"^\s*-{10,}\s*$")
_README_ROW = re.compile(
    r"^\s*(?P<start>\d+)\s*(?P<dash>-)?\s*(?P<stop>\d+)?\s+(?P<fmt>[AIFE]\d*(?:\.\d+)?)\s+"
    r"(?P<unit>\S+)\s+(?P<desc>\S.*?)\s*$"
)
_TABLE_NAME = re.compile(r"[A-Za-z0-9_+-]+\.dat\b")
_MAX_HEADER_LINES = 4

# Values at or below this are OGLE's missing-value markers (-99.99, -99.999).
_MISSING_BELOW = -99.0


def read_ogle_readme_formats(path: str | Path) -> dict[str, tuple[TableColumn, ...]]:
    """The byte layout of every table a collection's README describes.

    Column names are given from the README descriptions: the first column is ``ID``; "I-band
    magnitude" / "V-band magnitude" become ``I`` / ``V``; each "period" (not "uncertainty of",
    not "ratio") starts mode ``n`` and becomes ``P_n``; the uncertainty of a period, "time of
    maximum"/"epoch", "amplitude", "R_21", "phi_21", "R_31", "phi_31" of the current mode become
    ``dP_n``, ``T0_n``, ``A_n``, ``R21_n``, ``phi21_n``, ``R31_n``, ``phi31_n``; "depth" of the
    primary / secondary eclipse becomes ``depth_1`` / ``depth_2``; anything else is ignored
    (name ``""``).

    Arguments:
        path: the README (``README`` in the archive, ``README.txt`` in ../shared/data).

    Returns:
        ``{table file name: columns}`` for every ``*.dat`` named in a "Format of ..." heading.

    Raises:
        ReaderError: the README cannot be read.
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="latin-1").splitlines()
    except OSError as err:
        raise ReaderError(path, None, f"cannot read README: {err}") from err
    formats: dict[str, tuple[TableColumn, ...]] = {}
    i = 0
    while i < len(lines):
        if not _README_FORMAT.match(lines[i]):
            i += 1
            continue
        header = [lines[i]]
        i += 1
        while i < len(lines) and not _README_RULE.match(lines[i]) and len(header) < _MAX_HEADER_LINES:
            header.append(lines[i])
            i += 1
        rows, i = _readme_rows(lines, i)
        columns = _named_columns(rows)
        for name in _TABLE_NAME.findall(" ".join(header)):
            formats.setdefault(name, columns)
    return formats


def _readme_rows(lines: list[str], i: int) -> tuple[list[tuple[int, int | None, str]], int]:
    """``(start, stop, description)`` rows of the byte table starting at line ``i``.

    Returns the rows and the index of the first line after the table.
    """
    rows: list[tuple[int, int | None, str]] = []
    rules = 0
    while i < len(lines) and rules < 3:
        line = lines[i]
        if _README_RULE.match(line):
            rules += 1
        elif _README_FORMAT.match(line):
            break
        elif rules == 2:
            match = _README_ROW.match(line)
            if match:
                start = int(match["start"])
                stop = int(match["stop"]) if match["stop"] else (None if match["dash"] else start)
                rows.append((start - 1, stop, match["desc"]))
            elif rows and line.strip():
                start, stop, desc = rows[-1]
                rows[-1] = (start, stop, f"{desc} {line.strip()}")
        i += 1
    return rows, i


def _named_columns(rows: list[tuple[int, int | None, str]]) -> tuple[TableColumn, ...]:
    """README rows as :class:`TableColumn` with catalog-style names."""
    columns = []
    mode = 0
    for index, (start, stop, desc) in enumerate(rows):
        if index == 0:
            name = "ID"
        else:
            name, mode = _column_name(desc.lower(), mode)
        columns.append(TableColumn(name, start, stop, desc))
    # A name given twice (an undocumented repetition) keeps its first column only.
    seen: set[str] = set()
    for k, column in enumerate(columns):
        if column.name in seen:
            columns[k] = replace(column, name="")
        seen.add(column.name)
    return tuple(columns)


def _column_name(desc: str, mode: int) -> tuple[str, int]:
    """Name of a README column from its lower-case description; ``mode`` counts periods.

    Amplitudes, depths, Fourier parameters and epochs are recognised before periods because
    their descriptions may name the period they belong to ("amplitude of the primary period").
    """
    suffix = max(mode, 1)
    if "period" in desc and ("uncertainty" in desc or "error" in desc):
        return f"dP_{suffix}", mode
    if "amplitude" in desc:
        return f"A_{suffix}", mode
    if "depth" in desc:
        return ("depth_2" if "secondary" in desc else "depth_1"), mode
    for key, label in (("phi_21", "phi21"), ("phi_31", "phi31"), ("r_21", "R21"),
                       ("r_31", "R31")):
        if key in desc or key.replace("_", "") in desc:
            return f"{label}_{suffix}", mode
    if "time of m" in desc or "epoch" in desc:
        return f"T0_{suffix}", mode
    if "period" in desc and "ratio" not in desc:
        return f"P_{mode + 1}", mode + 1
    if "magnitude" in desc:
        for band_name in ("I", "V"):
            if f"{band_name.lower()}-band" in desc or f"{band_name.lower()} band" in desc:
                return band_name, mode
    return "", mode


def read_ogle_param_table(
    path: str | Path,
    *,
    columns: Sequence[TableColumn] | None = None,
    skips: SkipLog | None = None,
    survey: str = SURVEY,
) -> pd.DataFrame:
    """Read one OGLE parameter table (``cepF.dat``, ``RRab.dat``, ``ecl.dat``, ...).

    A line whose number of blank-separated values equals the number of columns is read value
    by value in column order; any other line (a value left blank) is cut at the README byte
    positions. Without ``columns`` the built-in order is used (``ecl.dat``/``ell.dat``: ID, I,
    V, P, epoch, two eclipse depths; any other table: the Cepheid order ID, I, V, P, dP, T0, A,
    R21, phi21, R31, phi31, then P, dP, ... of further modes) and values are always taken in
    order. ``-``, blanks and OGLE's ``-99.99`` markers are missing (NaN).

    Arguments:
        path: the table file.
        columns: its layout, e.g. from :func:`read_ogle_readme_formats`.
        skips: when given, a line without an ID, without any value or with a non-numeric
            value is skipped and counted here (level ``line``), as is a repeated star ID (the
            first row is kept); when ``None`` such a line raises :class:`ReaderError`.
        survey: survey name used as the skip-log key.

    Returns:
        DataFrame indexed by ``ID`` with one float column per named column (``I``, ``V``
        intensity-mean magnitudes; ``P_n``, ``dP_n`` periods and uncertainties in days;
        ``T0_n`` epochs in HJD-2450000; ``A_n`` I-band amplitudes and ``depth_n`` eclipse depths
        in magnitudes; Fourier parameters) and ``table`` (the file name).

    Raises:
        ReaderError: the file cannot be read, has no valid line, or (without ``skips``) has a
            malformed or repeated line.
    """
    path = Path(path)
    layout = tuple(columns) if columns else (
        _BINARY_LAYOUT if path.name.lower() in _BINARY_TABLES else _PULSATOR_LAYOUT)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ReaderError(path, None, f"cannot read file: {err}") from err
    rows: dict[str, dict[str, float]] = {}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parsed = _table_row(line, layout)
        reason = "malformed parameter-table line" if parsed is None else (
            "repeated star ID in parameter table" if parsed[0] in rows else "")
        if reason:
            if skips is None:
                raise ReaderError(path, lineno, reason)
            skips.add(survey, "line", reason, f"{path}:{lineno}")
            continue
        rows[parsed[0]] = parsed[1]
    if not rows:
        raise ReaderError(path, None, "no valid parameter-table line")
    names = [c.name for c in layout if c.name and c.name != "ID"]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=names, dtype=np.float64)
    frame.index.name = "ID"
    return frame.assign(table=path.name)


def _table_row(line: str, layout: tuple[TableColumn, ...]) -> tuple[str, dict[str, float]] | None:
    """``(star ID, {name: value})`` of one table line, or ``None`` when it is malformed."""
    tokens = line.split()
    by_order = len(tokens) == len(layout) or any(c.start is None for c in layout)
    cells = {}
    for position, column in enumerate(layout):
        if not column.name:
            continue
        if by_order:
            cells[column.name] = tokens[position] if position < len(tokens) else ""
        else:
            cells[column.name] = line[column.start:column.stop].strip()
    star = cells.pop("ID", "")
    if not star or star != tokens[0]:
        return None
    values = {}
    for name, text in cells.items():
        try:
            value = float(text) if text not in ("", "-") else math.nan
        except ValueError:
            return None
        values[name] = math.nan if value <= _MISSING_BELOW else value
    # A line with an ID and no value at all is not a table row (e.g. stray text).
    if all(math.isnan(v) for v in values.values()):
        return None
    return star, values


def read_ogle_param_tables(
    root: str | Path, *, skips: SkipLog, survey: str = SURVEY
) -> pd.DataFrame:
    """Every parameter table of a collection folder (``*.dat`` beside ``ident.dat``), joined.

    Layouts come from the folder's ``README`` (or ``README.txt``) when it describes the
    table, else from the built-in orders of :func:`read_ogle_param_table`. An unreadable README
    or table is counted (level ``file``, reason ``unreadable file``); a star listed in two
    tables keeps the row of the first table in sorted file-name order (the other is counted,
    level ``line``).

    Arguments:
        root: the collection folder.
        skips: the log that receives the counts.
        survey: survey name used as the skip-log key.

    Returns:
        The rows of all tables as in :func:`read_ogle_param_table` (column ``table`` says which
        file each comes from); an empty frame indexed by ``ID`` when there is no table.
    """
    root = Path(root)
    formats: dict[str, tuple[TableColumn, ...]] = {}
    readme = next((root / n for n in _README_NAMES if (root / n).is_file()), None)
    if readme is not None:
        try:
            formats = read_ogle_readme_formats(readme)
        except ReaderError as err:
            skips.add(survey, "file", "unreadable file", str(err))
    frames = []
    for path in sorted(root.glob("*.dat")):
        if path.name == _IDENT_NAME:
            continue
        try:
            frames.append(read_ogle_param_table(path, columns=formats.get(path.name),
                                                skips=skips, survey=survey))
        except ReaderError as err:
            skips.add(survey, "file", "unreadable file", str(err))
    if not frames:
        return pd.DataFrame({"P_1": [], "table": []}, index=pd.Index([], name="ID"))
    joined = pd.concat(frames)
    repeated = joined.index.duplicated()
    for star, table in joined.loc[repeated, "table"].items():
        skips.add(survey, "line", "star listed in two parameter tables", f"{table}: {star}")
    return joined[~repeated]


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
        ReaderError: the file cannot be read, has no column-name line, lacks a ``Type``,
            ``Subtype``, ``RA`` or ``DECL`` column, or has a value that is not a number in
            ``RA``, ``DECL`` or ``StarID``.
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
    except (OSError, ValueError, TypeError, OverflowError, EOFError, zlib.error) as err:
        # a damaged .gz; TypeError: StarID 1.5; OverflowError: StarID inf
        raise ReaderError(path, None, f"cannot parse catalog: {err}") from err
    missing = [name for name in _CATALOG_REQUIRED if name not in frame.columns]
    if missing:
        raise ReaderError(path, n_comments or None, f"no column {', '.join(missing)} in the column-name line")
    for column in ("RA", "DECL"):
        frame[column] = _catalog_numbers(frame[column], column, path)
    for column in dtypes:
        if column != "StarID":
            # Empty or blank-padded text fields (ID_OTHER is written as spaces) are missing.
            frame[column] = frame[column].str.strip().replace("", np.nan)
    frame["vclass"], frame["subtype_norm"] = _catalog_classes(frame)
    frame["ra_deg"] = frame["RA"] * 15.0
    frame["dec_deg"] = frame["DECL"]
    return frame


def _catalog_numbers(values: pd.Series, column: str, path: Path) -> pd.Series:
    """``values`` as float64; a value that is not a number raises :class:`ReaderError` naming its row."""
    numbers = float_values(values)
    bad = np.flatnonzero(numbers.isna().to_numpy() & values.notna().to_numpy())
    if bad.size:
        raise ReaderError(path, None, f"{column} of data row {int(bad[0]) + 1} is not a number: "
                                      f"{str(values.iloc[bad[0]])[:40]!r}")
    return numbers


def _catalog_header(path: Path) -> tuple[int, list[str]]:
    """Number of leading ``#`` lines and the column names written on the last of them."""
    opener = {".bz2": bz2.open, ".gz": gzip.open}.get(path.suffix, open)
    try:
        with opener(path, "rt", encoding="utf-8") as stream:
            comments = list(itertools.takewhile(lambda line: line.startswith("#"), stream))
    except (OSError, UnicodeDecodeError, EOFError, zlib.error) as err:
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
    catalog: pd.DataFrame | str | Path | None = None,
    skips: SkipLog,
    bands: Sequence[str] | None = ("I", "V"),
    limit: int | None = None,
    progress: bool = False,
    survey: str = SURVEY,
) -> list[LightCurve]:
    """Read an OGLE collection folder (``phot/<band>/<ID>.dat``, ``ident.dat``, tables).

    Works for any OGLE collection of this layout, from the OIII-CVS or the OCVS (Cepheids, RR
    Lyrae, type II Cepheids, LPVs, eclipsing binaries, ...). Each star needs a row in
    ``ident.dat`` (coordinates, type or mode) and a period: from the OGLE-III catalog when it
    lists the star, else from the collection's parameter tables (:func:`read_ogle_param_tables`).
    Stars are skipped and counted (level ``star``) when they are absent from ident.dat, absent
    from both period sources, of a type outside the eight classes (DPV, RCB, cataclysmic
    variables), or without a finite positive period.

    Labels: for a catalog star the class is the catalog ``Type``; otherwise it is the type in
    the star ID (``OGLE-LMC-ECL-00001`` -> ECL; an ident.dat type ``ELL`` gives ELL). The
    subtype is the collection's own ident.dat type or mode(s) (for an OCVS collection a
    revision newer than the catalog), normalised by :func:`~varsynth.taxonomy.ogle_class`
    (eclipsing binaries keep their code: ``EC`` contact, ``ED`` detached, ``ESD``
    semi-detached, ``C``/``NC`` contact/non-contact), for catalog stars falling back to the
    catalog ``Subtype``.

    Arguments:
        root: the collection folder, e.g. ``ogle3-lmc-cep``.
        catalog: the OGLE-III catalog, as returned by :func:`read_ogle3_catalog` or its path;
            ``None``: periods from the parameter tables only.
        skips: the log that receives every skipped line, point, file, light curve and star.
        bands: bands to read (``I``, ``V``); ``None`` means both.
        limit: at most this many stars per class, taken in sorted star-ID order.
        progress: show a tqdm progress bar.
        survey: survey name for LightCurve.survey and the skip log.

    Returns:
        LightCurves sorted by star ID then band. Times are HJD-2450000 (days), ``period`` is
        ``P_1`` (days) of the catalog or the table. ``meta``: ``ra``/``dec`` (degrees,
        ident.dat), ``host`` (``LMC``/``SMC`` for Magellanic fields), ``mean_mag``
        (intensity means ``I``/``V`` in magnitudes, finite ones only), ``source_file``
        (relative to ``root``), ``period_source`` = ``"catalog"``, ``ogle_id``, the finite
        Fourier parameters :data:`FOURIER_KEYS` and ``P_2``/``P_3`` (days) of multi-mode stars,
        and the non-empty ident.dat cross-identifications, ``field`` and ``extra_labels``.
        Catalog stars add ``catalog_subtype``; table stars add ``period_table`` (file name),
        ``period_err`` (days) and eclipse depths ``depth_1``/``depth_2`` (magnitudes) when
        the table gives them.

    Raises:
        KeyError: a band that OGLE does not have (see :mod:`varsynth.bands`).
        ReaderError: the catalog, given as a path, cannot be read.
    """
    root = Path(root)
    bands = tuple(bands) if bands is not None else ("I", "V")
    for name in bands:
        lookup_band(survey, name)
    sources = _PeriodSources(_catalog_by_id(catalog), read_ogle_param_tables(root, skips=skips,
                                                                             survey=survey))
    ident = _ident_or_empty(root / _IDENT_NAME, skips, survey)
    files = _photometry_files(root, bands, skips, survey)
    taken: Counter[str] = Counter()
    out: list[LightCurve] = []
    for star in tqdm(sorted(files), desc=f"{survey} {root.name}", disable=not progress):
        labels = _star_labels(star, sources, ident, skips, survey)
        if labels is None or (limit is not None and taken[labels["vclass"]] >= limit):
            continue
        curves = _star_curves(star, files[star], root, labels, skips, survey)
        taken[labels["vclass"]] += bool(curves)
        out.extend(curves)
    return out


@dataclass(frozen=True)
class _PeriodSources:
    """The OGLE-III catalog and the collection's parameter tables, both indexed by star ID."""

    catalog: pd.DataFrame
    tables: pd.DataFrame


def _catalog_by_id(catalog: pd.DataFrame | str | Path | None) -> pd.DataFrame:
    """The catalog indexed by its ``ID`` column (read from disk when given a path)."""
    if catalog is None:
        return pd.DataFrame({"ID": []}, index=pd.Index([], name="ID"))
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
        return pd.DataFrame(columns=list(_IDENT_COLUMNS), index=pd.Index([], name="star_id"))


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
    star: str, sources: _PeriodSources, ident: pd.DataFrame, skips: SkipLog, survey: str
) -> dict[str, Any] | None:
    """Class, subtype, period and star-level meta, or ``None`` (counted) when unusable."""
    if star not in ident.index:
        skips.add(survey, "star", "not in ident.dat", star)
        return None
    ident_row = ident.loc[star]
    if star in sources.catalog.index:
        labels = _catalog_labels(star, sources.catalog.loc[star], ident_row)
        unknown = "catalog type outside the eight classes"
    elif star in sources.tables.index:
        labels = _table_labels(star, sources.tables.loc[star], ident_row)
        unknown = "collection type outside the eight classes"
    else:
        skips.add(survey, "star", "not in catalog nor parameter tables (no period)", star)
        return None
    if labels is None:
        skips.add(survey, "star", unknown, star)
        return None
    if not math.isfinite(labels["period"]) or labels["period"] <= 0:
        skips.add(survey, "star", "missing period", star)
        return None
    return labels


def _catalog_labels(star: str, row: pd.Series, ident_row: pd.Series) -> dict[str, Any] | None:
    """Labels of a star the OGLE-III catalog lists; ``None`` for a type outside the classes."""
    try:
        vclass, catalog_subtype = ogle_class(_text(row["Type"]), _text(row["Subtype"]))
        _, subtype = ogle_class(_text(row["Type"]), str(ident_row["mode"]))
    except UnknownClassError:
        return None
    meta = _star_meta(star, row, ident_row)
    meta["catalog_subtype"] = catalog_subtype
    return {"vclass": vclass, "subtype": subtype or catalog_subtype, "period": float(row["P_1"]),
            "meta": meta}


def _table_labels(star: str, row: pd.Series, ident_row: pd.Series) -> dict[str, Any] | None:
    """Labels of a star from its collection's parameter table and ident.dat type."""
    try:
        vclass, subtype = _collection_class(star, str(ident_row["mode"]))
    except UnknownClassError:
        return None
    meta = _star_meta(star, row, ident_row)
    meta["period_table"] = str(row["table"])
    meta.update(_finite({"period_err": row.get("dP_1", math.nan),
                         "depth_1": row.get("depth_1", math.nan),
                         "depth_2": row.get("depth_2", math.nan)}))
    return {"vclass": vclass, "subtype": subtype, "period": float(row["P_1"]), "meta": meta}


def _collection_class(star: str, label: str) -> tuple[str, str]:
    """Class of a star from the type in its ID (``OGLE-LMC-ECL-00001``) and its ident.dat label.

    Raises:
        UnknownClassError: a type outside the eight classes (DPV, RCB, cataclysmic variable).
    """
    parts = star.split("-")
    vtype = parts[2].upper() if len(parts) >= 4 else ""
    label = label.strip()
    if label.upper() == "ELL" or vtype == "ELL":
        return "ELL", ""
    if vtype == "ECL" and label.upper() == "CV":
        raise UnknownClassError(f"{star}: cataclysmic variable, not one of the eight classes")
    return ogle_class(vtype, label)


def _star_meta(star: str, row: pd.Series, ident_row: pd.Series) -> dict[str, Any]:
    """JSON-serialisable star metadata from a catalog or table row and ident.dat (NaN omitted)."""
    meta: dict[str, Any] = {
        "ra": float(ident_row["ra"]),
        "dec": float(ident_row["dec"]),
        "period_source": "catalog",
        "ogle_id": star,
        "mean_mag": _finite({name: row.get(name, math.nan) for name in ("I", "V")}),
    }
    field = star.split("-")[1] if star.count("-") >= 2 else ""
    if field in _HOSTS:
        meta["host"] = field
    meta.update(_finite({key: row.get(key, math.nan) for key in (*FOURIER_KEYS, *_EXTRA_PERIODS)}))
    meta.update({key: str(ident_row[key]) for key in _IDENT_COLUMNS[3:] if str(ident_row[key])})
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
