"""Property-based tests of every file reader: real formats, damaged (see tests/fuzzing.py).

For each input a reader either returns a valid result (the invariants its docstring states:
equal lengths, finite values, sorted times, unique IDs, ...) or raises its documented error
(:class:`~varsynth.surveys.skips.ReaderError` for the survey readers, ``ValueError`` /
``FileNotFoundError`` for the cadence file, :class:`~varsynth.inference.observations.InputError`
for ``varsynth infer``). Any other exception fails the test. Lines a survey reader leaves out are
counted, never dropped silently.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from astropy.table import Table
from fuzzing import (
    compressed,
    damaged_bytes,
    delimited_file,
    fuzz_settings,
    integers,
    numbers,
)
from hypothesis import given
from hypothesis import strategies as st

from varsynth.cadences.base import Epochs
from varsynth.cadences.files import read_epochs
from varsynth.inference.observations import MIN_POINTS, InputError, read_observations, usable_points
from varsynth.surveys import asas, catalina_sss, crts, eros, gaia_dr2, gaia_dr3, ogle, sdss
from varsynth.surveys.skips import ReaderError, SkipLog

pytestmark = pytest.mark.fuzz


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder the examples of one module write their files into (overwritten per example)."""
    return tmp_path_factory.mktemp("fuzz")


def assert_points(time: np.ndarray, mag: np.ndarray, err: np.ndarray, *, cleaned: bool) -> None:
    """Equal-length 1-D float64 arrays; cleaned: finite, error > 0, strictly increasing times."""
    for array in (time, mag, err):
        assert isinstance(array, np.ndarray) and array.dtype == np.float64 and array.ndim == 1
    assert time.size == mag.size == err.size
    if cleaned:
        assert np.isfinite(time).all() and np.isfinite(mag).all() and np.isfinite(err).all()
        assert (err > 0).all()
        assert (np.diff(time) > 0).all()


def nonblank_lines(data: bytes) -> int | None:
    """Lines with a token, as the readers split UTF-8 text; None when not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return sum(1 for line in text.splitlines() if line.split())


# --- OGLE-III -------------------------------------------------------------------------------

OGLE_PHOT_ROW = st.lists(
    st.tuples(numbers(1000, 6000), numbers(10, 22), numbers(0.001, 0.5)).map(list), min_size=1, max_size=1
).map(lambda r: r[0])
OGLE_PHOT = delimited_file(OGLE_PHOT_ROW, header=None, sep=" ")


@given(data=OGLE_PHOT)
@fuzz_settings()
def test_ogle_photometry(work: Path, data: bytes) -> None:
    path = work / "OGLE-LMC-CEP-0001.dat"
    path.write_bytes(data)
    skips = SkipLog()
    try:
        time, mag, err = ogle.read_ogle_photometry(path, skips=skips)
    except ReaderError as error:
        assert error.path == str(path)
        return
    assert_points(time, mag, err, cleaned=True)
    assert time.size + skips.total() == nonblank_lines(data)  # every line a point or counted


OCVS_ROW = st.builds(
    lambda n, mode, h, m, s, d, dm, ds, x4, x3: (
        f"OGLE-LMC-CEP-{n:04d}  {mode:>7}  {h:02d}:{m:02d}:{s:05.2f} -{d:02d}:{dm:02d}:{ds:04.1f}  {x4:<15} {x3:<15}"
    ),
    st.integers(0, 9999),
    st.sampled_from(["F", "1O", "1O/2O", "F/1O", "2O/3O", "-"]),
    st.integers(0, 23),
    st.integers(0, 59),
    st.floats(0, 59.99),
    st.integers(0, 89),
    st.integers(0, 59),
    st.floats(0, 59.9),
    st.from_regex(r"LMC5\d\d\.\d\d\.\d{1,5}", fullmatch=True),
    st.from_regex(r"LMC1\d\d\.\d\.\d{1,4}", fullmatch=True),
).map(lambda line: [line])
OIII_ROW = st.builds(
    lambda n, field, num, label, h, m, s, d: (
        f"OGLE-BLG-LPV-{n:06d} {field} {num:>6} {label:<4}  {h:02d}:{m:02d}:{s:05.2f} +{d:02d}:10:20.5  MACHO 1.2.3"
    ),
    st.integers(0, 999999),
    st.from_regex(r"BLG1\d\d\.[1-8]", fullmatch=True),
    st.integers(1, 999999),
    st.sampled_from(["Mira", "SRV", "OSARG", "EC", "RRab -", "-"]),
    st.integers(0, 23),
    st.integers(0, 59),
    st.floats(0, 59.99),
    st.integers(0, 89),
).map(lambda line: [line])
OGLE_IDENT = delimited_file(st.one_of(OCVS_ROW, OIII_ROW), header=None, sep="")


@given(data=OGLE_IDENT)
@fuzz_settings()
def test_ogle_ident(work: Path, data: bytes) -> None:
    path = work / "ident.dat"
    path.write_bytes(data)
    skips = SkipLog()
    try:
        frame = ogle.read_ogle_ident(path, skips=skips)
    except ReaderError:
        return
    assert list(frame.columns) == [
        "mode",
        "ra",
        "dec",
        "field",
        "extra_labels",
        "ogle4_id",
        "ogle3_id",
        "ogle2_id",
        "other_id",
    ]
    assert frame.index.is_unique and len(frame) > 0
    assert np.isfinite(frame["ra"].to_numpy(dtype=float)).all()
    assert np.isfinite(frame["dec"].to_numpy(dtype=float)).all()
    assert len(frame) + skips.total() == nonblank_lines(data)
    try:  # without a log: the same frame when nothing was skipped, else the error
        strict = ogle.read_ogle_ident(path)
    except ReaderError:
        assert skips.total() > 0
    else:
        assert skips.total() == 0
        pd.testing.assert_frame_equal(strict, frame)


OGLE_TABLE_ROW = st.builds(
    lambda n, values: [f"OGLE-LMC-CEP-{n:04d}", *values],
    st.integers(0, 9999),
    st.lists(numbers(-99.99, 20) | st.just("-99.99"), min_size=10, max_size=10),
)
OGLE_TABLE = delimited_file(OGLE_TABLE_ROW, header=None, sep="  ")


@given(data=OGLE_TABLE)
@fuzz_settings()
def test_ogle_param_table(work: Path, data: bytes) -> None:
    path = work / "cepF.dat"
    path.write_bytes(data)
    skips = SkipLog()
    try:
        frame = ogle.read_ogle_param_table(path, skips=skips)
    except ReaderError:
        return
    assert frame.index.is_unique and len(frame) > 0 and frame.index.name == "ID"
    values = frame.drop(columns="table")
    assert (values.dtypes == np.float64).all()
    assert not (values.to_numpy() <= -99).any()  # OGLE's -99.99 is missing: NaN
    assert values.notna().any(axis=1).all()  # a row without any value is not a row
    assert (frame["table"] == path.name).all()
    assert len(frame) + skips.total() == nonblank_lines(data)


CATALOG_COLUMNS = (
    "ID Field StarID Type Subtype RA DECL ID_OGLE_II ID_MACHO ID_ASAS ID_GCVS ID_OTHER I V "
    "P_1 dP_1 T0_1 A_1 R21_1 phi21_1 R31_1 phi31_1 Remarks"
).split()
CATALOG_ROW = st.builds(
    lambda n, field, star, kind, ra, dec, values: [
        f"OGLE-LMC-{kind[0].upper()}-{n:05d}",
        field,
        star,
        kind[0],
        kind[1],
        ra,
        dec,
        "-99.99",
        "-99.99",
        "-99.99",
        "-99.99",
        "   ",
        *values,
        "",
    ],
    st.integers(0, 99999),
    st.from_regex(r"LMC1\d\d\.\d", fullmatch=True),
    integers(1, 999999),
    st.sampled_from(
        [("Cep", "F"), ("RRLyr", "RRab"), ("LPV", "Mira"), ("DPV", ""), ("aCep", "1O"), ("T2Cep", "BLHer")]
    ),
    numbers(0, 23.99),
    numbers(-89, 89),
    st.lists(numbers(0, 20) | st.just("-99.99"), min_size=10, max_size=10),
)


@st.composite
def ogle_catalog(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, bytes) of a catalog: 6 comment lines, the column names, tab-separated rows."""
    body = draw(delimited_file(CATALOG_ROW, header=CATALOG_COLUMNS, sep="\t", quote=None))
    comments = b"# Date: 2017\n# Database: cvs\n# Objects: 3\n# Columns:\n" if draw(st.booleans()) else b""
    text = comments + (b"# " if draw(st.booleans()) else b"") + body
    suffix = draw(st.sampled_from([".txt", ".txt", ".bz2", ".gz"]))
    return suffix, draw(damaged_bytes(compressed(text, suffix.strip(".") if suffix != ".txt" else "none")))


@given(catalog=ogle_catalog())
@fuzz_settings()
def test_ogle3_catalog(work: Path, catalog: tuple[str, bytes]) -> None:
    suffix, data = catalog
    path = work / f"ogle3_catalog{suffix}"
    path.write_bytes(data)
    try:
        frame = ogle.read_ogle3_catalog(path)
    except ReaderError:
        return
    for column in ("vclass", "subtype_norm", "ra_deg", "dec_deg"):
        assert column in frame.columns
    assert frame["ra_deg"].dtype == np.float64 and frame["dec_deg"].dtype == np.float64
    np.testing.assert_array_equal(frame["ra_deg"], frame["RA"] * 15.0)
    classes = frame["vclass"].dropna()
    assert classes.isin(["CEP", "RRLYR", "T2CEP", "ACEP", "DSCT", "LPV", "ECL", "ELL"]).all() or classes.empty


# --- EROS-1 ---------------------------------------------------------------------------------

EROS_HEADER = (
    "",
    "patch_id",
    "star_id_b",
    "star_id_r",
    "magnitude_b",
    "magnitude_r",
    "asc_d",
    "asc_m",
    "asc_s",
    "dec_d",
    "dec_m",
    "dec_s",
    "period",
    "frequency",
    "type",
    "quality",
    "div_period",
)
EROS_ROW = st.builds(
    lambda p, s, values, dec_d, typ, div: [
        f"{p}_{s}",
        str(p),
        str(s),
        str(s),
        *values[:5],
        dec_d,
        *values[5:9],
        typ,
        "1.0",
        div,
    ],
    st.integers(100, 200),
    st.integers(1, 99999),
    st.lists(numbers(0, 59), min_size=9, max_size=9),
    st.sampled_from(["-70.0", "-0.0", "-69", "12"]),
    st.sampled_from(["1.0", "2.0", "3.0", "4.0", "5.0", "2.5"]),
    st.sampled_from(["1.0", "2.0", "7.0", "0.0", "-1"]),
)


@given(data=delimited_file(EROS_ROW, header=EROS_HEADER, sep=","))
@fuzz_settings()
def test_eros1_catalog(work: Path, data: bytes) -> None:
    path = work / "train.csv"
    path.write_bytes(data)
    skips = SkipLog()
    try:
        table = eros.read_eros1_catalog(path, skips=skips)
    except ReaderError:
        return
    assert table.index.is_unique
    usable = table[table["usable"]]
    assert (usable["period"] > 0).all() and np.isfinite(usable["period"]).all()
    assert usable["vclass"].isin(["ECL", "CEP", "RRLYR", "LPV"]).all()
    assert table["type_code"].dtype.kind == "i"


def bracketed(values: list[str]) -> str:
    return '"[' + ", ".join(values) + ']"'


EROS_CURVE_ROW = st.builds(
    lambda key, lists: [key, *(bracketed(v) for v in lists)],
    st.from_regex(r"1[0-9]{2}_[0-9]{1,5}", fullmatch=True),
    st.lists(
        st.lists(numbers(0, 1000) | st.sampled_from(["nan", "25.0", "inf", "0.0"]), max_size=8), min_size=6, max_size=6
    ),
)
EROS_CURVE_HEADER = (
    "",
    "time_points_b",
    "time_points_r",
    "light_points_b",
    "light_points_r",
    "error_points_b",
    "error_points_r",
)


@given(data=delimited_file(EROS_CURVE_ROW, header=EROS_CURVE_HEADER, sep=","), gz=st.booleans())
@fuzz_settings()
def test_eros1_curves(work: Path, data: bytes, gz: bool) -> None:
    path = work / ("features.csv.gz" if gz else "features.csv")
    path.write_bytes(compressed(data, "gz") if gz else data)
    try:
        curves = eros.read_eros1_curves(path, skips=SkipLog())
    except ReaderError:
        return
    for key, star in curves.items():
        assert isinstance(key, str) and star is not None
        assert set(star.bands) <= {"B", "R"}
        for time, mag, err in star.bands.values():
            assert_points(time, mag, err, cleaned=True)
            assert time.size > 0 and not (mag == eros.NO_FLUX_MAG).any()


# --- SDSS Stripe 82 -------------------------------------------------------------------------

SDSS_ROW = st.builds(
    lambda t, m, e, b: [t, m, e, b],
    numbers(51000, 54500),
    numbers(-1, 100),
    numbers(0, 100),
    st.sampled_from(["u", "g", "r", "i", "z", "y", " r"]),
)


@given(data=delimited_file(SDSS_ROW, header=("time", "mag", "magerr", "band"), sep=","))
@fuzz_settings()
def test_sdss_lightcurve(work: Path, data: bytes) -> None:
    path = work / "1013184.csv"
    path.write_bytes(data)
    try:
        bands = sdss.read_sdss_lightcurve(path, skips=SkipLog())
    except ReaderError:
        return
    assert list(bands) == list(sdss.BANDS)
    for time, mag, err in bands.values():
        assert_points(time, mag, err, cleaned=True)
        assert (np.diff(time) >= sdss.SAME_EXPOSURE_DAYS).all()
        assert ((mag > 0) & (np.abs(mag) < 90)).all() and (err < sdss.BAD_ERR).all()


SDSS_PERIOD_ROW = st.builds(
    lambda n, t, p: [n, t, p], integers(1, 99999), st.sampled_from(["ab", "c", "d", "AB"]), numbers(-1, 2)
)


@given(data=delimited_file(SDSS_PERIOD_ROW, header=("Num", "Type", "Per"), sep=","))
@fuzz_settings()
def test_sdss_periods(work: Path, data: bytes) -> None:
    path = work / "periods.csv"
    path.write_bytes(data)
    try:
        table = sdss.read_sdss_periods(path, skips=SkipLog())
    except ReaderError:
        return
    assert table.index.is_unique and table["period"].dtype == np.float64
    usable = table[table["usable"]]
    assert (usable["period"] > 0).all() and np.isfinite(usable["period"]).all()
    assert usable["vclass"].eq("RRLYR").all()


# --- CRTS -----------------------------------------------------------------------------------

CRTS_ROW = st.builds(
    lambda star, t, m, e, ra, dec: [star, t, m, e, ra, dec],
    st.sampled_from(["1001004003261", "1001004003261", "1001004003262"]),
    numbers(53000, 56600),
    numbers(10, 21),
    numbers(0, 0.5),
    numbers(0, 360),
    numbers(-90, 90),
)


@given(data=delimited_file(CRTS_ROW, header=crts.HEADER, sep=",", quote=lambda f: f'"{f}"'))
@fuzz_settings()
def test_crts_file(work: Path, data: bytes) -> None:
    path = work / "1001004003261-EW.csv"
    path.write_bytes(data)
    skips = SkipLog()
    try:
        rows = crts.read_crts_file(path, star_id="1001004003261", skips=skips)
    except ReaderError:
        return
    assert_points(rows.time, rows.mag, rows.mag_err, cleaned=False)
    assert rows.ra.size == rows.dec.size == rows.time.size
    assert rows.time.size + skips.total() == nonblank_lines(data) - 1  # the header line


# --- Gaia DR2 cross-match, Gaia DR3 epoch photometry ----------------------------------------

DR2_HEADER = (
    "source_id",
    "OGLE-ID",
    "RA",
    "Dec",
    "Type",
    "subType",
    "I",
    "V_I",
    "Period",
    "phot_g_mean_mag",
    "bp_rp",
    "parallax",
    "parallax_error",
    "teff_val",
    "radius_val",
    "lum_val",
    "angDist",
    "r_est",
    "abs_Gmag",
)
DR2_ROW = st.builds(
    lambda source, star, values, kind: [source, star, *values[:2], kind, "F", *values[2:]],
    integers(1, 2**62),
    st.sampled_from(["OGLE-LMC-CEP-0001", "OGLE-LMC-CEP-0002", "OGLE-BLG-LPV-000003", ""]),
    st.lists(numbers(0, 20000), min_size=15, max_size=15),
    st.sampled_from(["Cep", "RRLyr"]),
)


@given(files=st.lists(delimited_file(DR2_ROW, header=DR2_HEADER, sep=","), min_size=1, max_size=3))
@fuzz_settings()
def test_gaia_dr2_xmatch(work: Path, files: list[bytes]) -> None:
    root = work / "dr2"
    root.mkdir(exist_ok=True)
    for old in root.glob("*.csv"):
        old.unlink()
    for name, data in zip(gaia_dr2.GROUP_PRIORITY, files):
        (root / f"{name}.csv").write_bytes(data)
    try:
        table = gaia_dr2.read_gaia_dr2_xmatch(root, skips=SkipLog())
    except ReaderError:
        return
    assert table.index.is_unique and table.index.is_monotonic_increasing and table.index.name == "OGLE-ID"
    assert not (table.index == "").any()
    for column in (*gaia_dr2.COLUMNS, "abs_Gmag_published", "group"):
        assert column in table.columns
    assert str(table["source_id"].dtype) == "Int64"
    for column in ("phot_g_mean_mag", "r_est", "angDist", "abs_Gmag", "teff_val", "Period"):
        assert table[column].dtype == np.float64, column


PARQUET_COLUMN = st.one_of(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=12),
    st.lists(st.integers(-(2**40), 2**40), max_size=12),
    st.lists(st.text(max_size=5), max_size=12),
    st.lists(st.booleans(), max_size=12),
    st.lists(st.none() | st.floats(0, 30), max_size=12),
)


@st.composite
def parquet_file(draw: st.DrawFn, names: tuple[str, ...]) -> bytes:
    """A Parquet file whose columns are some of ``names`` (and others) of any type, damaged."""
    chosen = draw(st.lists(st.sampled_from([*names, "other", "Time", "mag "]), unique=True, max_size=len(names) + 1))
    if draw(st.booleans()):
        chosen = [n for n in names if n not in chosen] + chosen
    size = draw(st.integers(0, 12))
    columns = {}
    for name in chosen:
        values = draw(PARQUET_COLUMN)
        columns[name] = (values * (size // max(len(values), 1) + 1))[:size] if values else [None] * size
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns) if columns else pa.table({"x": pa.array([], pa.float64())}), buffer)
    return draw(damaged_bytes(buffer.getvalue()))


@given(data=parquet_file(gaia_dr3.EPOCH_COLUMNS))
@fuzz_settings()
def test_gaia_epoch_file(work: Path, data: bytes) -> None:
    path = work / "4062282289036362496.parquet"
    path.write_bytes(data)
    try:
        time, mag, err = gaia_dr3.read_gaia_epoch_file(path)
    except ReaderError:
        return
    assert_points(time, mag, err, cleaned=False)
    assert time.size > 0


@given(tables=st.lists(parquet_file(gaia_dr3.METADATA_COLUMNS), min_size=1, max_size=2))
@fuzz_settings()
def test_gaia_metadata(work: Path, tables: list[bytes]) -> None:
    folder = work / "dr3" / "metadata"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    for i, data in enumerate(tables):
        (folder / f"gaia_metadata_{i}.parquet").write_bytes(data)
    skips = SkipLog()
    rows = gaia_dr3.read_gaia_metadata(folder.parent, skips=skips)
    for key, row in rows.items():
        assert key == str(row["source_id"])
        assert set(gaia_dr3.METADATA_COLUMNS) <= set(row) and row["source_file"].startswith("metadata/")
    assert len(rows) <= sum(1 for _ in folder.glob("*.parquet")) * 12


# --- Catalina SSS, ASAS ---------------------------------------------------------------------

CSS_CATALOG_ROW = st.builds(
    lambda css, values, n, amp, code, name: [css, *values, n, amp, code, *name],
    st.from_regex(r"30[0-9]{11}", fullmatch=True),
    st.tuples(numbers(-1, 361), numbers(-91, 91), numbers(-0.1, 500), numbers(10, 20)),
    integers(-5, 900),
    numbers(-0.1, 3),
    integers(0, 13),
    st.lists(st.sampled_from(["V0417", "Cen", "AB"]), max_size=2),
)


@given(data=delimited_file(CSS_CATALOG_ROW, header=None, sep=" "))
@fuzz_settings()
def test_css_catalog(work: Path, data: bytes) -> None:
    path = work / "SSS_Per_Tab.txt"
    path.write_bytes(data)
    skips = SkipLog()
    try:
        rows = catalina_sss.read_css_catalog(path, skips=skips)
    except ReaderError:
        return
    for css_id, row in rows.items():
        assert css_id == row.css_id and css_id.isdigit()
        assert 0 <= row.ra < 360 and -90 <= row.dec <= 90 and row.period > 0 and row.amplitude >= 0
        assert row.n_epochs >= 0 and math.isfinite(row.mean_mag)
    assert len(rows) + skips.total() == nonblank_lines(data)


CSS_PHOT_ROW = st.builds(lambda t, m, e: [t, m, e], numbers(53000, 57000), numbers(10, 21), numbers(0, 0.3))


@given(data=delimited_file(CSS_PHOT_ROW, header=None, sep=" "))
@fuzz_settings()
def test_css_phot_file(work: Path, data: bytes) -> None:
    path = work / "3039001008411.dat"
    path.write_bytes(data)
    skips = SkipLog()
    try:
        time, mag, err = catalina_sss.read_css_phot_file(path, skips=skips)
    except ReaderError:
        return
    assert_points(time, mag, err, cleaned=False)
    assert time.size + skips.total() == nonblank_lines(data)


ASAS_LABEL_ROW = st.builds(
    lambda i, name, ra, dec, label, n: [i, name, ra, dec, label, n],
    integers(1, 300000),
    st.from_regex(r"[0-2][0-9][0-5][0-9][0-5][0-9][+-][0-8][0-9][0-5][0-9]\.[0-9]", fullmatch=True),
    numbers(-1, 361),
    numbers(-91, 91),
    st.sampled_from(["Mira", "Detached", "RR Lyrae, First Overtone", ""]),
    integers(-1, 700),
)


@given(data=delimited_file(ASAS_LABEL_ROW, header=asas.LABEL_COLUMNS, sep=",", quote=None))
@fuzz_settings()
def test_asas_labels(work: Path, data: bytes) -> None:
    path = work / "labels.csv"
    path.write_bytes(data)
    try:
        labels = asas.read_asas_labels(path, skips=SkipLog())
    except ReaderError:
        return
    ids = [row.star_id for row in labels]
    assert len(ids) == len(set(ids)) and all(i.isdigit() for i in ids)
    for row in labels:
        assert 0 <= row.ra < 360 and -90 <= row.dec <= 90 and row.n_points >= 0 and row.label


ASAS_ROW = st.builds(
    lambda t, m, e, b: [t, m, e, b],
    numbers(2451000, 2455000),
    numbers(7, 14),
    numbers(0, 0.1),
    st.sampled_from(["V", "V", "I", " V"]),
)


@given(data=delimited_file(ASAS_ROW, header=asas.LC_COLUMNS, sep=","))
@fuzz_settings()
def test_asas_file(work: Path, data: bytes) -> None:
    path = work / "152334.csv"
    path.write_bytes(data)
    try:
        time, mag, err = asas.read_asas_file(path, skips=SkipLog())
    except ReaderError:
        return
    assert_points(time, mag, err, cleaned=False)


# --- cadence files (varsynth generate --cadence-file) ---------------------------------------

CADENCE_NAMES = ("time", "mjd", "MJD", "band", "m5", "fiveSigmaDepth", "airmass")
CADENCE_VALUE = {
    "band": st.sampled_from(["I", "V", "g", "i", ""]),
}


@st.composite
def cadence_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, bytes) of a CSV or ECSV cadence table of some of :data:`CADENCE_NAMES`."""
    names = draw(st.lists(st.sampled_from(CADENCE_NAMES), min_size=1, max_size=4, unique=True))
    row = st.tuples(*(CADENCE_VALUE.get(n, numbers(-10, 60000)) for n in names)).map(list)
    suffix = draw(st.sampled_from([".csv", ".csv", ".ecsv", ".txt"]))
    if suffix != ".ecsv":
        return suffix, draw(delimited_file(row, header=names, sep=","))
    kinds = {
        n: ("string" if n == "band" else draw(st.sampled_from(["float64", "float64", "int64", "string"])))
        for n in names
    }
    meta = ["# %ECSV 1.0", "# ---", "# datatype:"] + [f"# - {{name: {n}, datatype: {k}}}" for n, k in kinds.items()]
    body = draw(delimited_file(row, header=names, sep=" ", header_variants=True))
    head = "\n".join(meta + ["# schema: astropy-2.0"]).encode() + b"\n"
    return suffix, head + body


@given(cadence=cadence_file(), band=st.sampled_from([None, "I", "x"]))
@fuzz_settings()
def test_cadence_file(work: Path, cadence: tuple[str, bytes], band: str | None) -> None:
    suffix, data = cadence
    path = work / f"cadence{suffix}"
    path.write_bytes(data)
    try:
        epochs = read_epochs(path, survey="ogle3", band=band)
    except ValueError as error:
        assert str(error)  # a message for the user
        return
    assert isinstance(epochs, Epochs)
    assert epochs.time.dtype == np.float64 and epochs.time.size > 0
    assert epochs.time.size == epochs.band.size == epochs.m5.size
    assert np.isfinite(epochs.time).all() and (np.diff(epochs.time) >= 0).all()
    assert set(epochs.band.tolist()) <= {"I", "V"}
    assert np.isfinite(epochs.m5).all() or np.isnan(epochs.m5).all()


# --- varsynth infer's reader ----------------------------------------------------------------

INFER_NAMES = ("time", "MJD", "hjd", "mag", "Magnitude", "mag_err", "magerr", "err", "band", "ID", "flux")
INFER_VALUE = {"band": st.sampled_from(["I", "V", "r"]), "ID": st.just("1001")}


@st.composite
def observation_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """(suffix, bytes) of a light curve in one of the formats ``varsynth infer`` reads."""
    suffix = draw(st.sampled_from([".dat", ".csv", ".txt", ".ecsv", ".fits", ".parquet"]))
    names = draw(st.lists(st.sampled_from(INFER_NAMES), min_size=1, max_size=5, unique=True))
    rows = st.tuples(*(INFER_VALUE.get(n, numbers(-1, 60000)) for n in names)).map(list)
    if suffix in (".dat", ".csv", ".txt"):
        header = None if suffix == ".dat" and draw(st.booleans()) else names
        return suffix, draw(delimited_file(rows, header=header, sep="," if suffix == ".csv" else " "))
    values = draw(st.lists(rows, max_size=30))
    table = Table(rows=values or None, names=names if values else None)
    if not values:
        table = Table({n: np.zeros(0) for n in names})
    for name in names:  # numbers as numbers
        if name not in INFER_VALUE:
            table[name] = np.asarray(table[name], dtype=float) if values else table[name]
    buffer = io.BytesIO()
    if suffix == ".parquet":
        pq.write_table(pa.table({n: list(table[n]) for n in names}), buffer)
    elif suffix == ".fits":
        table.write(buffer, format="fits")
    else:
        text = io.StringIO()
        table.write(text, format="ascii.ecsv")
        buffer.write(text.getvalue().encode())
    return suffix, draw(damaged_bytes(buffer.getvalue()))


@given(observed=observation_file(), band=st.sampled_from([None, "I", "V"]))
@fuzz_settings()
def test_infer_reader(work: Path, observed: tuple[str, bytes], band: str | None) -> None:
    suffix, data = observed
    path = work / f"star{suffix}"
    path.write_bytes(data)
    try:
        obs = read_observations(path, band=band)
    except InputError as error:
        assert "\n" not in str(error).strip()  # one line for the user
        return
    assert_points(obs.time, obs.mag, obs.mag_err, cleaned=False)
    assert {"time", "mag", "mag_err"} <= set(obs.columns)
    assert obs.format == {".csv": "csv", ".ecsv": "ecsv", ".fits": "fits", ".parquet": "parquet"}.get(suffix, "text")
    assert obs.rows >= obs.time.size
    try:
        keep, used = usable_points(obs.time, obs.mag, obs.mag_err)
    except InputError:
        return
    assert used >= MIN_POINTS and keep.sum() == used
    assert np.isfinite(obs.time[keep]).all() and (obs.mag_err[keep] > 0).all()
