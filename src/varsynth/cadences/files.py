"""A cadence read from a user's table of epochs (CSV or ECSV), the same for every draw.

The table needs a time column (MJD; ``time_column``, by default ``time`` or else ``mjd``, any
case; an ECSV column holding astropy ``Time`` objects is converted to MJD), optionally a band
column (``band_column``, by default ``band`` when present; otherwise every epoch is in option
``band``) and optionally a 5-sigma depth column (``m5_column``, by default ``m5`` or
``fiveSigmaDepth`` when present), which gives the cadence an error model. Rows are sorted by
time. Everything is checked once, at construction, with messages naming the file and column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.table import Table
from astropy.time import Time

from varsynth.cadences.base import Cadence, Epochs, check_band, check_mjd, finite_option
from varsynth.cadences.errors import SIGMA_SYS, error_model_for

__all__ = ["FileCadence", "read_epochs"]

FORMATS = {".csv": "ascii.csv", ".ecsv": "ascii.ecsv"}


def _find(table: Table, wanted: str | None, defaults: tuple[str, ...], what: str, path: Path) -> str | None:
    """The column named ``wanted`` (must exist), else the first of ``defaults`` present (any case), else None."""
    if wanted is not None:
        if wanted not in table.colnames:
            raise ValueError(f"{path}: no {what} column {wanted!r}; columns present: {table.colnames}")
        return wanted
    lower = {c.lower(): c for c in table.colnames}
    return next((lower[d.lower()] for d in defaults if d.lower() in lower), None)


def _floats(table: Table, column: str, path: Path) -> np.ndarray:
    """Column ``column`` as float64 (masked entries -> NaN), or a clear error."""
    col = table[column]
    if isinstance(col, Time):
        return np.asarray(col.mjd, dtype=np.float64)
    try:
        return np.ma.filled(np.ma.asarray(col, dtype=np.float64), np.nan)
    except (TypeError, ValueError):
        raise ValueError(f"{path}: column {column!r} is not numeric") from None


def read_epochs(
    path: str | Path,
    *,
    survey: str,
    time_column: str | None = None,
    band_column: str | None = None,
    band: str | None = None,
    m5_column: str | None = None,
) -> Epochs:
    """The epochs of a CSV or ECSV table, sorted by time; see the module docstring.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: unknown format, empty table, missing column (the message lists the columns
            present), non-finite time or depth, a band unknown to ``survey``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"cadence file {path} does not exist")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"cadence file {path}: format of {path.suffix!r} unknown; use one of {sorted(FORMATS)}")
    try:
        table = Table.read(path, format=fmt)
    except Exception as exc:  # astropy raises many types for malformed tables
        raise ValueError(f"cadence file {path} could not be read as {fmt}: {exc}") from exc
    if len(table) == 0:
        raise ValueError(f"cadence file {path} has no rows")
    tcol = _find(table, time_column, ("time", "mjd"), "time", path)
    if tcol is None:
        raise ValueError(f"{path}: no time column ('time' or 'mjd'); columns present: {table.colnames}")
    time = _floats(table, tcol, path)
    bad = np.flatnonzero(~np.isfinite(time))
    if bad.size:
        raise ValueError(f"{path}: column {tcol!r} has {bad.size} non-finite time(s), first in data row {bad[0] + 1}")
    check_mjd(time, f"{path}: column {tcol!r}")
    bcol = _find(table, band_column, ("band",), "band", path)
    if bcol is not None:
        bands = np.asarray(np.ma.filled(np.ma.asarray(table[bcol]).astype(str), ""), dtype=str)
    elif band is not None:
        bands = np.full(time.size, band)
    else:
        raise ValueError(
            f"{path}: no band column ('band'); give band_column or band; columns present: {table.colnames}"
        )
    for b in np.unique(bands):
        check_band(survey, str(b))
    m5col = _find(table, m5_column, ("m5", "fiveSigmaDepth"), "m5", path)
    m5 = np.full(time.size, np.nan) if m5col is None else _floats(table, m5col, path)
    if m5col is not None and not np.all(np.isfinite(m5)):
        raise ValueError(f"{path}: column {m5col!r} has {int((~np.isfinite(m5)).sum())} non-finite depth(s)")
    return Epochs.from_unsorted(time, bands, m5)


class FileCadence(Cadence):
    """The epochs of one file, returned by every draw.

    Arguments:
        path: CSV (``.csv``) or ECSV (``.ecsv``) table.
        time_column: name of the MJD column (default ``time``, else ``mjd``).
        band_column: name of the band column (default ``band`` when present).
        band: band of every epoch when the table has no band column.
        m5_column: name of the 5-sigma depth column (default ``m5`` or ``fiveSigmaDepth`` when present).
        survey: photometric system of the bands in :data:`varsynth.bands.BANDS`.
        sigma_sys: systematic error floor (mag) when the table has depths, >= 0.
    """

    name = "file"

    def __init__(
        self,
        path: str | Path,
        *,
        time_column: str | None = None,
        band_column: str | None = None,
        band: str | None = "I",
        m5_column: str | None = None,
        survey: str = "ogle3",
        sigma_sys: float = SIGMA_SYS,
    ) -> None:
        self.epochs = read_epochs(
            path, survey=survey, time_column=time_column, band_column=band_column, band=band, m5_column=m5_column
        )
        self.path, self.survey = Path(path), survey
        for array in (self.epochs.time, self.epochs.band, self.epochs.m5):
            array.flags.writeable = False  # every draw returns these arrays
        self.bands = tuple(str(b) for b in np.unique(self.epochs.band))
        has_m5 = bool(np.all(np.isfinite(self.epochs.m5)))
        self.error_model = error_model_for(survey, finite_option("sigma_sys", sigma_sys, 0.0)) if has_m5 else None

    def draw(self, rng: np.random.Generator) -> Epochs:
        return self.epochs
