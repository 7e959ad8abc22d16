"""Tests of the EROS-1 LMC reader: known answers on small files, properties, the real files."""

from __future__ import annotations

import gzip
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from varsynth.surveys.eros import (
    NO_FLUX_MAG,
    parse_bracketed,
    read_eros1,
    read_eros1_catalog,
    read_eros1_curves,
)
from varsynth.surveys.skips import ReaderError, SkipLog

CATALOG_HEADER = (
    "Unnamed: 0,patch_id,star_id_b,star_id_r,magnitude_b,magnitude_r,asc_d,asc_m,asc_s,dec_d,"
    "dec_m,dec_s,period,frequency,num_points_good_b,num_points_good_r,asym_b,asym_r,"
    "log_p_not_variable,sigma_flux_b,sigma_flux_r,type,quality,div_period"
)
CURVES_HEADER = (
    ",time_points_b,time_points_r,light_points_b,light_points_r,error_points_b,error_points_r,"
    "bkg_points_b,bkg_points_r,polltn_points_b,polltn_points_r"
)


def catalog_row(
    key: str, *, type_code: str = "3.0", period: str = "2.35495", div: str = "7.0",
    ra: tuple[str, str, str] = ("5.0", "40.0", "51.37"),
    dec: tuple[str, str, str] = ("-70.0", "13.0", "58.78"),
    mags: tuple[str, str] = ("19.1458", "18.8044"),
) -> str:  # fmt: skip
    """One line of ``train.csv`` in the real column order."""
    patch, star = key.split("_")
    return ",".join(
        [key, f"{patch}.0", f"{star}.0", "10062.0", *mags, *ra, *dec, period, "0.42", "123.0",
         "124.0", "1.27", "0.65", "-2.8", "36.1", "46.4", type_code, "1.0", div]
    )  # fmt: skip


def as_list(values) -> str:
    """A bracketed list as the RAMP kit writes it (Python list repr)."""
    return "[" + ", ".join(repr(float(v)) for v in values) + "]"


def curves_row(key: str, b: tuple, r: tuple) -> str:
    """One line of ``*_varlength_features.csv.gz``; ``b``, ``r`` are (time, mag, err) lists."""
    cells = [as_list(b[0]), as_list(r[0]), as_list(b[1]), as_list(r[1]), as_list(b[2]),
             as_list(r[2]), as_list([0.0] * len(b[0])), as_list([0.0] * len(r[0])),
             as_list([0.0] * len(b[0])), as_list([0.0] * len(r[0]))]  # fmt: skip
    return key + "," + ",".join(f'"{c}"' for c in cells)


def write_split(root: Path, split: str, catalog_lines: list[str], curve_lines: list[str]) -> None:
    """Write ``<split>.csv`` and ``<split>_varlength_features.csv.gz``."""
    (root / f"{split}.csv").write_text("\n".join([CATALOG_HEADER, *catalog_lines]) + "\n")
    with gzip.open(root / f"{split}_varlength_features.csv.gz", "wt") as fh:
        fh.write("\n".join([CURVES_HEADER, *curve_lines]) + "\n")


B1 = ([290.3, 291.35, 322.25, 326.24], [19.15, 18.96, 25.0, 19.17], [0.13, 0.12, 1.0, 0.13])
R1 = ([290.34, 291.31, 322.29], [18.75, 18.66, 18.5], [0.16, 0.25, 0.14])


@pytest.fixture
def eros_root(tmp_path: Path) -> Path:
    """Two small splits exercising every skip reason."""
    write_split(
        tmp_path,
        "train",
        [
            catalog_row("135_9613"),  # RR Lyrae, 2.35495 / 7 d
            catalog_row("271_4304", type_code="4.0", period="280.0", div="2.0"),  # Mira, 140 d
            catalog_row("10_1", type_code="5.0"),  # unknown class
            catalog_row("10_2", period="0.0"),  # zero period
            catalog_row("10_3", div="nan"),  # missing div_period
            catalog_row("10_4", type_code="2.0") + ",extra",  # wrong number of fields
            catalog_row("10_5", type_code="1.0"),  # no light curve row
            catalog_row("10_6", type_code="2.0"),  # malformed list in B
        ],
        [
            curves_row("135_9613", B1, R1),
            curves_row("271_4304", ([1.0, 2.0], [15.0, 15.1], [0.05, 0.05]), ([1.0], [14.0], [0.0])),
            curves_row("10_1", B1, R1),
            curves_row("99_9", B1, R1),  # no catalog row
            curves_row("10_6", B1, R1).replace("[19.15,", "[19.15x,"),
        ],
    )
    write_split(
        tmp_path,
        "test",
        [catalog_row("135_9613"), catalog_row("20_7", type_code="2.0", period="9.0", div="3.0")],
        [
            curves_row("135_9613", B1, R1),
            curves_row("20_7", ([5.0, 5.0, 6.0], [17.0, 17.1, 17.2], [0.1, 0.1, 0.1]), R1),
        ],
    )
    return tmp_path


def test_known_answer(eros_root: Path) -> None:
    skips = SkipLog()
    lcs = read_eros1(eros_root, skips=skips)
    assert [(lc.star_id, lc.band) for lc in lcs] == [
        ("10_6", "R"), ("135_9613", "B"), ("135_9613", "R"), ("20_7", "B"), ("20_7", "R"),
        ("271_4304", "B"),
    ]  # fmt: skip
    rr = lcs[1]
    assert (rr.survey, rr.vclass, rr.subtype) == ("eros1", "RRLYR", "")
    assert rr.period == pytest.approx(2.35495 / 7)
    np.testing.assert_array_equal(rr.survey_time(), [290.3, 291.35, 326.24])  # the 25.0 point is dropped
    np.testing.assert_array_equal(rr.time, [48181.3, 48182.35, 48217.24])  # MJD = t + 47891
    assert rr.time_system.name == "MJD-47891"
    np.testing.assert_allclose(rr.mag, [19.15, 18.96, 19.17])
    np.testing.assert_allclose(rr.mag_err, [0.13, 0.12, 0.13])
    assert rr.meta["ra"] == pytest.approx(15 * (5 + 40 / 60 + 51.37 / 3600))
    assert rr.meta["dec"] == pytest.approx(-(70 + 13 / 60 + 58.78 / 3600))
    assert rr.meta["mean_mag"] == {"B": 19.1458, "R": 18.8044}
    assert rr.meta["host"] == "LMC"
    assert rr.meta["eros_split"] == "train"
    assert rr.meta["source_file"] == "train_varlength_features.csv.gz"
    assert rr.meta["period_source"] == "catalog"
    assert (rr.meta["patch_id"], rr.meta["eros_star_id_b"], rr.meta["quality"]) == (135, 9613, 1)
    mira = lcs[5]
    assert (mira.vclass, mira.subtype, mira.period) == ("LPV", "Mira", 140.0)
    assert lcs[3].meta["eros_split"] == "test" and lcs[3].period == pytest.approx(3.0)
    np.testing.assert_array_equal(lcs[3].survey_time(), [5.0, 6.0])

    counts = {(lv, r): n for (_, lv, r), n in skips.counts.items()}
    assert counts == {
        ("point", "magnitude 25.0 (no positive flux)"): 1,
        ("point", "error <= 0"): 1,
        ("point", "duplicate time"): 1,
        ("lightcurve", "no valid points"): 1,
        ("lightcurve", "malformed bracketed list"): 1,
        ("line", "wrong number of fields"): 1,
        ("star", "unknown class"): 1,
        ("star", "missing or non-positive period"): 2,
        ("star", "no light curve"): 1,
        ("star", "light curve without catalog row"): 1,
        ("star", "duplicate star id"): 1,
    }
    assert skips.examples[("eros1", "line", "wrong number of fields")] == ["train.csv:7"]


def test_bands_and_limit(eros_root: Path) -> None:
    skips = SkipLog()
    lcs = read_eros1(eros_root, skips=skips, bands=["R"], limit=1)
    # One star per type code in sorted key order: 10_5 (ECL) has no light-curve row, 271_4304
    # (Mira) no valid R point, so only the Cepheid 10_6 and the RR Lyrae remain.
    assert [(lc.star_id, lc.band) for lc in lcs] == [("10_6", "R"), ("135_9613", "R")]
    assert skips.counts[("eros1", "star", "no light curve")] == 1
    with pytest.raises(ValueError):
        read_eros1(eros_root, skips=SkipLog(), bands=["V"])


def test_negative_zero_declination(tmp_path: Path) -> None:
    write_split(
        tmp_path, "train",
        [catalog_row("1_1", dec=("-0", "30.0", "0.0")), catalog_row("1_2", dec=("0", "30.0", "0.0"))],
        [],
    )  # fmt: skip
    catalog = read_eros1_catalog(tmp_path / "train.csv", skips=SkipLog())
    assert catalog.loc["1_1", "dec"] == -0.5
    assert catalog.loc["1_2", "dec"] == 0.5


def test_unreadable_files_are_counted(eros_root: Path) -> None:
    (eros_root / "test_varlength_features.csv.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    (eros_root / "train.csv").unlink()
    skips = SkipLog()
    assert read_eros1(eros_root, skips=skips) == []
    assert skips.counts[("eros1", "file", "unreadable file")] == 2
    with pytest.raises(ReaderError):
        read_eros1_catalog(eros_root / "train.csv", skips=SkipLog())


def test_empty_and_headerless_files(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("")
    with pytest.raises(ReaderError, match="empty file"):
        read_eros1_catalog(tmp_path / "x.csv", skips=SkipLog())
    (tmp_path / "y.csv").write_text("a,b\n1,2\n")
    with pytest.raises(ReaderError, match="missing columns"):
        read_eros1_curves(tmp_path / "y.csv", skips=SkipLog())


@pytest.mark.parametrize(
    ("text", "expected"),
    [("[1.5, 2.0]", [1.5, 2.0]), (" [ 3 ,4e1 ] ", [3.0, 40.0]), ("[]", []), ("[nan, inf]", [math.nan, math.inf])],
)
def test_parse_bracketed(text: str, expected: list[float]) -> None:
    np.testing.assert_array_equal(parse_bracketed(text), expected)


@pytest.mark.parametrize("text", ["1, 2", "[1, 2", "[1,, 2]", "[a]", "", "[1 2]"])
def test_parse_bracketed_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_bracketed(text)


finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@given(st.lists(finite, max_size=50))
def test_parse_bracketed_round_trip(values: list[float]) -> None:
    np.testing.assert_array_equal(parse_bracketed(as_list(values)), values)


@st.composite
def band_points(draw):
    """Valid points plus injected NaN / zero-error / duplicate-time / 25.0 points."""
    n = draw(st.integers(1, 30))
    times = draw(st.lists(st.floats(0, 2000, allow_nan=False), min_size=n, max_size=n, unique=True))
    mags = draw(st.lists(st.floats(10, 24, allow_nan=False), min_size=n, max_size=n))
    errs = draw(st.lists(st.floats(0.001, 2, allow_nan=False), min_size=n, max_size=n))
    bad = draw(st.lists(st.sampled_from(["nan", "zero", "dup", "noflux"]), max_size=6))
    t, m, e = list(times), list(mags), list(errs)
    for kind in bad:
        t.append(times[0] if kind == "dup" else draw(st.floats(3000, 4000)))
        m.append(math.nan if kind == "nan" else NO_FLUX_MAG if kind == "noflux" else 18.0)
        e.append(0.0 if kind == "zero" else 0.1)
    return (times, mags, errs), (t, m, e), Counter(bad)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(band_points())
def test_curves_round_trip_and_count(tmp_path: Path, case) -> None:
    (times, mags, errs), written, bad = case
    path = tmp_path / "f.csv.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(CURVES_HEADER + "\n" + curves_row("1_1", written, written) + "\n")
        fh.write('2_2,"[1.0]",broken\n')  # wrong number of fields
    skips = SkipLog()
    curves = read_eros1_curves(path, skips=skips)
    assert set(curves) == {"1_1"}
    order = np.argsort(times)
    for band in ("B", "R"):
        t, m, e = curves["1_1"].bands[band]
        np.testing.assert_array_equal(t, np.asarray(times)[order])
        np.testing.assert_array_equal(m, np.asarray(mags)[order])
        np.testing.assert_array_equal(e, np.asarray(errs)[order])
    counts = {r: n for (_, _, r), n in skips.counts.items()}
    assert counts.get("NaN or infinite value", 0) == 2 * bad["nan"]
    assert counts.get("error <= 0", 0) == 2 * bad["zero"]
    assert counts.get("duplicate time", 0) == 2 * bad["dup"]
    assert counts.get("magnitude 25.0 (no positive flux)", 0) == 2 * bad["noflux"]
    assert counts["wrong number of fields"] == 1


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["1.0", "2.0", "3.0", "4.0", "0.0", "7", "2.5", "x", "", "nan"]),
            st.sampled_from(["1.5", "0", "-1", "nan", "inf", "abc", "", "300"]),
            st.sampled_from(["1.0", "0.0", "", "3", "nan"]),
        ),
        max_size=20,
    )
)
def test_catalog_never_crashes_and_counts_every_row(tmp_path: Path, rows) -> None:
    lines = [catalog_row(f"1_{i}", type_code=t, period=p, div=d) for i, (t, p, d) in enumerate(rows)]
    path = tmp_path / "train.csv"
    path.write_text("\n".join([CATALOG_HEADER, *lines]) + "\n")
    skips = SkipLog()
    catalog = read_eros1_catalog(path, skips=skips)
    assert len(catalog) == len(rows)
    assert catalog["usable"].sum() + skips.total(level="star") == len(rows)
    usable = catalog[catalog["usable"]]
    assert (np.isfinite(usable["period"]) & (usable["period"] > 0)).all()
    assert set(usable["vclass"]) <= {"ECL", "CEP", "RRLYR", "LPV"}


@pytest.mark.shared_data
def test_real_eros1_counts() -> None:
    root = shared_dir("eros1-lmc")
    skips = SkipLog()
    lcs = read_eros1(root, skips=skips)
    stars = {lc.star_id: lc for lc in lcs}
    assert len(stars) == 3641
    assert Counter(lc.vclass for lc in stars.values()) == {
        "RRLYR": 2231, "CEP": 736, "ECL": 439, "LPV": 235,
    }  # fmt: skip
    assert Counter(lc.meta["eros_split"] for lc in stars.values()) == {"train": 2912, "test": 729}
    assert Counter(lc.band for lc in lcs) == {"B": 3641, "R": 3641}
    # Nothing is skipped on the real files except the 51 points at the 25.0 mag no-flux value.
    assert {r: n for (_, _, r), n in skips.counts.items()} == {"magnitude 25.0 (no positive flux)": 51}
    periods = {c: np.median([lc.period for lc in stars.values() if lc.vclass == c]) for c in ("RRLYR", "CEP", "LPV")}
    assert 0.45 < periods["RRLYR"] < 0.65
    assert 2.0 < periods["CEP"] < 5.0
    assert 100 < periods["LPV"] < 300
    assert all(60 < lc.meta["ra"] < 90 and -72 < lc.meta["dec"] < -64 for lc in stars.values())
    # light_points are magnitudes: their median matches the catalog mean magnitude.
    offsets = [abs(np.median(lc.mag) - lc.meta["mean_mag"][lc.band]) for lc in lcs]
    assert np.median(offsets) < 0.05


@pytest.mark.shared_data
def test_real_eros1_limit() -> None:
    lcs = read_eros1(shared_dir("eros1-lmc"), skips=SkipLog(), limit=3)
    stars = {lc.star_id: lc.vclass for lc in lcs}
    assert Counter(stars.values()) == {"RRLYR": 3, "CEP": 3, "ECL": 3, "LPV": 3}
    assert lcs == sorted(lcs, key=lambda lc: (lc.star_id, lc.band))


def test_catalog_naming_a_column_twice_raises_reader_error(tmp_path: Path) -> None:
    # Found by fuzzing: a repeated "patch_id" made a column a frame (TypeError in to_numeric).
    path = tmp_path / "train.csv"
    header = CATALOG_HEADER.replace(",patch_id,", ",patch_id,patch_id,", 1)
    path.write_text(header + "\n")
    with pytest.raises(ReaderError, match=r"repeated columns \['patch_id'\]"):
        read_eros1_catalog(path, skips=SkipLog())


def test_period_that_underflows_to_zero_is_not_usable(tmp_path: Path) -> None:
    # Found by the nightly fuzz volume: period 5e-324 (> 0) divided by div_period 2 is 0.0 days,
    # which was kept as a usable period.
    path = tmp_path / "train.csv"
    path.write_text(CATALOG_HEADER + "\n" + catalog_row("10_2", period="5e-324", div="2.0") + "\n")
    skips = SkipLog()
    table = read_eros1_catalog(path, skips=skips)
    assert not table["usable"].any()
    assert skips.counts[("eros1", "star", "missing or non-positive period")] == 1
