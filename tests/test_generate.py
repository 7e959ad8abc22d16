"""Generation with the embedded default model: real units, periods, seeds, cadences, guards, files."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from astropy.table import Table
from astropy.timeseries import LombScargle, TimeSeries

import varsynth
from varsynth.cli import main
from varsynth.config import ConfigError
from varsynth.generation import ExtrapolationError, StarRequest, generate_table, iter_generate, load_model
from varsynth.generation.writers import read_table


@pytest.fixture(scope="module")
def model():
    return load_model("default")


def test_single_light_curve_is_a_timeseries_in_real_units(model):
    ts = varsynth.generate("RRLYR", period=0.55, model=model, seed=1, cadence="ogle3")
    assert isinstance(ts, TimeSeries)
    assert ts.time.format == "mjd" and 51800 < ts.time.mjd.min() < ts.time.mjd.max() < 55200  # OGLE-III years
    assert str(ts["mag"].unit) == "mag" and set(ts["band"]) <= {"I", "V"}
    mag, err = np.asarray(ts["mag"]), np.asarray(ts["mag_err"])
    assert np.all(np.isfinite(mag)) and np.all(err > 0)
    # an LMC RR Lyrae (M_G ~ 0.6, mu = 18.48) has a mean I magnitude near 18.5-19.5
    assert 17.5 < np.median(mag[np.asarray(ts["band"]) == "I"]) < 20.0
    assert 0.05 < np.ptp(mag) < 3.0
    assert ts.meta["period"] == pytest.approx(0.55) and ts.meta["vclass"] == "RRLYR"


def test_long_table_columns_and_physics_alongside(model):
    tab = generate_table(StarRequest("CEP", period=5.0, teff=5800), n=3, cadence="ztf", model=model, seed=2)
    for column in ("id", "time", "band", "mag", "mag_err", "vclass", "teff", "abs_mag", "period", "epoch"):
        assert column in tab.colnames
    assert len(set(tab["id"])) == 3 and set(tab["band"]) == {"g", "r"}
    assert np.allclose(tab["period"], 5.0) and np.allclose(tab["teff"], 5800.0)
    # drawn M_G of a 5-day LMC Cepheid lies on the bright side (period-luminosity)
    assert np.all(np.asarray(tab["abs_mag"]) < -1.0)


def test_requested_period_is_recovered_at_ogle_cadence(model):
    periods = {"RRLYR": [0.35, 0.48, 0.55, 0.62, 0.71], "CEP": [2.1, 3.3, 4.7, 7.5, 12.0]}
    hits, total = 0, 0
    for vclass, values in periods.items():
        for k, period in enumerate(values):
            tab = generate_table(
                StarRequest(vclass, period=period), n=1, cadence="ogle3", model=model, seed=k, bands=("I",)
            )
            t, m, e = (np.asarray(tab[c], dtype=float) for c in ("time", "mag", "mag_err"))
            freq, power = LombScargle(t, m, e).autopower(
                minimum_frequency=1 / 30, maximum_frequency=4, samples_per_peak=10
            )
            best = 1 / freq[np.argmax(power)]
            hits += abs(best - period) / period < 0.01
            total += 1
    assert hits >= 9, f"{hits}/{total} periods recovered within 1%"


def test_seed_reproduces_exactly_and_differs_otherwise(model):
    kw = {"n": 5, "cadence": "lsst-wfd", "model": model}
    a = generate_table(StarRequest("RRLYR"), seed=7, **kw)
    b = generate_table(StarRequest("RRLYR"), seed=7, **kw)
    c = generate_table(StarRequest("RRLYR"), seed=8, **kw)
    assert a.colnames == b.colnames and all(np.array_equal(a[k], b[k]) for k in a.colnames)
    assert len(a) != len(c) or not np.array_equal(a["mag"], c["mag"])


def test_extrapolation_guard(model):
    with pytest.raises(ExtrapolationError, match=r"period 30 days is outside the RRLYR training range"):
        generate_table(StarRequest("RRLYR", period=30.0), model=model)
    with pytest.raises(ExtrapolationError, match="teff 2e\\+04 K"):
        generate_table(StarRequest("RRLYR", teff=20000.0), model=model)
    flagged = generate_table(StarRequest("RRLYR", period=30.0), model=model, allow_extrapolation=True, cadence="gaia")
    assert np.all(flagged["extrapolated"])
    with pytest.raises(ExtrapolationError, match=r"bands \['y'\] lie outside the trained wavelength range"):
        generate_table(StarRequest("RRLYR"), model=model, cadence="lsst-wfd", bands=("y",))
    default = generate_table(StarRequest("RRLYR"), model=model, cadence="lsst-wfd", n=3)
    assert "y" not in set(default["band"]) and not np.any(default["extrapolated"])
    with pytest.raises(ConfigError, match=r"period must be in \(0, 1e\+05\] days"):
        StarRequest("RRLYR", period=-1.0)
    with pytest.raises(ConfigError, match="class must be one of"):
        StarRequest("MIRA")


def make_opsim(path, n_visits: int = 400) -> None:
    """A small database with the OpSim ``observations`` schema: two fields, ugrizy visits."""
    rng = np.random.default_rng(0)
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE observations (observationId INTEGER PRIMARY KEY, fieldRA REAL, fieldDec REAL, "
        "observationStartMJD REAL, filter TEXT, fiveSigmaDepth REAL, seeingFwhmEff REAL, night INTEGER)"
    )
    mjd = np.sort(60980 + rng.uniform(0, 3650, n_visits))
    rows = [
        (
            i,
            10.0 if i % 2 else 200.0,
            -30.0 if i % 2 else 10.0,
            float(mjd[i]),
            "ugrizy"[i % 6],
            float(23.5 + rng.normal(0, 0.3)),
            0.8,
            int(mjd[i] - 60980),
        )
        for i in range(n_visits)
    ]
    con.executemany("INSERT INTO observations VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()


def test_opsim_and_file_cadences(model, tmp_path):
    db = tmp_path / "opsim.db"
    make_opsim(db)
    tab = generate_table(
        StarRequest("RRLYR"),
        n=2,
        cadence="opsim",
        cadence_options={"path": str(db), "ra": 10.0, "dec": -30.0},
        model=model,
        seed=0,
    )
    con = sqlite3.connect(db)
    expected = con.execute(
        "SELECT observationStartMJD FROM observations WHERE fieldRA = 10.0 AND filter != 'y'"
    ).fetchall()
    con.close()
    one = tab[tab["id"] == tab["id"][0]]
    assert np.allclose(np.sort(one["time"]), np.sort([r[0] for r in expected]))
    times = tmp_path / "times.csv"
    Table({"mjd": [59000.0, 59001.5, 59003.25, 59010.0], "band": ["I", "V", "I", "I"]}).write(times)
    tab = generate_table(
        StarRequest("CEP"),
        n=2,
        cadence="file",
        cadence_options={"path": str(times), "survey": "ogle3"},
        model=model,
        seed=0,
    )
    assert len(tab) == 8 and list(tab["time"][:4]) == [59000.0, 59001.5, 59003.25, 59010.0]


def test_cli_streams_many_light_curves_and_plots(tmp_path, capsys):
    out, png = tmp_path / "rr.parquet", tmp_path / "rr.png"
    code = main(
        [
            "generate",
            "--class",
            "RRLYR",
            "--period",
            "0.55",
            "--cadence",
            "uniform",
            "--cadence-option",
            "n_epochs=20",
            "-n",
            "5000",
            "--chunk-size",
            "1000",
            "--seed",
            "1",
            "-o",
            str(out),
            "--plot",
            str(png),
            "--no-progress",
        ]
    )
    assert code == 0 and "5000 stars" in capsys.readouterr().out
    written = pq.read_table(out)
    assert written.num_rows == 5000 * 20 and len(set(written["id"].to_pylist())) == 5000
    assert png.stat().st_size > 10_000
    first = next(
        iter_generate(
            StarRequest("RRLYR", period=0.55),
            n=5000,
            cadence="uniform",
            cadence_options={"n_epochs": 20},
            model="default",
            seed=1,
            chunk_size=1000,
        )
    )
    assert first.num_rows == 1000 * 20  # chunks of 1000 stars were streamed into the file, in order
    assert np.array_equal(written["mag"].to_numpy()[: first.num_rows], first["mag"].to_numpy())


@pytest.mark.parametrize("suffix", [".csv", ".ecsv", ".fits", ".h5"])
def test_training_set_is_balanced_in_every_format(tmp_path, suffix):
    out = tmp_path / f"train{suffix}"
    code = main(
        [
            "training-set",
            "--per-class",
            "4",
            "--classes",
            "RRLYR",
            "CEP",
            "ECL",
            "--cadence",
            "gaia",
            "-o",
            str(out),
            "--no-progress",
        ]
    )
    assert code == 0
    tab = read_table(out)
    per_class = {c: len(set(tab["id"][tab["vclass"] == c])) for c in ("RRLYR", "CEP", "ECL")}
    assert per_class == {"RRLYR": 4, "CEP": 4, "ECL": 4}


def test_cli_h5_output_is_read_by_plain_astropy_and_equals_the_parquet_output(tmp_path, capsys):
    """``varsynth generate -o x.h5`` then ``Table.read("x.h5")`` with no arguments: the same
    columns, units, values and settings as the Parquet output of the same seed."""
    args = [
        "generate",
        "--class",
        "RRLYR",
        "--period",
        "0.55",
        "--cadence",
        "ztf",
        "-n",
        "7",
        "--seed",
        "1",
        "--no-progress",
        "-o",
    ]
    assert main([*args, str(tmp_path / "x.h5")]) == 0 and main([*args, str(tmp_path / "x.parquet")]) == 0
    got, want = Table.read(tmp_path / "x.h5"), read_table(tmp_path / "x.parquet")
    assert got.colnames == want.colnames and len(got) == len(want) > 7
    assert got.meta == want.meta and got.meta["seed"] == 1
    for name in want.colnames:
        assert got[name].unit == want[name].unit and got[name].description == want[name].description, name
        if want[name].dtype.kind == "U":
            assert got[name].dtype.kind == "S" and np.char.decode(got[name], "utf-8").tolist() == want[name].tolist()
        else:
            assert got[name].dtype == want[name].dtype and np.array_equal(got[name], want[name], equal_nan=True), name


def test_cli_refuses_out_of_range_physics(tmp_path, capsys):
    code = main(["generate", "--class", "RRLYR", "--period", "30", "-o", str(tmp_path / "x.parquet")])
    assert code == 2 and "--allow-extrapolation" in capsys.readouterr().err
    assert not (tmp_path / "x.parquet").exists()


def test_stars_without_epochs_are_left_out_and_a_lone_one_is_refused(model):
    from varsynth.cadences import Cadence, Epochs, get_cadence

    uniform = get_cadence("uniform", n_epochs=30)

    class SometimesEmpty(Cadence):
        name, survey, bands, error_model = "sometimes-empty", "ogle3", ("I",), None

        def __init__(self, empty_every: int) -> None:
            self.calls, self.every = 0, empty_every

        def draw(self, rng):
            self.calls += 1
            if self.calls % self.every == 0:
                return Epochs(np.zeros(0), np.zeros(0, dtype=str), np.zeros(0))
            return uniform.draw(rng)

    tab = generate_table(StarRequest("RRLYR"), n=4, cadence=SometimesEmpty(2), model=model, seed=0)
    assert len(set(tab["id"])) == 2 and len(tab) == 60
    with pytest.raises(ConfigError, match="got no epochs"):
        varsynth.generate("RRLYR", cadence=SometimesEmpty(1), model=model)


def test_cadence_option_values_are_typed():
    from varsynth.cli import _option_value

    assert _option_value("true") is True and _option_value("False") is False
    assert _option_value("300") == 300 and isinstance(_option_value("300"), int)
    assert _option_value("1e3") == 1000.0 and _option_value("0.5") == 0.5
    assert _option_value("I") == "I"


def test_a_table_of_several_chunks_holds_every_star_of_each(model):
    # chunks of 2 stars: 2 + 1, every star's light curve in the table, in id order
    tab = generate_table(
        StarRequest("RRLYR", period=0.55),
        n=3,
        chunk_size=2,
        cadence="uniform",
        cadence_options={"n_epochs": 20},
        model=model,
        seed=3,
    )
    assert list(tab["id"]) == [f"RRLYR-3-{k:07d}" for k in range(3) for _ in range(20)]


def test_a_phase_grid_cadence_is_scaled_by_each_stars_period(model):
    from varsynth.cadences.simple import PhaseGridCadence

    grid = PhaseGridCadence(n_phases=8, bands=("g",))
    tab = generate_table(
        StarRequest("RRLYR", period=0.5, epoch=0.0), n=1, cadence=grid, model=model, seed=1, noise=False
    )
    np.testing.assert_allclose(tab["time"], np.arange(8) / 8 * 0.5, atol=1e-9)  # days k * period / 8


def test_non_finite_model_output_is_refused_naming_the_star_and_the_count():
    from varsynth.generation.engine import _refuse_non_finite
    from varsynth.generation.writers import NonFiniteOutputError

    _refuse_non_finite(np.array([1.0, 2.0]), np.array([0, 1]), "magnitude", "X-", 0)  # all finite: no error
    values, star = np.array([1.0, np.nan, 2.0, np.inf]), np.array([0, 1, 1, 2])
    with pytest.raises(
        NonFiniteOutputError,
        match=r"light curve 'X-0000006': the model gave a magnitude that is "
        r"not a finite number \(2 of 4 epochs of this chunk\)",
    ):
        _refuse_non_finite(values, star, "magnitude", "X-", 5)


def test_the_plot_shows_the_first_chunk_with_the_runs_seed(model, tmp_path, monkeypatch):
    import sys
    import types

    from varsynth.generation.output import _write

    chunks = list(
        iter_generate(
            StarRequest("RRLYR", period=0.55),
            n=2,
            chunk_size=1,
            cadence="uniform",
            cadence_options={"n_epochs": 20},
            model=model,
            seed=2,
        )
    )
    calls = []
    plot_module = types.ModuleType("varsynth.generation.plot")  # records the call; no matplotlib import
    plot_module.plot_lightcurves = lambda table, path, *, seed: calls.append((table, seed)) or Path(path)
    monkeypatch.setitem(sys.modules, "varsynth.generation.plot", plot_module)
    report = _write(tmp_path / "lc.parquet", chunks, {"seed": 7}, None, tmp_path / "lc.png")
    assert report["plot"] == str(tmp_path / "lc.png") and report["stars"] == 2
    assert len(calls) == 1 and calls[0][0] is chunks[0] and calls[0][1] == 7
    assert _write(tmp_path / "none.parquet", chunks, {"seed": 7}, None, None)["plot"] is None and len(calls) == 1


def test_generation_checks_name_what_to_give_and_pass_what_is_fine(caplog):
    """check_generation against a catalog whose CEPs have no M_G, trained at 700-900 nm (no model load)."""
    from types import SimpleNamespace

    from varsynth.cadences import get_cadence
    from varsynth.generation.engine import check_generation
    from varsynth.latent.catalog import PhysicsCatalog

    n = 3
    phys = np.column_stack([np.full(n, np.log10(6000.0)), np.full(n, np.nan), np.log10([3.0, 5.0, 9.0])])
    catalog = PhysicsCatalog(
        vclass=np.full(n, "CEP", dtype=object),
        subtype=np.full(n, "", dtype=object),
        phys=phys,
        wave_eff=np.array([700.0, 800.0, 900.0]),
    )
    model, ogle = SimpleNamespace(catalog=catalog), get_cadence("ogle3")  # I 806 nm inside, V 551 nm outside
    with pytest.raises(
        ConfigError, match="a distance modulus alone cannot set their brightness: give abs_mag or mean_mag too"
    ):
        check_generation(model, StarRequest("CEP", distance_modulus=18.0), ogle)
    with pytest.raises(
        ConfigError,
        match=r"CEP training stars have no absolute magnitudes \(no distances\): give "
        r"abs_mag \(--abs-mag\) or mean_mag \(--mean-mag\), or fallback_mean_mag",
    ):
        check_generation(model, StarRequest("CEP"), ogle)
    assert check_generation(model, StarRequest("CEP"), ogle, fallback_mean_mag=(15.0, 16.0)) is False
    bright = StarRequest("CEP", mean_mag=15.0)
    assert check_generation(model, bright, ogle, bands=("I",)) is False  # a band inside the range passes
    with pytest.raises(ConfigError, match=r"bands \['g'\] are not observed by cadence 'ogle3'; valid: \['I', 'V'\]"):
        check_generation(model, bright, ogle, bands=("I", "g"))
    with pytest.raises(
        ExtrapolationError, match=r"bands \['V'\] lie outside the trained wavelength range \[700, 900\]"
    ):
        check_generation(model, bright, ogle, bands=("V",))
    assert check_generation(model, bright, ogle, bands=("V",), allow_extrapolation=True) is False
    # without bands, a cadence band outside the range is left out with a warning naming it, and only then
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="varsynth.generation.engine"):
        check_generation(model, bright, get_cadence("uniform", band="I"))
        check_generation(model, bright, ogle, allow_extrapolation=True)
        assert caplog.text == ""
        check_generation(model, bright, ogle)
    assert "cadence ogle3: bands ['V'] lie outside the trained wavelength range and are left out" in caplog.text


def test_a_band_outside_the_class_own_wavelengths_warns_naming_it(model, caplog):
    """Inside the trained range but outside the class's own training light curves: generated, with a warning."""
    from varsynth.cadences import get_cadence
    from varsynth.generation.engine import check_generation, class_wavelength_gaps

    ogle = get_cadence("ogle3")
    lo, hi = model.catalog.wave_range("LPV")
    assert hi < 806 < model.catalog.wave_range()[1]  # no LPV light curve as red as OGLE-III I (806 nm)
    assert model.catalog.wave_range("CEP")[1] >= 806  # OGLE-III I-band Cepheids are in the training data
    assert class_wavelength_gaps(model, "LPV", "ogle3", ("I", "V")) == ["I"]
    assert class_wavelength_gaps(model, "CEP", "ogle3", ("I", "V")) == []
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="varsynth.generation.engine"):
        check_generation(model, StarRequest("CEP"), ogle, bands=("I",))
        assert caplog.text == ""
        assert check_generation(model, StarRequest("LPV"), ogle, bands=("I",)) is False  # not refused, not flagged
    # the embedded model's LPVs in I draw near 27 training Miras whose OGLE-III catalog I-band
    # amplitude is known: the warning says where their amplitudes come from
    assert (
        f"class LPV: band I lies outside the wavelengths of its training light curves ({lo:.0f}-{hi:.0f} nm); "
        "its shapes are extrapolated from other classes, its amplitudes follow the OGLE-III catalog "
        "amplitudes in that band of 27 training stars"
    ) in caplog.text
    assert "extrapolated from other classes (see" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="varsynth.generation.engine"):
        check_generation(model, StarRequest("LPV"), get_cadence("lsst-wfd"), bands=("z",))  # no catalog amplitude there
    assert (
        f"class LPV: bands ['z'] lie outside the wavelengths of its training light curves ({lo:.0f}-{hi:.0f} nm); "
        "their shapes and amplitudes are extrapolated from other classes"
    ) in caplog.text
