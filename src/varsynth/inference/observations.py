"""Reading and checking an observed light curve for inference (``varsynth infer``).

:func:`read_observations` reads what the survey readers read: OGLE photometry (``.dat``:
whitespace-separated ``HJD-2450000 mag err``, no header), CSV and other delimited text with or
without a header line (CRTS ``"ID","MJD","mag","magerr",...``, SDSS ``time,mag,magerr,band``),
ECSV, FITS binary tables and Parquet (Gaia DR3 epoch photometry ``time, mag, mag_err``). Columns
are found by name (any case; :data:`COLUMN_NAMES`) unless given; a file without a header line
has its columns numbered from 1 and uses the first three, in the OGLE order time, magnitude,
error. A band column with several passbands keeps the rows of the requested one. A file that
cannot be parsed gives one line: ``cannot read FILE as FORMAT: reason``.

:func:`usable_points` keeps the rows with finite time and magnitude and an error > 0 and refuses
light curves with fewer than :data:`MIN_POINTS` of them, saying why (all magnitudes NaN, every
error <= 0, too short).

:meth:`Observations.lightcurve` makes the :class:`~varsynth.lightcurve.LightCurve` that
:func:`~varsynth.inference.posterior.infer` and ``varsynth infer`` work on. A file does not say
its time system: full Julian dates (every finite time above :data:`JD_THRESHOLD`) are moved to
the MJD zero point (offset -2400000.5 d), other times are kept as read (MJD, HJD - 2450000, ...).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from varsynth.config import CleanConfig, ConfigError
from varsynth.data.io import OutputPathError
from varsynth.data.io import check_writable as _check_writable
from varsynth.lightcurve import JD_MINUS_MJD, LightCurve, TimeSystem
from varsynth.surveys.periods import MIN_POINTS as _SEARCH_MIN_POINTS
from varsynth.surveys.validate import float_values

__all__ = [
    "MIN_POINTS",
    "COLUMN_NAMES",
    "JD_THRESHOLD",
    "InputError",
    "Observations",
    "read_observations",
    "usable_points",
    "check_writable",
]

#: Fewest usable points (finite time and magnitude, error > 0) inference accepts: what the
#: training light curves needed (the cleaning's ``min_points`` and the period search's minimum).
MIN_POINTS: int = max(CleanConfig().min_points, _SEARCH_MIN_POINTS)

#: Column names looked for (case-insensitive, in this order) when none is given.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "time": ("time", "mjd", "hjd", "bjd", "jd", "obstime", "date", "t"),
    "mag": ("mag", "magnitude", "mags", "m"),
    "mag_err": ("mag_err", "magerr", "mag_error", "e_mag", "emag", "err", "error", "sigma", "sigma_mag", "dmag"),
}
_BAND_NAMES = ("band", "filter", "passband")

#: Times above this (days) are full Julian dates (JD 2400000 is the year 1858; MJD 2400000 the
#: year 8430), moved to the MJD zero point by :meth:`Observations.lightcurve`.
JD_THRESHOLD: float = 2400000.0
_FORMATS = {
    ".csv": "csv",
    ".ecsv": "ecsv",
    ".fits": "fits",
    ".fit": "fits",
    ".fts": "fits",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_DESCRIPTION = {
    "text": "whitespace- or comma-separated text",
    "csv": "CSV",
    "ecsv": "ECSV",
    "fits": "a FITS table",
    "parquet": "Parquet",
}


class InputError(ConfigError):
    """An observed light curve that cannot be read or used (the message says why)."""


@dataclass
class Observations:
    """One passband's observations read from a file.

    Attributes:
        time, mag, mag_err: as in the file (days, mag, mag); rows not yet checked.
        columns: role (``time``, ``mag``, ``mag_err``, ``band``) -> the column used, by name or,
            for a file without a header line, as ``column N`` (from 1).
        format: ``text``, ``csv``, ``ecsv``, ``fits`` or ``parquet``.
        header: whether the file named its columns.
        rows: rows in the file (before a band was selected).
    """

    time: np.ndarray
    mag: np.ndarray
    mag_err: np.ndarray
    columns: dict[str, str]
    format: str
    header: bool
    rows: int
    notes: list[str] = field(default_factory=list)

    def time_system(self) -> TimeSystem:
        """The file's time system as far as it can be told: a full Julian date (every finite time
        above :data:`JD_THRESHOLD`; offset -2400000.5 d to the MJD zero point), else the times as
        read (offset 0), named after the time column either way."""
        finite = self.time[np.isfinite(self.time)]
        column = self.columns.get("time", "time")
        if finite.size and (finite > JD_THRESHOLD).all():
            return TimeSystem(f"JD ({column}, a full Julian date)", -JD_MINUS_MJD)
        return TimeSystem(f"as read ({column})", 0.0)

    def lightcurve(self, survey: str, band: str, *, star_id: str = "input", period: float = math.nan) -> LightCurve:
        """The observations as a :class:`~varsynth.lightcurve.LightCurve` of unknown class
        (``vclass=""``), rows not yet checked (:func:`usable_points` does), times moved to MJD by
        :meth:`time_system` with the values read kept (:meth:`LightCurve.survey_time`).

        Arguments:
            survey, band: the photometric system (a key of :data:`varsynth.bands.BANDS`).
            star_id: the record's star id.
            period: days, NaN when unknown.
        """
        lc = LightCurve(star_id, survey, band, self.time, self.mag, self.mag_err, vclass="", period=period)
        lc.meta.update({"columns": dict(self.columns), "format": self.format})
        return lc.with_time_system(self.time_system())

    def describe(self) -> dict[str, Any]:
        """JSON-ready summary: format, header, columns used and row counts."""
        return {
            "format": self.format,
            "header": self.header,
            "columns": dict(self.columns),
            "rows": self.rows,
            "rows_of_band": int(self.time.size),
            "notes": list(self.notes),
        }


def _format_of(path: Path) -> str:
    return _FORMATS.get(path.suffix.lower(), "text")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_text(path: Path, fmt: str) -> tuple[pd.DataFrame, bool]:
    """A delimited text file as a frame; ``(frame, has_header)``. Columns of a headerless file
    are named ``column 1``, ``column 2``, ..."""
    with open(path, encoding="utf-8") as handle:
        lines = [line for line in handle.read().splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise ValueError("no data lines (empty, or only comments)")
    comma = fmt == "csv" or "," in lines[0]
    fields = [f.strip().strip('"').strip("'") for f in (lines[0].split(",") if comma else lines[0].split())]
    header = not all(_is_number(f) for f in fields)
    frame = pd.read_csv(
        path,
        sep="," if comma else r"\s+",
        comment="#",
        header=0 if header else None,
        skipinitialspace=True,
        skip_blank_lines=True,
        dtype=str,
    )
    if not header:
        frame.columns = [f"column {i + 1}" for i in range(frame.shape[1])]
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, header


def _read_table(path: Path, fmt: str) -> pd.DataFrame:
    """An ECSV, FITS or Parquet table as a frame (FITS: the first table extension)."""
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pandas()
    from astropy.table import Table

    table = Table.read(path, format="ascii.ecsv" if fmt == "ecsv" else "fits")
    columns = {}
    for name in table.colnames:
        col = table[name]
        if col.ndim > 1:
            continue
        values = col.filled(np.nan) if hasattr(col, "filled") and col.dtype.kind == "f" else col
        columns[name] = np.asarray(values).astype(str) if col.dtype.kind in "SU" else np.asarray(values)
    return pd.DataFrame(columns)


def _pick(frame: pd.DataFrame, role: str, wanted: str | None, header: bool, position: int) -> str:
    """The column for ``role``: the one given, else a known name, else (headerless) by position."""
    present = list(frame.columns)
    if wanted is not None:
        if wanted in present:
            return wanted
        lower = {c.lower(): c for c in present}
        if wanted.lower() in lower:
            return lower[wanted.lower()]
        raise InputError(f"no {role} column {wanted!r}; columns present: {present}")
    if not header:
        if len(present) < 3:
            raise InputError(
                f"a file without a header line needs the columns time, mag, mag_err (in this order); "
                f"found {len(present)} column(s)"
            )
        return present[position]
    lower = {c.lower(): c for c in present}
    for name in COLUMN_NAMES[role]:
        if name in lower:
            return lower[name]
    option = {"time": "--time-column", "mag": "--mag-column", "mag_err": "--err-column"}[role]
    raise InputError(
        f"no {role} column found (looked for {list(COLUMN_NAMES[role])}, any case); columns present: "
        f"{present}; name it with {option}"
    )


def _floats(frame: pd.DataFrame, column: str) -> np.ndarray:
    return float_values(frame[column]).to_numpy(dtype=np.float64, na_value=np.nan)


def read_observations(
    path: str | Path,
    *,
    time_column: str | None = None,
    mag_column: str | None = None,
    err_column: str | None = None,
    band: str | None = None,
) -> Observations:
    """Read one passband's time, magnitude and error columns from a file (see the module docstring).

    Arguments:
        path: the file; the format comes from the suffix (``.csv``, ``.ecsv``, ``.fits``,
            ``.parquet``; anything else, e.g. OGLE's ``.dat``, is read as delimited text).
        time_column, mag_column, err_column: column names (for a headerless file ``column N``);
            ``None``: found by :data:`COLUMN_NAMES`, or the first three columns of a headerless file.
        band: with a band column holding several passbands, keep this one's rows.

    Raises:
        FileNotFoundError: the file does not exist.
        InputError: the file cannot be parsed (``cannot read FILE as FORMAT: reason``), a
            column is missing, or the band is not in the file.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"light curve not found: {path}" + (" (a folder)" if path.is_dir() else ""))
    fmt = _format_of(path)
    try:
        if fmt in ("text", "csv"):
            frame, header = _read_text(path, fmt)
        else:
            frame, header = _read_table(path, fmt), True
    except Exception as err:  # noqa: BLE001 - parsers raise anything on junk; one line for the user
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if isinstance(err, UnicodeDecodeError):
            reason = "not UTF-8 text (a binary file?)"
        raise InputError(f"cannot read {path} as {_DESCRIPTION[fmt]}: {reason}") from None
    if frame.shape[0] == 0:
        raise InputError(f"{path}: the file holds no rows")
    roles = {"time": time_column, "mag": mag_column, "mag_err": err_column}
    columns = {role: _pick(frame, role, wanted, header, i) for i, (role, wanted) in enumerate(roles.items())}
    obs = Observations(
        _floats(frame, columns["time"]),
        _floats(frame, columns["mag"]),
        _floats(frame, columns["mag_err"]),
        columns=columns,
        format=fmt,
        header=header,
        rows=int(frame.shape[0]),
    )
    band_col = next((c for c in frame.columns if c.lower() in _BAND_NAMES), None) if header else None
    if band_col is not None:
        # an empty band field is "" (astype(str) keeps it NaN in pandas' string dtype, which sorted() refuses)
        values = np.array([str(v).strip() for v in frame[band_col].fillna("").tolist()], dtype=object)
        present = sorted(set(values.tolist()))
        if len(present) > 1 or (band is not None and present != [band]):
            if band not in present:
                raise InputError(
                    f"{path}: band {band!r} is not in column {band_col!r} (bands there: {present}); "
                    "choose one with --band"
                )
            keep = values == band
            obs.time, obs.mag, obs.mag_err = obs.time[keep], obs.mag[keep], obs.mag_err[keep]
            obs.notes.append(f"kept the {int(keep.sum())} rows of band {band} of {present}")
        obs.columns["band"] = band_col
    return obs


def usable_points(time: np.ndarray, mag: np.ndarray, mag_err: np.ndarray) -> tuple[np.ndarray, int]:
    """Mask of the usable rows (finite time and magnitude, finite error > 0) and their number.

    Raises:
        InputError: fewer than :data:`MIN_POINTS` usable rows; the message says which values are
            at fault (all magnitudes NaN, every error <= 0, ...) and the minimum.
    """
    n = time.size
    finite_t, finite_m, finite_e = np.isfinite(time), np.isfinite(mag), np.isfinite(mag_err)
    positive = finite_e & (np.where(finite_e, mag_err, 0.0) > 0)
    keep = finite_t & finite_m & positive
    used = int(keep.sum())
    if used >= MIN_POINTS:
        return keep, used
    if n and not finite_m.any():
        why = f"mag is NaN or infinite in all {n} rows"
    elif n and not finite_t.any():
        why = f"time is NaN or infinite in all {n} rows"
    elif n and not positive.any():
        why = f"mag_err must be a finite error > 0 mag, but all {n} rows have mag_err <= 0 or NaN"
    else:
        why = f"only {used} of {n} rows have a finite time and magnitude and a mag_err > 0"
    raise InputError(f"{why}: the light curve cannot be used; at least {MIN_POINTS} such rows are needed")


def check_writable(path: str | Path, option: str = "--json") -> Path:
    """Refuse an output path that cannot be written, before any work
    (:func:`varsynth.data.io.check_writable`), as an :class:`InputError`."""
    try:
        return _check_writable(path, option)
    except OutputPathError as err:
        raise InputError(str(err)) from None
