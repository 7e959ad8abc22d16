"""Generated long-format tables as :class:`~varsynth.lightcurve.LightCurve` records (:func:`to_lightcurves`).

Generated times are MJD already (the cadences draw MJD epochs), so the records keep them as they
are, in the time system :data:`~varsynth.lightcurve.MJD` (UTC, offset 0). This module loads
without torch: it reads tables, it does not generate.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pyarrow as pa
from astropy.table import Table

from varsynth.generation.writers import read_table
from varsynth.lightcurve import LightCurve

__all__ = ["LIGHTCURVE_COLUMNS", "to_lightcurves"]

#: Long-format columns a table needs to become light curves.
LIGHTCURVE_COLUMNS: tuple[str, ...] = ("id", "time", "band", "mag", "mag_err", "vclass", "period")
#: Per-star columns copied into ``meta`` when the table has them (units as in the long format).
_META_COLUMNS: tuple[str, ...] = (
    "teff",
    "abs_mag",
    "epoch",
    "distance_modulus",
    "extinction",
    "cadence",
    "extrapolated",
)


def _columns(table: Table | pa.Table | str | os.PathLike[str]) -> dict[str, np.ndarray]:
    if isinstance(table, (str, os.PathLike)):
        table = read_table(table)
    if isinstance(table, pa.Table):
        return {c: table[c].to_numpy(zero_copy_only=False) for c in table.column_names}
    return {c: np.asarray(table[c]) for c in table.colnames}


def _scalar(value: Any) -> Any:
    """A numpy scalar as the Python value (JSON-friendly metadata)."""
    return value.item() if isinstance(value, np.generic) else value


def to_lightcurves(table: Table | pa.Table | str | os.PathLike[str], *, survey: str | None = None) -> list[LightCurve]:
    """One :class:`~varsynth.lightcurve.LightCurve` per (id, band) of a generated long-format table.

    Arguments:
        table: what :func:`~varsynth.generation.generate_table` or
            :func:`~varsynth.generation.iter_generate` returns, or a file
            :func:`~varsynth.generation.write_lightcurves` wrote.
        survey: the records' ``survey``, the photometric system of the bands (e.g. ``lsst`` for
            the ``lsst-wfd`` cadence); default the table's ``cadence`` column.

    Returns:
        Records in the table's order of ids, bands in order of first appearance per id; times in
        MJD (days, time system :data:`~varsynth.lightcurve.MJD`), ``period`` in days, ``subtype``
        as generated, ``meta`` with ``teff`` (K), ``abs_mag``, ``distance_modulus``, ``extinction``
        (mag), ``epoch`` (MJD of phase 0), ``cadence``, ``extrapolated`` and ``generated=True``.

    Raises:
        ValueError: a required column (:data:`LIGHTCURVE_COLUMNS`) is missing.
    """
    cols = _columns(table)
    missing = [c for c in LIGHTCURVE_COLUMNS if c not in cols]
    if missing:
        raise ValueError(f"a generated table needs the columns {list(LIGHTCURVE_COLUMNS)}; missing {missing}")
    ids, bands = cols["id"].astype(str), cols["band"].astype(str)
    if ids.size == 0:
        return []
    keys = np.char.add(np.char.add(ids, "\x00"), bands)
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")  # rows grouped by (id, band), table order within
    counts = np.bincount(inverse)
    starts = np.cumsum(counts) - counts
    out = []
    for group in np.argsort(first, kind="stable"):
        rows = order[starts[group] : starts[group] + counts[group]]
        row = rows[0]
        meta: dict[str, Any] = {c: _scalar(cols[c][row]) for c in _META_COLUMNS if c in cols}
        meta["generated"] = True
        out.append(
            LightCurve(
                star_id=str(ids[row]),
                survey=survey or (str(cols["cadence"][row]) if "cadence" in cols else "generated"),
                band=str(bands[row]),
                time=cols["time"][rows].astype(np.float64),
                mag=cols["mag"][rows].astype(np.float64),
                mag_err=cols["mag_err"][rows].astype(np.float64),
                vclass=str(cols["vclass"][row]),
                subtype=str(cols["subtype"][row]) if "subtype" in cols else "",
                period=float(cols["period"][row]),
                meta=meta,
            )
        )
    return out
