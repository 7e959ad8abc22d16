"""The light-curve record: times on the MJD zero point with the survey's system kept, folding,
binning, astropy / pandas conversions and plots, with known answers."""

from __future__ import annotations

import math

import astropy.units as u
import matplotlib
import numpy as np
import pytest
from astropy.table import Table
from astropy.time import Time

from varsynth.config import CleanConfig
from varsynth.data.samples import clean_lightcurve
from varsynth.lightcurve import MJD, LightCurve, PhysParam, TimeSystem
from varsynth.surveys.gaia_dr3 import TIME_SYSTEM as GAIA
from varsynth.surveys.ogle.layout import TIME_SYSTEM as OGLE

matplotlib.use("Agg")


def _ogle(time: list[float] | np.ndarray, period: float = 2.0) -> LightCurve:
    n = len(time)
    mag = 15.0 + 0.3 * np.sin(2 * np.pi * np.asarray(time) / period)
    return LightCurve("OGLE-1", "ogle3", "I", time, mag, np.full(n, 0.01), "CEP", "F", period).with_time_system(OGLE)


def test_ogle_time_moves_to_mjd_and_back_exactly() -> None:
    lc = _ogle([5000.0, 5000.25, 5001.5])
    assert lc.time.tolist() == [54999.5, 54999.75, 55001.0]  # HJD-2450000 + 49999.5
    assert lc.survey_time().tolist() == [5000.0, 5000.25, 5001.5]
    assert OGLE.from_mjd(lc.time).tolist() == [5000.0, 5000.25, 5001.5]  # time - offset: exact here
    assert (lc.time_system.name, lc.time_system.offset_days, lc.time_system.scale) == ("HJD-2450000", 49999.5, "utc")
    # Gaia DR3: BJD - 2455197.5 = MJD - 55197 (JD - MJD = 2400000.5)
    assert GAIA.to_mjd(np.array([1700.0])).tolist() == [56897.0] and GAIA.scale == "tcb"


def test_times_as_read_are_kept_bit_for_bit() -> None:
    read = np.array([2085.70551, 3123.83337, 4612.12349])  # OGLE-like values, 5 decimals
    lc = _ogle(read)
    assert lc.survey_time() is lc.original_time and np.array_equal(lc.survey_time(), read)
    assert np.abs((lc.time - OGLE.offset_days) - read).max() < 1e-11  # the MJD form alone: one rounding
    with pytest.raises(ValueError, match="already moved"):
        lc.with_time_system(OGLE)
    with pytest.raises(ValueError, match="original_time must be the times as read"):
        LightCurve("x", "ogle3", "I", lc.time + 1, lc.mag, lc.mag_err, "CEP", time_system=OGLE, original_time=read)


def test_mjd_records_keep_one_array() -> None:
    lc = LightCurve("1", "crts", "V", [53000.5, 53001.5], [15, 15.1], [0.1, 0.1], "RRLYR")
    assert lc.time_system == MJD and lc.original_time is None and lc.survey_time() is lc.time
    assert lc.with_time_system(TimeSystem("HJD-2400000.5")).original_time is None


def test_the_build_folds_on_the_times_as_read() -> None:
    """The dataset's phases and epoch are those of the survey's own times, whatever the offset."""
    rng = np.random.default_rng(4)
    t = np.sort(rng.uniform(2000, 4500, 300)) + rng.uniform(0, 1e-5, 300)
    period = 3.217
    mag = 15 + 0.4 * np.sin(2 * np.pi * t / period) + rng.normal(0, 0.01, t.size)
    err = np.full(t.size, 0.01)
    as_read = LightCurve("s", "ogle3", "I", t, mag, err, "CEP", "F", period)  # as the reader built it before
    moved = LightCurve("s", "ogle3", "I", t, mag, err, "CEP", "F", period).with_time_system(OGLE)
    a, b = clean_lightcurve(as_read, CleanConfig()), clean_lightcurve(moved, CleanConfig())
    assert not isinstance(a, str) and not isinstance(b, str)
    assert np.array_equal(a.phase, b.phase) and a.epoch == b.epoch and 2000 < b.epoch < 4500


def test_fold_gives_known_phases_and_honours_the_epoch() -> None:
    period = 2.0
    t = 55000.0 + np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.5, 10.25])
    lc = LightCurve("1", "crts", "V", t, np.ones(t.size), np.full(t.size, 0.1), "RRLYR", period=period)
    np.testing.assert_allclose(lc.fold(), [0.0, 0.25, 0.5, 0.75, 0.0, 0.75, 0.125])  # epoch: first time
    np.testing.assert_allclose(lc.fold(epoch=55000.5), [0.75, 0.0, 0.25, 0.5, 0.75, 0.5, 0.875])
    np.testing.assert_allclose(lc.fold(period=4.0), [0.0, 0.125, 0.25, 0.375, 0.5, 0.875, 0.5625])
    # a time a hair before the epoch, where (t - epoch) / P mod 1 rounds to 1.0, folds to 0.0
    before = np.nextafter(55000.0, 0.0)
    assert np.mod((before - 55000.0) / 1e6, 1.0) == 1.0
    hair = LightCurve("1", "crts", "V", [before, 55000.0], [1.0, 1.0], [0.1, 0.1], "RRLYR", period=1e6)
    assert hair.fold(epoch=55000.0).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="period > 0"):
        LightCurve("1", "crts", "V", t, np.ones(t.size), np.full(t.size, 0.1), "RRLYR").fold()
    with pytest.raises(ValueError, match="period must be a finite number of days > 0"):
        lc.fold(period=-1.0)


def test_fold_agrees_with_astropy_timeseries_fold() -> None:
    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(55000, 56000, 200))
    lc = LightCurve("1", "crts", "V", t, np.ones(t.size), np.full(t.size, 0.1), "RRLYR", period=0.6137)
    folded = lc.to_timeseries().fold(0.6137 * u.day, Time(55003.3, format="mjd"), wrap_phase=1, normalize_phase=True)
    theirs = np.sort(np.mod(folded.time.value, 1.0))
    np.testing.assert_allclose(np.sort(lc.fold(epoch=55003.3)), theirs, atol=1e-9)


def test_bin_weighted_means_known_answer() -> None:
    # phases 0.1, 0.2 (bin 0 of 2) and 0.6, 0.7, 0.9 (bin 1): period 1, epoch 0
    t = np.array([0.1, 0.2, 0.6, 0.7, 0.9]) + 55000.0
    mag = np.array([10.0, 12.0, 20.0, 21.0, 22.0])
    err = np.array([1.0, 2.0, 1.0, 1.0, 0.5])
    lc = LightCurve("1", "crts", "V", t, mag, err, "RRLYR", period=1.0)
    b = lc.bin(2, epoch=55000.0)
    assert b.kind == "phase" and b.n.tolist() == [2, 3]
    np.testing.assert_allclose(b.x, [0.25, 0.75])
    # weights 1, 1/4 -> (10 + 12/4) / 1.25 = 10.4; error 1/sqrt(1.25). Weights 1, 1, 4 -> (20 + 21 + 88)/6
    np.testing.assert_allclose(b.mag, [10.4, 129.0 / 6.0])
    np.testing.assert_allclose(b.mag_err, [1.25**-0.5, 6.0**-0.5])
    # width 0.25: bins [0, .25), [.5, .75), [.75, 1]; the empty one is left out
    w = lc.bin(width=0.25, epoch=55000.0)
    assert w.n.tolist() == [2, 2, 1] and w.edges.tolist() == [[0.0, 0.25], [0.5, 0.75], [0.75, 1.0]]
    np.testing.assert_allclose(w.mag, [10.4, 20.5, 22.0])
    # in time: two bins of 0.4 d from the first observation
    tb = lc.bin(2, folded=False)
    assert tb.kind == "time" and tb.n.tolist() == [2, 3]
    np.testing.assert_allclose(tb.edges, [[55000.1, 55000.5], [55000.5, 55000.9]])
    one = lc.bin(width=10.0, folded=False)
    assert one.n.tolist() == [5]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "exactly one of n_bins"),
        ({"n_bins": 2, "width": 0.1}, "exactly one of n_bins"),
        ({"n_bins": 0}, "n_bins must be an integer >= 1"),
        ({"n_bins": 2.5}, "n_bins must be an integer >= 1"),
        ({"width": 0.0}, "width must be a finite number > 0"),
        ({"width": math.nan}, "width must be a finite number > 0"),
    ],
)
def test_bin_refusals(kwargs: dict, message: str) -> None:
    lc = LightCurve("1", "crts", "V", [55000.0, 55000.3], [15.0, 15.1], [0.1, 0.1], "RRLYR", period=1.0)
    with pytest.raises(ValueError, match=message):
        lc.bin(**kwargs)


def test_tables_carry_units_and_labels_and_round_trip() -> None:
    lc = _ogle([5000.0, 5000.7, 5002.2, 5003.9])
    lc.meta["ra"] = 80.5
    lc.physics["teff"] = PhysParam(6000.0, 150.0, "gaia", "DR2")
    table = lc.to_table()
    assert isinstance(table, Table) and table.colnames == ["time", "mag", "mag_err"]
    assert (str(table["time"].unit), str(table["mag"].unit), str(table["mag_err"].unit)) == ("d", "mag", "mag")
    assert table.meta["time_system"] == "HJD-2450000" and table.meta["time_offset_days"] == 49999.5
    assert table["time"][0] == 54999.5 and table.meta["meta"] == {"ra": 80.5} and table.meta["period"] == 2.0
    frame = lc.to_pandas()
    assert list(frame.columns) == ["time", "mag", "mag_err"] and frame["time"].iloc[0] == 54999.5
    assert frame.attrs["star_id"] == "OGLE-1" and frame.attrs["time_scale"] == "utc"
    for source in (table, frame):
        back = LightCurve.from_table(source)
        assert np.array_equal(back.time, lc.time) and np.array_equal(back.mag, lc.mag)
        assert back.time_system == lc.time_system and back.physics == lc.physics and back.subtype == "F"
        np.testing.assert_allclose(back.survey_time(), lc.survey_time(), rtol=0, atol=1e-11)  # time - offset


def test_timeseries_round_trip_is_exact() -> None:
    rng = np.random.default_rng(2)
    read = np.sort(rng.uniform(1600, 2900, 100))
    lc = LightCurve("g", "gaia-dr3", "G", read, rng.normal(15, 0.1, 100), np.full(100, 0.01), "RRLYR", period=0.55)
    lc = lc.with_time_system(GAIA)
    ts = lc.to_timeseries()
    assert ts.time.format == "mjd" and ts.time.scale == "tcb" and ts["mag"].unit == u.mag
    assert np.array_equal(ts.time.mjd, lc.time)
    back = LightCurve.from_table(ts)
    assert np.array_equal(back.time, lc.time) and np.array_equal(back.mag_err, lc.mag_err)
    assert back.time_system == GAIA and back.key == "gaia-dr3:g" and back.period == 0.55


def test_from_table_refuses_what_it_cannot_build() -> None:
    with pytest.raises(ValueError, match="missing \\['mag_err'\\]"):
        LightCurve.from_table(Table({"time": [1.0], "mag": [2.0]}))
    with pytest.raises(ValueError, match="label\\(s\\) \\['vclass'\\]"):
        LightCurve.from_table(Table({"time": [1.0], "mag": [2.0], "mag_err": [0.1]}), star_id="a", survey="s", band="V")
    plain = Table({"time": [55000.0], "mag": [2.0], "mag_err": [0.1]})
    built = LightCurve.from_table(plain, star_id="a", survey="crts", band="V", vclass="")
    assert built.time_system == MJD and built.vclass == ""


def test_plot_returns_axes_with_the_points() -> None:
    from matplotlib.figure import Figure

    lc = _ogle(list(np.linspace(5000.0, 5010.0, 37)))
    ax = Figure().subplots()
    assert lc.plot(ax) is ax
    x, y = ax.containers[0].lines[0].get_data()
    np.testing.assert_allclose(x, lc.fold())
    np.testing.assert_array_equal(y, lc.mag)
    assert ax.yaxis_inverted() and ax.get_xlabel() == "phase" and ax.get_title() == "ogle3:OGLE-1 CEP, P = 2 d"
    assert lc.plot(Figure().subplots(), period=4.0).get_title().endswith("P = 4 d")
    unfolded = lc.plot(Figure().subplots(), folded=False)
    np.testing.assert_array_equal(unfolded.containers[0].lines[0].get_data()[0], lc.time)
    assert "MJD" in unfolded.get_xlabel()
    new = lc.plot()  # a pyplot figure of its own
    assert len(new.containers[0].lines[0].get_data()[0]) == 37
    import matplotlib.pyplot as plt

    plt.close(new.figure)


def test_unknown_class_is_empty_string_only() -> None:
    assert LightCurve("1", "crts", "V", [1.0], [1.0], [0.1], "").vclass == ""
    with pytest.raises(ValueError, match="is not one of"):
        LightCurve("1", "crts", "V", [1.0], [1.0], [0.1], "XYZ")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": " "}, "non-empty"),
        ({"name": "X", "offset_days": math.inf}, "offset_days must be a finite"),
        ({"name": "X", "scale": "gps"}, "scale must be one of"),
    ],
)
def test_time_system_refusals(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TimeSystem(**kwargs)


def test_fourier_design_is_the_series_and_its_slope():
    from varsynth.lightcurve.folding import fourier_design

    phase = np.array([0.0, 0.125, 0.25, 0.5, 1.25, -0.25])
    coef = np.array([1.0, 2.0, 3.0, 4.0, 5.0])  # 1 + 2 cos 2pi x + 3 cos 4pi x + 4 sin 2pi x + 5 sin 4pi x
    x = 2 * np.pi * phase
    series = 1 + 2 * np.cos(x) + 3 * np.cos(2 * x) + 4 * np.sin(x) + 5 * np.sin(2 * x)
    slope = 2 * np.pi * (-2 * np.sin(x) - 6 * np.sin(2 * x) + 4 * np.cos(x) + 10 * np.cos(2 * x))
    assert fourier_design(phase, 2).shape == (6, 5)
    np.testing.assert_allclose(fourier_design(phase, 2) @ coef, series, atol=1e-12)
    np.testing.assert_allclose(fourier_design(phase, 2, derivative=True) @ coef, slope, atol=1e-9)
