"""`varsynth infer` reads what the survey readers read, refuses unusable light curves with a
message, and writes strict JSON atomically."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from astropy.table import Table
from conftest import shared_dir
from hypothesis import given, settings
from hypothesis import strategies as st

from varsynth.cli import main
from varsynth.config import ConfigError
from varsynth.inference import InputError, infer, read_observations
from varsynth.inference.observations import MIN_POINTS, check_writable, usable_points
from varsynth.lightcurve import LightCurve
from varsynth.surveys.ogle.layout import TIME_SYSTEM as OGLE_TIME

OGLE_STAR = "OGLE-LMC-CEP-0002"


def _strict_json(path: Path) -> dict:
    def refuse(constant: str) -> None:
        raise AssertionError(f"not strict JSON: {constant}")

    return json.loads(path.read_text(), parse_constant=refuse)


def _infer(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["infer", *args, "--candidates", "40"])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def ogle_file() -> Path:
    return shared_dir("ogle3-lmc-cep") / "phot" / "I" / f"{OGLE_STAR}.dat"


@pytest.mark.shared_data
def test_ogle_dat_file_is_read_as_the_reader_reads_it(ogle_file):
    obs = read_observations(ogle_file)
    expected = np.loadtxt(ogle_file)
    assert obs.format == "text" and not obs.header
    assert obs.columns == {"time": "column 1", "mag": "column 2", "mag_err": "column 3"}
    for got, want in zip((obs.time, obs.mag, obs.mag_err), expected.T):
        np.testing.assert_array_equal(got, want)


@pytest.mark.shared_data
def test_cli_infers_an_ogle_cepheid_and_writes_strict_json(ogle_file, tmp_path, capsys):
    code, out, err = _infer(capsys, str(ogle_file), "--json", str(tmp_path / "sub" / "post.json"))
    assert code == 0, err
    assert "time = column 1, mag = column 2, mag_err = column 3" in out and "most probable class" in out
    result = _strict_json(tmp_path / "sub" / "post.json")
    assert result["input"]["columns"] == {"time": "column 1", "mag": "column 2", "mag_err": "column 3"}
    assert result["input"]["header"] is False and result["points"]["used"] == result["points"]["given"] > 100
    assert result["best_class"] in result["class_probabilities"]
    assert not list((tmp_path / "sub").glob(".post.json*"))  # no temporary file left


def _write_as(fmt: str, data: np.ndarray, folder: Path) -> Path:
    names = ["time", "mag", "mag_err"]
    table = Table(list(data.T), names=names)
    path = (
        folder
        / {
            "csv": "lc.csv",
            "csv-noheader": "lc.txt",
            "ecsv": "lc.ecsv",
            "fits": "lc.fits",
            "parquet": "lc.parquet",
            "whitespace-header": "lc.dat",
            "crts": "crts.csv",
        }[fmt]
    )
    if fmt == "csv":
        table.write(path, format="ascii.csv")
    elif fmt == "csv-noheader":
        np.savetxt(path, data, delimiter=",", fmt="%.6f")
    elif fmt == "whitespace-header":
        path.write_text(
            "# OGLE photometry with a header line\nHJD  MAG  ERR\n"
            + "\n".join(" ".join(f"{v:.6f}" for v in row) for row in data)
            + "\n"
        )
    elif fmt == "crts":
        rows = ['"ID","MJD","mag","magerr","RA","Dec"'] + [f"1,{t:.6f},{m:.6f},{e:.6f},10.5,-2.25" for t, m, e in data]
        path.write_text("\n".join(rows) + "\n")
    elif fmt == "parquet":
        pq.write_table(pa.table({n: data[:, i] for i, n in enumerate(names)}), path)
    else:
        table.write(path, format="ascii.ecsv" if fmt == "ecsv" else "fits")
    return path


@pytest.mark.shared_data
@pytest.mark.parametrize("fmt", ["csv", "csv-noheader", "ecsv", "fits", "parquet", "whitespace-header", "crts"])
def test_every_format_gives_the_same_points(ogle_file, tmp_path, fmt):
    data = np.round(np.loadtxt(ogle_file), 6)
    obs = read_observations(_write_as(fmt, data, tmp_path))
    for got, want in zip((obs.time, obs.mag, obs.mag_err), data.T):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    expected = {
        "crts": ("MJD", "mag", "magerr"),
        "whitespace-header": ("HJD", "MAG", "ERR"),
        "csv-noheader": ("column 1", "column 2", "column 3"),
    }.get(fmt, ("time", "mag", "mag_err"))
    assert tuple(obs.columns.values()) == expected


@pytest.mark.shared_data
def test_real_crts_sdss_and_gaia_files(tmp_path):
    crts = sorted((shared_dir("crts-periodic") / "train").glob("*.csv"))[0]
    obs = read_observations(crts)
    assert obs.columns == {"time": "MJD", "mag": "mag", "mag_err": "magerr"} and obs.time.size > 20
    sdss = sorted((shared_dir("sdss-s82-rrlyrae") / "light-curves").glob("*.csv"))[0]
    g = read_observations(sdss, band="g")
    assert g.columns["band"] == "band" and 0 < g.time.size < g.rows and "band g" in g.notes[0]
    with pytest.raises(
        InputError, match=r"band 'I' is not in column 'band' \(bands there: \['g', 'i', 'r', 'u', 'z'\]"
    ):
        read_observations(sdss, band="I")
    gaia = sorted((shared_dir("gaia-dr3-epoch") / "epoch_photometry").glob("*.parquet"))[0]
    obs = read_observations(gaia)
    assert obs.format == "parquet" and obs.columns == {"time": "time", "mag": "mag", "mag_err": "mag_err"}


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("three rows", f"only 3 of 3 rows .* at least {MIN_POINTS} such rows are needed"),
        ("nan mags", "mag is NaN or infinite in all"),
        ("zero errors", "all .* rows have mag_err <= 0 or NaN"),
        ("negative errors", "all .* rows have mag_err <= 0 or NaN"),
    ],
)
def test_unusable_light_curves_are_refused_with_a_message(ogle_file, tmp_path, capsys, default_model, case, message):
    data = np.loadtxt(ogle_file)
    if case == "three rows":
        data = data[:3]
    elif case == "nan mags":
        data[:, 1] = np.nan
    else:
        data[:, 2] = 0.0 if case == "zero errors" else -0.01
    path = tmp_path / "bad.dat"
    np.savetxt(path, data)
    code, _, err = _infer(capsys, str(path), "--json", str(tmp_path / "p.json"))
    assert code == 2 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and re.search(message, err), err
    assert not (tmp_path / "p.json").exists()
    with pytest.raises(InputError, match=message):  # the Python call refuses them too
        infer(default_model, *data.T, survey="ogle3", band="I", period=3.1)


@pytest.mark.parametrize(
    ("name", "content", "described"),
    [
        ("junk.fits", bytes(range(256)) * 8, "a FITS table"),
        ("junk.parquet", b"PAR1" + bytes(200), "Parquet"),
        ("junk.csv", b"\xff\xfe\x00\x81" * 50, "CSV"),
        ("junk.ecsv", b"# %ECSV 1.0\n# ---\n# garbage: [\n", "ECSV"),
        ("junk.dat", b"", "whitespace- or comma-separated text"),
    ],
)
def test_junk_files_give_one_line(tmp_path, capsys, name, content, described):
    path = tmp_path / name
    path.write_bytes(content)
    code, _, err = _infer(capsys, str(path))
    assert code == 2 and err.startswith(f"varsynth: error: cannot read {path} as {described}: "), err
    assert len(err.strip().splitlines()) == 1


def test_missing_file_and_unknown_columns(tmp_path, capsys):
    code, _, err = _infer(capsys, str(tmp_path / "absent.csv"))
    assert code == 2 and "light curve not found" in err
    path = tmp_path / "lc.csv"
    path.write_text("a,b,c\n1,2,3\n")
    code, _, err = _infer(capsys, str(path))
    assert code == 2 and "no time column found" in err and "--time-column" in err
    code, _, err = _infer(capsys, str(path), "--time-column", "a", "--mag-column", "b", "--err-column", "x")
    assert code == 2 and "no mag_err column 'x'; columns present: ['a', 'b', 'c']" in err


def test_an_unwritable_json_path_is_refused_before_the_work(tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    junk = tmp_path / "junk.fits"
    junk.write_bytes(b"junk")  # unreadable: had the file been read first, that would be the error
    for target, message in ((blocker / "p.json", f"{blocker} is not a folder"), (tmp_path, "it is a folder")):
        code, _, err = _infer(capsys, str(junk), "--json", str(target))
        assert code == 2 and f"cannot write --json {target}: {message}" in err, err
    if Path("/proc/self").is_dir():  # a folder where no file can be created, even by root
        with pytest.raises(InputError, match="cannot write --json /proc/p.json"):
            check_writable("/proc/p.json")
    assert check_writable(tmp_path / "new" / "deeper" / "p.json") and not (tmp_path / "new").exists()


def test_rows_with_nan_or_bad_errors_are_left_out_and_counted(default_model):
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 300, 120))
    mag = 15 + 0.3 * np.sin(2 * np.pi * t / 3.1) + rng.normal(0, 0.01, t.size)
    err = np.full(t.size, 0.01)
    mag[:5], err[5:8], t[8] = np.nan, 0.0, np.inf
    post = infer(
        default_model, t, mag, err, survey="ogle3", band="I", period=3.1, n_candidates=30, classes=("CEP", "RRLYR")
    )
    assert post.points == {"given": 120, "used": 111}
    text = json.dumps(post.to_dict(), allow_nan=False)  # strict: NaN quantiles become null
    assert "NaN" not in text


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(allow_nan=True, allow_infinity=True),
            st.floats(allow_nan=True),
            st.floats(allow_nan=True, allow_infinity=True),
        ),
        max_size=60,
    )
)
def test_usable_points_either_refuses_or_keeps_only_good_rows(rows):
    t, m, e = (np.array([r[i] for r in rows], dtype=np.float64) for i in range(3))
    try:
        keep, used = usable_points(t, m, e)
    except InputError as err:
        assert f"at least {MIN_POINTS}" in str(err)
        return
    assert used == keep.sum() >= MIN_POINTS
    assert np.isfinite(t[keep]).all() and np.isfinite(m[keep]).all() and (e[keep] > 0).all()
    assert np.isfinite(e[keep]).all()


def test_empty_band_fields_are_a_band_of_their_own(tmp_path):
    # Found by the nightly fuzz volume: an empty band field was NaN next to the band names, and
    # sorting the bands present raised TypeError instead of an answer or a one-line InputError.
    path = tmp_path / "lc.csv"
    path.write_text("time,band,mag,mag_err\n1.0,I,15.0,0.01\n2.0,,15.1,0.01\n3.0,I,15.2,0.01\n")
    with pytest.raises(InputError, match=r"band None is not in column 'band' \(bands there: \['', 'I'\]\)"):
        read_observations(path)
    obs = read_observations(path, band="I")
    assert obs.time.tolist() == [1.0, 3.0] and "band I" in obs.notes[0]


def _cepheid(seed: int = 5, n: int = 150) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An OGLE-like light curve: times HJD - 2450000 (days), I magnitudes, errors."""
    rng = np.random.default_rng(seed)
    t = np.round(np.sort(rng.uniform(2000, 4500, n)), 5)
    mag = 15 + 0.3 * np.sin(2 * np.pi * t / 3.1) + 0.1 * np.sin(4 * np.pi * t / 3.1) + rng.normal(0, 0.01, n)
    return t, mag, np.full(n, 0.01)


def test_infer_takes_a_lightcurve_as_it_takes_the_arrays(default_model):
    t, mag, err = _cepheid()
    lc = LightCurve("x", "ogle3", "I", t, mag, err, "").with_time_system(OGLE_TIME)  # time MJD, as read kept
    common = {"n_candidates": 30, "classes": ("CEP", "RRLYR")}
    arrays = infer(default_model, t, mag, err, survey="ogle3", band="I", **common)
    assert infer(default_model, lc, **common).to_dict() == arrays.to_dict()
    # a record's period is used when it has one, as if given
    lc.period = 3.1
    assert (
        infer(default_model, lc, **common).to_dict()
        == infer(default_model, t, mag, err, survey="ogle3", band="I", period=3.1, **common).to_dict()
    )
    with pytest.raises(ConfigError, match="a LightCurve alone"):
        infer(default_model, lc, mag, err)
    with pytest.raises(ConfigError, match="survey and band are needed"):
        infer(default_model, t, mag, err)


def test_a_file_becomes_a_lightcurve_with_its_times_moved_to_mjd(tmp_path):
    t, mag, err = _cepheid(n=30)
    jd = tmp_path / "jd.csv"
    jd.write_text("hjd,mag,mag_err\n" + "".join(f"{a + 2450000:.5f},{b:.4f},{c}\n" for a, b, c in zip(t, mag, err)))
    lc = read_observations(jd).lightcurve("ogle3", "I")
    assert lc.time_system.name == "JD (hjd, a full Julian date)" and lc.time_system.offset_days == -2400000.5
    assert np.array_equal(lc.survey_time(), read_observations(jd).time)  # the values read, bit for bit
    np.testing.assert_allclose(lc.time, t + 49999.5, rtol=0, atol=1e-6)  # MJD
    assert (lc.survey, lc.band, lc.vclass, lc.meta["columns"]["time"]) == ("ogle3", "I", "", "hjd")
    reduced = tmp_path / "reduced.csv"
    reduced.write_text("time,mag,mag_err\n" + "".join(f"{a:.5f},{b:.4f},{c}\n" for a, b, c in zip(t, mag, err)))
    kept = read_observations(reduced).lightcurve("ogle3", "I")
    assert kept.time_system.name == "as read (time)" and kept.time_system.offset_days == 0.0
    assert np.array_equal(kept.time, read_observations(reduced).time)
