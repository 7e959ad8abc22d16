"""Checks shared by every reader: CSV rows of the wrong width; NaN, error <= 0, duplicate time.

Each reader parses its own format, then hands the arrays to :func:`clean_points`, which drops the
bad points and counts each under its reason, so that all surveys report skips the same way.
CSV-based readers take their rows from :func:`csv_records`; :func:`float_values` turns a column
of parsed fields into float64 numbers.
"""

from __future__ import annotations

import csv
import gzip
import zlib
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from varsynth.surveys.skips import ReaderError, SkipLog

__all__ = ["clean_points", "csv_records", "float_values"]


def float_values(values: pd.Series) -> pd.Series:
    """``values`` as float64: NaN where a field is not a number, +-inf beyond the float range.

    pandas parses a long run of digits into a Python integer that ``pd.to_numeric`` cannot turn
    into a float (``OverflowError``); such columns are converted from their text instead.
    """
    try:
        return pd.to_numeric(values, errors="coerce").astype(np.float64)
    except OverflowError:
        return pd.to_numeric(values.astype(str), errors="coerce").astype(np.float64)


def _open_text(path: Path) -> IO[str]:
    """Open a CSV file as text, transparently decompressing ``.gz``."""
    if path.suffix == ".gz":
        return gzip.open(path, "rt", newline="", encoding="utf-8")
    return open(path, newline="", encoding="utf-8")


def csv_records(path: str | Path, *, survey: str, skips: SkipLog) -> tuple[list[str], list[list[str]], list[int]]:
    """Header, rows of the header's width and their line numbers; other rows are counted.

    Blank lines are ignored; a row of another width is counted as ``wrong number of fields``
    (level ``line``) with its ``file:line``. ``.gz`` files are decompressed on the fly.

    Raises:
        ReaderError: for a file that cannot be opened, decompressed, decoded or tokenised
            (naming the line), or an empty file.
    """
    path = Path(path)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    line = 0
    try:
        with _open_text(path) as fh:
            reader = csv.reader(fh)
            for fields in reader:
                line = reader.line_num
                if header is None:
                    header = [f.strip() for f in fields]
                elif not fields:
                    continue  # blank line: nothing to read, nothing lost
                elif len(fields) != len(header):
                    skips.add(survey, "line", "wrong number of fields", f"{path.name}:{line}")
                else:
                    rows.append(fields)
                    lines.append(line)
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, csv.Error) as exc:
        raise ReaderError(path, line or None, f"unreadable file ({type(exc).__name__}: {exc})") from exc
    if header is None:
        raise ReaderError(path, None, "empty file")
    return header, rows, lines


def clean_points(
    time: np.ndarray,
    mag: np.ndarray,
    err: np.ndarray,
    *,
    survey: str,
    where: str,
    skips: SkipLog,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop non-finite values, errors <= 0 and repeated times; count each reason in ``skips``.

    Arguments:
        time: observation times in days, shape (N,).
        mag: magnitudes, shape (N,).
        err: 1-sigma magnitude errors, shape (N,).
        survey: survey name used as the skip-log key.
        where: the source (file name) quoted as an example in the skip log.
        skips: the log that receives the counts.

    Returns:
        ``(time, mag, err)`` sorted by time, with only valid points; of repeated times the first
        occurrence (in file order) is kept.
    """
    time = np.asarray(time, dtype=np.float64)
    mag = np.asarray(mag, dtype=np.float64)
    err = np.asarray(err, dtype=np.float64)
    finite = np.isfinite(time) & np.isfinite(mag) & np.isfinite(err)
    skips.add(survey, "point", "NaN or infinite value", where, int((~finite).sum()))
    positive = finite & (err > 0)
    skips.add(survey, "point", "error <= 0", where, int((finite & ~positive).sum()))
    time, mag, err = time[positive], mag[positive], err[positive]
    order = np.argsort(time, kind="stable")
    time, mag, err = time[order], mag[order], err[order]
    if time.size:
        first = np.concatenate([[True], np.diff(time) > 0])
        skips.add(survey, "point", "duplicate time", where, int((~first).sum()))
        time, mag, err = time[first], mag[first], err[first]
    return time, mag, err
