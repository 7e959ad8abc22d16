"""OGLE parameter tables (``cepF.dat``, ``RRab.dat``, ``ecl.dat``, ...) and the README giving their byte layout."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from varsynth.surveys.ogle.layout import IDENT_NAME, README_NAMES, SURVEY
from varsynth.surveys.skips import ReaderError, SkipLog

__all__ = ["TableColumn", "read_ogle_readme_formats", "read_ogle_param_table", "read_ogle_param_tables"]


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
_PULSATOR_LAYOUT = _token_layout("ID", "I", "V", *(f"{key}_{k}" for k in (1, 2, 3) for key in _MODE_BLOCK))
_BINARY_LAYOUT = _token_layout("ID", "I", "V", "P_1", "T0_1", "depth_1", "depth_2")
_BINARY_TABLES = frozenset({"ecl.dat", "ell.dat"})

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
    for key, label in (("phi_21", "phi21"), ("phi_31", "phi31"), ("r_21", "R21"), ("r_31", "R31")):
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
    layout = (
        tuple(columns) if columns else (_BINARY_LAYOUT if path.name.lower() in _BINARY_TABLES else _PULSATOR_LAYOUT)
    )
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise ReaderError(path, None, f"cannot read file: {err}") from err
    rows: dict[str, dict[str, float]] = {}
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parsed = _table_row(line, layout)
        reason = (
            "malformed parameter-table line"
            if parsed is None
            else ("repeated star ID in parameter table" if parsed[0] in rows else "")
        )
        if reason:
            if skips is None:
                raise ReaderError(path, lineno, reason)
            skips.add(survey, "line", reason, f"{path}:{lineno}")
            continue
        assert parsed is not None  # a line that did not parse has a reason and was skipped above
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
            cells[column.name] = line[column.start : column.stop].strip()
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


def read_ogle_param_tables(root: str | Path, *, skips: SkipLog, survey: str = SURVEY) -> pd.DataFrame:
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
    readme = next((root / n for n in README_NAMES if (root / n).is_file()), None)
    if readme is not None:
        try:
            formats = read_ogle_readme_formats(readme)
        except ReaderError as err:
            skips.add(survey, "file", "unreadable file", str(err))
    frames = []
    for path in sorted(root.glob("*.dat")):
        if path.name == IDENT_NAME:
            continue
        try:
            frames.append(read_ogle_param_table(path, columns=formats.get(path.name), skips=skips, survey=survey))
        except ReaderError as err:
            skips.add(survey, "file", "unreadable file", str(err))
    if not frames:
        return pd.DataFrame({"P_1": [], "table": []}, index=pd.Index([], name="ID"))
    joined = pd.concat(frames)
    repeated = joined.index.duplicated()
    for star, table in joined.loc[repeated, "table"].items():
        skips.add(survey, "line", "star listed in two parameter tables", f"{table}: {star}")
    return joined[~repeated]
