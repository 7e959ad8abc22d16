"""A quick-look grid of generated light curves: each row one curve, unfolded and phase-folded.

Each row shows magnitude against time (MJD) on the left and against phase
``((time - epoch) / period) mod 1`` over two cycles on the right, with error bars, magnitudes
inverted (bright up) and one colour per band. The figure is drawn off-screen (Agg) at a fixed
size, :data:`FIG_WIDTH_IN` x (:data:`ROW_HEIGHT_IN` per curve) inches at :data:`DPI`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pyarrow as pa
from astropy.table import Table
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from varsynth.data.io import atomic_write
from varsynth.generation.writers import read_table

__all__ = ["DPI", "FIG_WIDTH_IN", "REQUIRED_COLUMNS", "ROW_HEIGHT_IN", "plot_lightcurves"]

#: Long-format columns the plot reads (``subtype`` is used when present).
REQUIRED_COLUMNS: tuple[str, ...] = ("id", "time", "band", "mag", "mag_err", "vclass", "period", "epoch", "teff")
#: Resolution of the PNG (pixels per inch).
DPI = 100
#: Figure width (inches) holding the two panels of a row.
FIG_WIDTH_IN = 10.0
#: Height (inches) of one light curve's row.
ROW_HEIGHT_IN = 2.5

_STRINGS = ("id", "band", "vclass", "subtype")


def _columns(table: Table | pa.Table | str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """The columns the plot needs as numpy arrays (strings as ``str``), checked for presence."""
    if isinstance(table, (str, os.PathLike)):
        table = read_table(table)
    if isinstance(table, pa.Table):
        names = table.column_names
        get = lambda name: table.column(name).to_numpy()  # noqa: E731
    elif isinstance(table, Table):
        names = table.colnames
        get = lambda name: np.asarray(table[name])  # noqa: E731
    else:
        raise TypeError(f"table must be an astropy Table, a pyarrow Table or a path, got {type(table).__name__}")
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise ValueError(f"table is missing required column(s) {missing}; the plot needs {list(REQUIRED_COLUMNS)}")
    wanted = [*REQUIRED_COLUMNS, *(["subtype"] if "subtype" in names else [])]
    out = {name: get(name) for name in wanted}
    for name in _STRINGS:
        if name in out:
            out[name] = out[name].astype(str)
    for name in set(wanted) - set(_STRINGS):
        out[name] = out[name].astype(float)
    return out


def _title(cid: str, cols: dict[str, np.ndarray], row: int) -> str:
    klass = cols["vclass"][row]
    if "subtype" in cols and cols["subtype"][row]:
        klass += f"/{cols['subtype'][row]}"
    period, teff = cols["period"][row], cols["teff"][row]
    p_text = f"P = {period:.5g} d" if np.isfinite(period) else "P = n/a"
    t_text = f"Teff = {teff:.0f} K" if np.isfinite(teff) else "Teff = n/a"
    return f"{cid}   {klass}   {p_text}   {t_text}"


def _draw_row(ax_t: Axes, ax_p: Axes, cols: dict[str, np.ndarray], rows: np.ndarray, colours: dict) -> None:
    """Unfolded (``ax_t``) and folded (``ax_p``) panels of one light curve (row indices ``rows``)."""
    first = rows[0]
    period, epoch = cols["period"][first], cols["epoch"][first]
    periodic = bool(np.isfinite(period) and period > 0 and np.isfinite(epoch))
    style: dict[str, Any] = dict(fmt="o", ms=2.5, lw=0.6, elinewidth=0.6, capsize=0)
    for band in sorted(set(cols["band"][rows])):
        sel = rows[cols["band"][rows] == band]
        t, mag, err = cols["time"][sel], cols["mag"][sel], cols["mag_err"][sel]
        ax_t.errorbar(t, mag, yerr=err, color=colours[band], label=band, **style)
        if periodic:
            phase = np.mod((t - epoch) / period, 1.0)
            ax_p.errorbar(
                np.concatenate([phase, phase + 1]), np.tile(mag, 2), yerr=np.tile(err, 2), color=colours[band], **style
            )
    if not periodic:
        ax_p.text(0.5, 0.5, "no valid period or epoch", transform=ax_p.transAxes, ha="center", va="center")
    ax_p.set_xlim(0, 2)
    ax_t.set_title(_title(str(cols["id"][first]), cols, first), loc="left", fontsize=9)
    ax_t.set_xlabel("time (MJD)", fontsize=8)
    ax_p.set_xlabel("phase (two cycles)", fontsize=8)
    ax_t.legend(fontsize=7, title="band", title_fontsize=7, loc="best")
    for ax in (ax_t, ax_p):
        ax.set_ylabel("mag", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.invert_yaxis()


def plot_lightcurves(
    table: Table | pa.Table | str | os.PathLike[str],
    path: str | os.PathLike[str],
    *,
    max_curves: int = 12,
    seed: int = 0,
) -> Path:
    """Draw up to ``max_curves`` light curves of a long-format table to a PNG grid, atomically.

    Args:
        table: long-format table (astropy or pyarrow), or a file :func:`read_table` reads.
        path: output PNG (suffix ``.png``); written to a temporary file and moved into place.
        max_curves: most light curves to draw (>= 1); when the table holds more, that many ids
            are drawn at random with ``seed``, so the same table and seed give the same plot.
        seed: seed of the id selection.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        ValueError: a required column is missing (named), the table is empty, ``max_curves`` < 1
            or ``path`` does not end in ``.png``.
    """
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"path must end in .png, got {str(path)!r}")
    if isinstance(max_curves, bool) or not isinstance(max_curves, (int, np.integer)) or max_curves < 1:
        raise ValueError(f"max_curves must be an integer >= 1, got {max_curves!r}")
    cols = _columns(table)
    ids = np.unique(cols["id"])
    if ids.size == 0:
        raise ValueError("table has no rows to plot")
    if ids.size > max_curves:
        ids = ids[np.sort(np.random.default_rng(seed).choice(ids.size, size=max_curves, replace=False))]
    groups = [np.flatnonzero(cols["id"] == cid) for cid in ids]
    bands = sorted(set(np.concatenate([cols["band"][rows] for rows in groups])))
    palette = matplotlib.color_sequences["tab10"]
    colours = {band: palette[i % len(palette)] for i, band in enumerate(bands)}

    fig = Figure(figsize=(FIG_WIDTH_IN, ROW_HEIGHT_IN * len(ids)), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(ids), 2, squeeze=False)
    for (ax_t, ax_p), rows in zip(axes, groups, strict=True):
        _draw_row(ax_t, ax_p, cols, rows, colours)

    def save(tmp: Path) -> None:
        fig.savefig(tmp, format="png", dpi=DPI)
        os.chmod(tmp, 0o644)  # the temporary file is created 0600; a plot is not secret

    atomic_write(path, save)
    return path
