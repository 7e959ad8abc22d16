"""The OGLE-III Catalog of Variable Stars: one tab-separated table of 399,679 stars.

It gives the periods, mean magnitudes and Fourier parameters of the stars it lists, and is the
reference distribution of OGLE-III light-curve shapes.
"""

from __future__ import annotations

import bz2
import gzip
import itertools
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from varsynth.surveys.skips import ReaderError
from varsynth.surveys.validate import float_values
from varsynth.taxonomy import UnknownClassError, ogle_class

__all__ = ["CATALOG_MISSING", "read_ogle3_catalog"]

#: The OGLE-III catalog's marker for a missing value.
CATALOG_MISSING = "-99.99"


# Catalog columns every row needs (the class and the position).
_CATALOG_REQUIRED = ("Type", "Subtype", "RA", "DECL")

# Catalog columns that are identifiers or labels, read as strings.
_CATALOG_TEXT = (
    "ID",
    "Field",
    "Type",
    "Subtype",
    "ID_OGLE_II",
    "ID_MACHO",
    "ID_ASAS",
    "ID_GCVS",
    "ID_OTHER",
    "Remarks",
)


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
            path,
            sep="\t",
            skiprows=n_comments,
            header=None,
            names=names,
            dtype=dtypes,
            na_values=[CATALOG_MISSING],
            keep_default_na=False,
            low_memory=False,
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
        raise ReaderError(
            path, None, f"{column} of data row {int(bad[0]) + 1} is not a number: {str(values.iloc[bad[0]])[:40]!r}"
        )
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
    return (
        pd.Series(merged["vclass"].to_numpy(), index=frame.index, dtype=object),
        pd.Series(merged["subtype_norm"].to_numpy(), index=frame.index, dtype=object),
    )


def _class_or_none(vtype: str, subtype: str) -> tuple[str | None, str | None]:
    """:func:`~varsynth.taxonomy.ogle_class`, or ``(None, None)`` outside the eight classes."""
    try:
        return ogle_class(vtype, subtype)
    except UnknownClassError:
        return None, None
