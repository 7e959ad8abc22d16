"""Light-curve grid plot: PNG size, reproducible choice of curves, folding and refusals."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from matplotlib.figure import Figure

from varsynth.generation import plot
from varsynth.generation.plot import DPI, FIG_WIDTH_IN, ROW_HEIGHT_IN, plot_lightcurves
from varsynth.generation.writers import LONG_SCHEMA, LightCurveWriter, read_table

AMPLITUDE = 0.4
BAND_OFFSET = {"g": 0.0, "r": -0.3}


def sinusoids(n_curves: int = 5, n_epochs: int = 30, seed: int = 0) -> pa.Table:
    """Long table of noiseless sinusoids: mag = 15 + offset(band) + A sin(2 pi (t - epoch) / P)."""
    rng = np.random.default_rng(seed)
    cols: dict[str, list] = {name: [] for name in LONG_SCHEMA.names}
    for k in range(n_curves):
        period, epoch = 0.5 + k, 57000.0 + 0.1 * k
        for band, offset in BAND_OFFSET.items():
            t = np.sort(rng.uniform(58000, 58200, n_epochs))
            mag = 15 + offset + AMPLITUDE * np.sin(2 * np.pi * (t - epoch) / period)
            row = {"id": f"lc{k}", "band": band, "mag_err": 0.01, "vclass": "RRLYR", "subtype": "RRab" if k else "",
                   "teff": 6500.0, "abs_mag": 0.6, "period": period, "epoch": epoch, "distance_modulus": 15.0,
                   "extinction": 0.1, "cadence": "ztf", "extrapolated": False}  # fmt: skip
            for name in LONG_SCHEMA.names:
                cols[name].extend(t if name == "time" else mag if name == "mag" else [row[name]] * n_epochs)
    return pa.Table.from_pydict(cols, schema=LONG_SCHEMA)


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) in pixels from the PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_png_size_and_atomic_write(tmp_path: Path) -> None:
    out = plot_lightcurves(sinusoids(), tmp_path / "grid.png", max_curves=3)
    assert out == tmp_path / "grid.png"
    assert png_size(out) == (FIG_WIDTH_IN * DPI, 3 * ROW_HEIGHT_IN * DPI) == (1000, 750)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.png"]


def test_plot_from_file_and_astropy_table(tmp_path: Path) -> None:
    path = tmp_path / "lc.parquet"
    with LightCurveWriter(path) as writer:
        writer.write(sinusoids(n_curves=2))
    from_arrow = plot_lightcurves(sinusoids(n_curves=2), tmp_path / "a.png")  # fewer than max_curves: all
    from_file = plot_lightcurves(path, tmp_path / "b.png")
    from_astropy = plot_lightcurves(read_table(path), tmp_path / "c.png")
    assert png_size(from_arrow) == (1000, 2 * ROW_HEIGHT_IN * DPI)
    assert from_arrow.read_bytes() == from_file.read_bytes() == from_astropy.read_bytes()


def test_choice_of_curves_is_reproducible(tmp_path: Path) -> None:
    table = sinusoids(n_curves=6, n_epochs=8)
    pngs = [plot_lightcurves(table, tmp_path / f"s{seed}.png", max_curves=2, seed=seed).read_bytes()
            for seed in (0, 0, 1, 2, 3)]  # fmt: skip
    assert pngs[0] == pngs[1]
    assert len(set(pngs)) > 1


def test_folded_panel_is_the_known_sinusoid() -> None:
    table = sinusoids(n_curves=3)
    cols = plot._columns(table)
    rows = np.flatnonzero(cols["id"] == "lc2")
    ax_t, ax_p = Figure().subplots(1, 2)
    plot._draw_row(ax_t, ax_p, cols, rows, {"g": "C0", "r": "C1"})
    assert len(ax_p.lines) == 2  # one data line per band
    for line, offset in zip(ax_p.lines, BAND_OFFSET.values(), strict=True):
        phase, mag = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
        assert phase.size == 60 and phase.min() >= 0 and phase.max() < 2  # two cycles
        np.testing.assert_allclose(mag, 15 + offset + AMPLITUDE * np.sin(2 * np.pi * phase), atol=1e-9)
    assert ax_t.yaxis_inverted() and ax_p.yaxis_inverted()
    assert ax_p.get_xlim() == (0, 2)
    assert [t.get_text() for t in ax_t.get_legend().get_texts()] == ["g", "r"]
    title = ax_t.get_title(loc="left")
    assert "lc2" in title and "RRLYR/RRab" in title and "P = 2.5 d" in title and "Teff = 6500 K" in title


def test_curve_without_period_still_plots(tmp_path: Path) -> None:
    table = sinusoids(n_curves=1)
    table = table.set_column(LONG_SCHEMA.get_field_index("period"), LONG_SCHEMA.field("period"),
                             pa.array(np.full(table.num_rows, np.nan)))  # fmt: skip
    assert png_size(plot_lightcurves(table, tmp_path / "x.png")) == (1000, 250)


def test_refusals(tmp_path: Path) -> None:
    table = sinusoids(n_curves=1)
    with pytest.raises(ValueError, match=r"missing required column\(s\) \['period', 'epoch'\]"):
        plot_lightcurves(table.drop_columns(["period", "epoch"]), tmp_path / "x.png")
    with pytest.raises(ValueError, match="path must end in .png"):
        plot_lightcurves(table, tmp_path / "x.pdf")
    with pytest.raises(ValueError, match="max_curves must be an integer >= 1"):
        plot_lightcurves(table, tmp_path / "x.png", max_curves=0)
    with pytest.raises(ValueError, match="no rows"):
        plot_lightcurves(table.slice(0, 0), tmp_path / "x.png")
    with pytest.raises(TypeError, match="astropy Table, a pyarrow Table or a path"):
        plot_lightcurves([1, 2], tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []
