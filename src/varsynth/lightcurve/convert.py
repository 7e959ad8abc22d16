"""A light curve as an astropy Table or TimeSeries, a pandas frame or a matplotlib plot, and back.

All three tables have the columns ``time`` (MJD, days), ``mag`` and ``mag_err`` (mag); the
record's labels travel in the table's ``meta`` (pandas: ``attrs``) as :func:`header` gives them,
so that :func:`from_table` rebuilds the record. pandas and matplotlib are imported on first use.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from varsynth.lightcurve.times import TimeSystem

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from varsynth.lightcurve.record import LightCurve

__all__ = ["HEADER_KEYS", "header", "to_table", "to_pandas", "to_timeseries", "from_table", "plot"]

#: Keys of the table metadata :func:`header` writes and :func:`from_table` reads.
HEADER_KEYS: tuple[str, ...] = (
    "star_id",
    "survey",
    "band",
    "vclass",
    "subtype",
    "period",
    "time_system",
    "time_offset_days",
    "time_scale",
    "meta",
    "physics",
)
_REQUIRED = ("star_id", "survey", "band", "vclass")


def header(lc: LightCurve) -> dict[str, Any]:
    """The record's labels as table metadata: :data:`HEADER_KEYS` (``period`` in days,
    ``time_offset_days`` in days with ``original = time - time_offset_days``, ``meta`` a copy of
    ``lc.meta``, ``physics`` ``{name: {value, err, source, note}}``)."""
    system = lc.time_system
    return {
        "star_id": lc.star_id,
        "survey": lc.survey,
        "band": lc.band,
        "vclass": lc.vclass,
        "subtype": lc.subtype,
        "period": float(lc.period),
        "time_system": system.name,
        "time_offset_days": float(system.offset_days),
        "time_scale": system.scale,
        "meta": dict(lc.meta),
        "physics": {k: vars(p).copy() for k, p in lc.physics.items()},
    }


def to_table(lc: LightCurve) -> Any:
    """An astropy ``Table``: ``time`` (MJD, unit d), ``mag``, ``mag_err`` (unit mag); :func:`header` as meta."""
    from astropy.table import Table

    system = lc.time_system
    table = Table(
        {"time": lc.time.copy(), "mag": lc.mag.copy(), "mag_err": lc.mag_err.copy()},
        units={"time": "d", "mag": "mag", "mag_err": "mag"},
        descriptions={
            "time": f"time of the observation, MJD zero point ({system.name} + {system.offset_days:g} d)",
            "mag": "magnitude",
            "mag_err": "1-sigma magnitude error",
        },
        meta=header(lc),
    )
    return table


def to_pandas(lc: LightCurve) -> Any:
    """A pandas ``DataFrame`` with the columns ``time`` (MJD, days), ``mag``, ``mag_err`` (mag);
    :func:`header` in ``DataFrame.attrs``."""
    import pandas as pd

    frame = pd.DataFrame({"time": lc.time.copy(), "mag": lc.mag.copy(), "mag_err": lc.mag_err.copy()})
    frame.attrs.update(header(lc))
    return frame


def to_timeseries(lc: LightCurve) -> Any:
    """An astropy ``TimeSeries``: ``time`` a ``Time`` of format ``mjd`` in the record's time scale,
    ``mag`` and ``mag_err`` quantities in mag; :func:`header` as meta."""
    import astropy.units as u
    from astropy.time import Time
    from astropy.timeseries import TimeSeries

    return TimeSeries(
        time=Time(lc.time.copy(), format="mjd", scale=lc.time_system.scale),
        data={"mag": lc.mag * u.mag, "mag_err": lc.mag_err * u.mag},
        meta=header(lc),
    )


def _days(column: Any) -> tuple[np.ndarray, str | None]:
    """A time column as MJD days, and its time scale when it is an astropy ``Time``."""
    from astropy.time import Time

    if isinstance(column, Time):
        return np.asarray(column.mjd, dtype=np.float64), str(column.scale)
    unit = getattr(column, "unit", None)
    if unit is not None:
        import astropy.units as u

        return np.asarray(u.Quantity(column, unit).to_value(u.day), dtype=np.float64), None
    return np.asarray(column, dtype=np.float64), None


def from_table(cls: type[LightCurve], table: Any, **labels: Any) -> LightCurve:
    """A record from a table :func:`to_table`, :func:`to_timeseries` or :func:`to_pandas` made,
    or any astropy Table / pandas DataFrame with ``time`` (MJD days, or an astropy ``Time``),
    ``mag`` and ``mag_err`` columns.

    Labels come from the table's ``meta`` (pandas: ``attrs``), overridden by ``labels``
    (``star_id``, ``survey``, ``band``, ``vclass``, ``subtype``, ``period``, ``meta``, ...).
    A ``Time`` column's scale is kept; times are never converted between scales.

    Raises:
        ValueError: a column or a required label (``star_id``, ``survey``, ``band``, ``vclass``) is missing.
    """
    from varsynth.lightcurve.record import PhysParam

    info = dict(getattr(table, "attrs", None) or getattr(table, "meta", None) or {})
    info.update(labels)
    columns = list(getattr(table, "colnames", None) or getattr(table, "columns", []))
    missing = [c for c in ("time", "mag", "mag_err") if c not in columns]
    if missing:
        raise ValueError(f"the table needs the columns time, mag, mag_err; missing {missing} (has {columns})")
    absent = [k for k in _REQUIRED if k not in info]
    if absent:
        raise ValueError(f"label(s) {absent} are neither in the table's metadata nor given as keywords")
    time, scale = _days(table["time"])
    system = TimeSystem(
        str(info.get("time_system", "MJD")),
        float(info.get("time_offset_days", 0.0)),
        scale or str(info.get("time_scale", "utc")),
    )
    physics = {
        k: v if isinstance(v, PhysParam) else PhysParam(v["value"], v["err"], v["source"], v.get("note", ""))
        for k, v in (info.get("physics") or {}).items()
    }
    return cls(
        star_id=str(info["star_id"]),
        survey=str(info["survey"]),
        band=str(info["band"]),
        time=time,
        mag=np.asarray(getattr(table["mag"], "value", table["mag"]), dtype=np.float64),
        mag_err=np.asarray(getattr(table["mag_err"], "value", table["mag_err"]), dtype=np.float64),
        vclass=str(info["vclass"]),
        subtype=str(info.get("subtype", "")),
        period=float(info.get("period", math.nan)),
        meta=dict(info.get("meta") or {}),
        physics=physics,
        time_system=system,
    )


def plot(
    lc: LightCurve,
    ax: Axes | None = None,
    *,
    folded: bool = True,
    period: float | None = None,
    epoch: float | None = None,
    **errorbar: Any,
) -> Axes:
    """Magnitudes with error bars against phase (``folded``) or time (MJD), bright up.

    Arguments:
        ax: the axes to draw on (``None``: a new figure of ``matplotlib.pyplot``).
        folded: against phase ([0, 1), :meth:`LightCurve.fold` with ``period`` and ``epoch``),
            else against time in MJD.
        errorbar: keywords of ``Axes.errorbar`` (default: points, no line).

    Returns:
        The axes; the container this call adds (``ax.containers[-1]``) holds the points drawn.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    x = lc.fold(period, epoch) if folded else lc.time
    style = {"fmt": ".", "ms": 3, "elinewidth": 0.5, "capsize": 0, **errorbar}
    ax.errorbar(x, lc.mag, yerr=lc.mag_err, label=f"{lc.survey} {lc.band}", **style)
    if not ax.yaxis_inverted():
        ax.invert_yaxis()
    ax.set_xlabel("phase" if folded else f"time (MJD; {lc.time_system.name} + {lc.time_system.offset_days:g} d)")
    ax.set_ylabel(f"{lc.band} (mag)")
    shown = lc.period if period is None else period  # the period folded on
    ax.set_title(f"{lc.key} {lc.vclass}".strip() + (f", P = {shown:.6g} d" if math.isfinite(shown) else ""))
    return ax
