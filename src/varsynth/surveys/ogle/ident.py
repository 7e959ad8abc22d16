"""OGLE ``ident.dat``: ID, type or mode(s), J2000 coordinates and cross-identifications.

Two layouts exist and both are read (detected line by line): the OGLE-III Catalog of Variable
Stars (OIII-CVS: ``ID field starID type RA Dec cross-IDs``) and the OGLE Collection of Variable
Stars (OCVS, OGLE-IV era: ``ID mode RA Dec OGLE-IV-ID OGLE-III-ID OGLE-II-ID other``).
"""

from __future__ import annotations

import re
from pathlib import Path

import astropy.units as u
import numpy as np
import pandas as pd

from varsynth.surveys.ogle.layout import SURVEY
from varsynth.surveys.skips import ReaderError, SkipLog

__all__ = ["IDENT_COLUMNS", "read_ogle_ident"]

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
_IDENT_RE = re.compile(rf"^(?P<star_id>\S+)\s+(?P<mode>\S+)\s+(?P<ra>{_RA})\s+(?P<dec>{_DEC})(?P<rest>.*)$")
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
IDENT_COLUMNS = ("mode", "ra", "dec", "field", "extra_labels", *_IDENT_XID)


def read_ogle_ident(path: str | Path, *, skips: SkipLog | None = None, survey: str = SURVEY) -> pd.DataFrame:
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
    _drop_ident_lines(parsed, parsed["star_id"].isna(), "malformed ident.dat line", path, skips, survey)
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
    for column in IDENT_COLUMNS[3:]:
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
    magnitude = (
        parts["whole"].astype(float) + parts["minutes"].astype(float) / 60.0 + parts["seconds"].astype(float) / 3600.0
    ).to_numpy()
    return (sign * magnitude * unit).to(u.deg).value


def _drop_ident_lines(
    parsed: pd.DataFrame,
    bad: pd.Series,
    reason: str,
    path: Path,
    skips: SkipLog | None,
    survey: str,
) -> None:
    """Count the ident.dat lines flagged in ``bad``, or raise on the first one without a log."""
    lines = parsed.index[bad.to_numpy()]
    if not len(lines):
        return
    if skips is None:
        raise ReaderError(path, int(lines[0]), reason)
    for lineno in lines:
        skips.add(survey, "line", reason, f"{path}:{lineno}")
