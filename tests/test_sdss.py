"""Tests of the SDSS Stripe 82 RR Lyrae reader: known answers, properties, the real files."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from varsynth.surveys.sdss import (
    BANDS,
    read_sdss_lightcurve,
    read_sdss_periods,
    read_sdss_s82,
    read_sesar_templates,
    weighted_mean_mag,
)
from varsynth.surveys.skips import ReaderError, SkipLog

_RULE = "-" * 80


def _describe(start: int, end: int, fmt: str, unit: str, label: str, text: str) -> str:
    """One line of a CDS byte-by-byte description."""
    return f"{start:4d}-{end:3d} {fmt:<6} {unit:<5} {label:<6} {text}"


def template_header() -> str:
    """The header of apj326724t2.txt (Sesar et al. 2010, Table 2), byte for byte."""
    lines = [
        "Title: Light Curve Templates and Galactic Distribution of RR Lyrae Stars",
        "       from Sloan Digital Sky Survey Stripe 82",
        "Authors: Sesar B., Ivezic I.",
        "Table: Light curve parameters for stripe 82 RR Lyrae stars",
        "=" * 80,
        "Byte-by-byte Description of file: apj326724t2_mrt.txt",
        _RULE,
        "   Bytes Format Units Label  Explanations",
        _RULE,
        _describe(1, 7, "I7", "---", "Num", "RR Lyrae identification number"),
        _describe(9, 10, "A2", "---", "Type", "RR Lyrae type"),
        _describe(12, 25, "F14.12", "d", "Per", "Period"),
    ]
    start = 27
    for b in BANDS:
        lines += [
            _describe(start, start + 13, "F14.12", "mag", f"A{b}", f"Best-fit template {b} band amplitude"),
            _describe(
                start + 15, start + 29, "F15.12", "mag", f"{b}mag", f"Best-fit template {b} band maximum brightness (1)"
            ),
            _describe(start + 31, start + 48, "F18.12", "d", f"phi{b}", f"Best-fit template {b} band epoch of maximum"),
            "                              brightness",
            _describe(start + 50, start + 52, "I3", "---", f"T{b}", f"Best-fit template {b} band ID number"),
        ]  # fmt: skip
        start += 54
    return "\n".join([*lines, _RULE, "Note (1): Corrected for the ISM extinction.", _RULE]) + "\n"


def template_row(num: int, kind: str, period: float, amp: float, mag: float, epoch: float, tid: int) -> str:
    """One fixed-width data line; every band gets amp + k/10, mag + k, epoch + k, tid + k."""
    row = f"{num:7d} {kind:<2} {period:14.12f}"
    for k, _ in enumerate(BANDS):
        row += f" {amp + k / 10:14.12f} {mag + k:15.12f} {epoch + k:18.12f} {tid + k:3d}"
    return row


def write_curve(path: Path, rows: list[str]) -> None:
    """A light-curve file in the real format."""
    path.write_text("time,mag,magerr,band\n" + "".join(r + "\n" for r in rows))


@pytest.fixture
def s82_root(tmp_path: Path) -> Path:
    """Three stars with every kind of bad input, plus broken star entries."""
    curves = tmp_path / "light-curves"
    curves.mkdir()
    (tmp_path / "periods.csv").write_text(
        "Num,Type,Per\n4099,ab,0.641754351271\n27887,c,0.31149403602\n5,ab,0.5\n"
        "6,d,0.5\n7,ab,0\n8,c,0.3\n4099,ab,0.7\n9,ab\n"
    )
    (tmp_path / "apj326724t2.txt").write_text(
        template_header()
        + template_row(4099, "ab", 0.641754351271, 0.5, 17.8, 51075.27, 100) + "\n"
        + template_row(27887, "c", 0.31149403602, 0.3, 17.0, 54011.3, 0) + "\n"
    )  # fmt: skip
    rows_4099 = [
        "51081.346189,17.236,0.005,r",
        "51081.347022,17.124,0.006,i",
        "51081.347856,18.702,0.020,u",
        "51081.348689,17.072,0.010,z",
        "51081.349522,17.553,0.005,g",
        "51819.417297,16.936,0.010,r",
        "51819.418964,99.991,99.999,u",  # flagged bad
        "51819.419797,25.508,99.999,z",  # flagged bad (faint value)
        "51819.420630,17.023,0.004,g",
        "51819.420630,17.500,0.004,g",  # exact repeat
        "51819.420631,17.600,0.004,g",  # same exposure, 0.1 s later
        "51820.1,17.0,0,r",  # zero error
        "51820.2,,0.01,r",  # missing magnitude
        "51820.3,abc,0.01,r",  # non-numeric
        "51820.4,17.0,0.01,y",  # unknown band
        "51820.5,17.0,0.01",  # too few fields
        "51820.6,-99.99,0.01,i",  # placeholder magnitude
    ]
    write_curve(curves / "4099.csv", rows_4099)
    write_curve(curves / "27887.csv", [f"{54000 + k},{17 + k / 100},0.01,{b}" for k, b in enumerate("ugriz" * 2)])
    write_curve(curves / "8.csv", [])  # header only: no valid points
    write_curve(curves / "999.csv", ["1,2,3,g"])  # not in periods.csv
    (curves / "6.csv").write_text("")  # unknown class in periods.csv: not an orphan
    return tmp_path


def test_known_answer(s82_root: Path) -> None:
    skips = SkipLog()
    lcs = read_sdss_s82(s82_root, skips=skips)
    assert [(lc.star_id, lc.band) for lc in lcs] == [("27887", b) for b in sorted(BANDS)] + [
        ("4099", b) for b in sorted(BANDS)
    ]
    g = next(lc for lc in lcs if (lc.star_id, lc.band) == ("4099", "g"))
    assert (g.survey, g.vclass, g.subtype, g.period) == ("sdss-s82", "RRLYR", "RRab", 0.641754351271)
    np.testing.assert_array_equal(g.time, [51081.349522, 51819.420630])
    np.testing.assert_array_equal(g.mag, [17.553, 17.023])  # first of the repeats kept
    r = next(lc for lc in lcs if (lc.star_id, lc.band) == ("4099", "r"))
    np.testing.assert_array_equal(r.mag, [17.236, 16.936])
    w = np.array([1 / 0.005**2, 1 / 0.010**2])
    assert r.meta["mean_mag"]["r"] == pytest.approx((17.236 * w[0] + 16.936 * w[1]) / w.sum())
    assert set(r.meta["mean_mag"]) == set(BANDS)
    assert r.meta["mean_mag"] == g.meta["mean_mag"]
    assert r.meta["source_file"] == "light-curves/4099.csv"
    assert r.meta["period_source"] == "catalog"
    assert "ra" not in r.meta and "dec" not in r.meta
    assert r.meta["template_amp"]["u"] == pytest.approx(0.5)
    assert r.meta["template_amp"]["z"] == pytest.approx(0.9)
    assert r.meta["template_max_mag_dereddened"]["g"] == pytest.approx(18.8)
    assert r.meta["template_epoch_max_mjd"]["r"] == pytest.approx(51077.27)
    assert r.meta["template_id"] == {"u": 100, "g": 101, "r": 102, "i": 103, "z": 104}
    c = next(lc for lc in lcs if lc.star_id == "27887")
    assert (c.subtype, len(c)) == ("RRc", 2)

    counts = {(lv, r): n for (_, lv, r), n in skips.counts.items()}
    assert counts == {
        ("point", "flagged bad photometry (magerr >= 99)"): 2,
        ("point", "placeholder magnitude (|mag| >= 90 or <= 0)"): 1,
        ("point", "duplicate time"): 1,
        ("point", "repeated exposure (times < 1 s apart)"): 1,
        ("point", "error <= 0"): 1,
        ("point", "NaN or infinite value"): 1,
        ("line", "non-numeric value"): 1,
        ("line", "unknown band"): 1,
        ("line", "wrong number of fields"): 2,
        ("star", "duplicate star id"): 1,
        ("star", "unknown class"): 1,
        ("star", "missing or non-positive period"): 1,
        ("star", "no light-curve file"): 1,
        ("lightcurve", "no valid points"): 5,
        ("file", "no class or period in periods.csv"): 1,
    }
    assert skips.examples[("sdss-s82", "line", "non-numeric value")] == ["4099.csv:15"]
    assert skips.examples[("sdss-s82", "star", "duplicate star id")] == ["periods.csv:8"]


def test_short_template_line(s82_root: Path) -> None:
    path = s82_root / "apj326724t2.txt"
    text = path.read_text().splitlines()
    path.write_text("\n".join([*text[:-1], text[-1][:100]]) + "\n")  # 27887 loses r, i, z
    lcs = read_sdss_s82(s82_root, skips=SkipLog(), bands=["u"])
    c = next(lc for lc in lcs if lc.star_id == "27887")
    assert set(c.meta["template_amp"]) == {"u", "g"}
    assert set(c.meta["template_id"]) == {"u"}


def test_bands_and_limit(s82_root: Path) -> None:
    lcs = read_sdss_s82(s82_root, skips=SkipLog(), bands=["g", "r"], limit=1)
    # One star per type in sorted id order: 4099 (ab; "4099" < "5") and 27887 (c; "27887" < "8").
    assert [(lc.star_id, lc.band) for lc in lcs] == [("27887", "g"), ("27887", "r"), ("4099", "g"), ("4099", "r")]
    with pytest.raises(ValueError):
        read_sdss_s82(s82_root, skips=SkipLog(), bands=["V"])


def test_unreadable_files_are_counted(s82_root: Path) -> None:
    (s82_root / "light-curves" / "4099.csv").write_bytes(b"\xff\xfe\x00bad")
    (s82_root / "light-curves" / "27887.csv").write_text("")
    (s82_root / "apj326724t2.txt").write_text("not a table\n")
    skips = SkipLog()
    assert read_sdss_s82(s82_root, skips=skips) == []
    assert skips.counts[("sdss-s82", "file", "unreadable file")] == 2
    assert skips.counts[("sdss-s82", "file", "empty file")] == 1
    (s82_root / "periods.csv").unlink()
    skips = SkipLog()
    assert read_sdss_s82(s82_root, skips=skips) == []
    assert skips.counts[("sdss-s82", "file", "unreadable file")] == 1


def test_missing_columns(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("time,mag,band\n1,2,g\n")
    with pytest.raises(ReaderError, match="missing columns"):
        read_sdss_lightcurve(tmp_path / "a.csv", skips=SkipLog())
    (tmp_path / "p.csv").write_text("Num,Per\n1,0.5\n")
    with pytest.raises(ReaderError, match="missing columns"):
        read_sdss_periods(tmp_path / "p.csv", skips=SkipLog())


def test_weighted_mean_mag() -> None:
    assert weighted_mean_mag(np.array([17.0, 18.0]), np.array([0.1, 0.1])) == pytest.approx(17.5)
    assert weighted_mean_mag(np.array([17.0, 18.0]), np.array([0.01, 1.0])) == pytest.approx(17.0001, abs=1e-4)
    assert math.isnan(weighted_mean_mag(np.array([]), np.array([])))


@st.composite
def curve_rows(draw):
    """Valid rows of random bands plus injected bad rows, with the expected counts."""
    n = draw(st.integers(0, 40))
    times = draw(st.lists(st.integers(50000, 59000), min_size=n, max_size=n, unique=True))
    valid = [
        (t + 0.5, draw(st.floats(12, 25, allow_nan=False)), draw(st.floats(0.001, 5, allow_nan=False)),
         draw(st.sampled_from(BANDS)))
        for t in times
    ]  # fmt: skip
    bad = draw(st.lists(st.sampled_from(["nan", "zero", "flag", "dup", "text", "band", "width"]), max_size=8))
    lines = [f"{t!r},{m!r},{e!r},{b}" for t, m, e, b in valid]
    for k, kind in enumerate(bad):
        t = 60000.5 + k
        lines.append({
            "nan": f"{t},nan,0.01,g",
            "zero": f"{t},17.0,0.0,g",
            "flag": f"{t},100.01,99.999,g",
            "dup": f"{valid[0][0]!r},17.0,0.01,{valid[0][3]}" if valid else f"{t},17.0,0.0,g",
            "text": f"{t},17.x,0.01,g",
            "band": f"{t},17.0,0.01,Q",
            "width": f"{t},17.0,0.01,g,1",
        }[kind])  # fmt: skip
    if not valid:  # without a valid row a "dup" is a zero-error row
        bad = ["zero" if kind == "dup" else kind for kind in bad]
    return valid, lines, Counter(bad)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(curve_rows())
def test_lightcurve_round_trip_and_count(tmp_path: Path, case) -> None:
    valid, lines, bad = case
    path = tmp_path / "1.csv"
    write_curve(path, lines)
    skips = SkipLog()
    points = read_sdss_lightcurve(path, skips=skips)
    assert set(points) == set(BANDS)
    for b in BANDS:
        expected = sorted((t, m, e) for t, m, e, band in valid if band == b)
        t, m, e = points[b]
        assert list(zip(t, m, e)) == expected
    counts = {r: n for (_, _, r), n in skips.counts.items()}
    assert counts.get("NaN or infinite value", 0) == bad["nan"]
    assert counts.get("error <= 0", 0) == bad["zero"]
    assert counts.get("flagged bad photometry (magerr >= 99)", 0) == bad["flag"]
    assert counts.get("duplicate time", 0) == bad["dup"]
    assert counts.get("non-numeric value", 0) == bad["text"]
    assert counts.get("unknown band", 0) == bad["band"]
    assert counts.get("wrong number of fields", 0) == bad["width"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet="0123456789.,-e abcnNaA\t", max_size=25), max_size=15))
def test_lightcurve_never_crashes_on_garbage(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "g.csv"
    write_curve(path, lines)
    points = read_sdss_lightcurve(path, skips=SkipLog())
    assert all(np.all(e > 0) and np.all(np.diff(t) > 0) for t, _, e in points.values())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["1", "2", "3", "x", ""]),
            st.sampled_from(["ab", "c", " c", "d", "", "AB"]),
            st.sampled_from(["0.5", "0", "-1", "nan", "inf", "abc", ""]),
        ),
        max_size=15,
    )
)
def test_periods_never_crash_and_count_every_row(tmp_path: Path, rows) -> None:
    path = tmp_path / "periods.csv"
    path.write_text("Num,Type,Per\n" + "".join(",".join(r) + "\n" for r in rows))
    skips = SkipLog()
    periods = read_sdss_periods(path, skips=skips)
    assert len(periods) + skips.counts[("sdss-s82", "star", "duplicate star id")] == len(rows)
    assert periods["usable"].sum() + skips.total(level="star") == len(rows)
    usable = periods[periods["usable"]]
    assert (usable["period"] == 0.5).all() and set(usable["subtype"]) <= {"RRab", "RRc"}


@pytest.mark.shared_data
def test_real_sdss_counts() -> None:
    root = shared_dir("sdss-s82-rrlyrae")
    skips = SkipLog()
    lcs = read_sdss_s82(root, skips=skips)
    stars = {lc.star_id: lc for lc in lcs}
    assert len(stars) == 483
    assert Counter(lc.subtype for lc in stars.values()) == {"RRab": 379, "RRc": 104}
    assert Counter(lc.band for lc in lcs) == {b: 483 for b in BANDS}
    assert sum(len(lc) for lc in lcs) == 136126
    assert {r: n for (_, _, r), n in skips.counts.items()} == {
        "flagged bad photometry (magerr >= 99)": 59,
        "duplicate time": 8,
        "repeated exposure (times < 1 s apart)": 3,
    }
    assert all(0.2 < lc.period < 1.0 for lc in stars.values())
    assert all(set(lc.meta["template_amp"]) == set(BANDS) for lc in lcs)
    # RR Lyrae are blue: g - r of the mean magnitudes is small.
    gr = np.array([lc.meta["mean_mag"]["g"] - lc.meta["mean_mag"]["r"] for lc in stars.values()])
    assert -0.3 < np.median(gr) < 0.5


@pytest.mark.shared_data
def test_real_sesar_templates() -> None:
    table = read_sesar_templates(shared_dir("sdss-s82-rrlyrae") / "apj326724t2.txt")
    assert len(table) == 483
    assert Counter(table["Type"]) == {"ab": 379, "c": 104}
    row = table.set_index("Num").loc[4099]
    assert row["Per"] == pytest.approx(0.641754351271)
    assert row["Au"] == pytest.approx(0.534608250965)
    assert row["phiz"] == pytest.approx(51075.2882349586)
    assert row["Tz"] == 100


@pytest.mark.shared_data
def test_real_sdss_limit() -> None:
    lcs = read_sdss_s82(shared_dir("sdss-s82-rrlyrae"), skips=SkipLog(), limit=2, bands=["g"])
    assert Counter(lc.subtype for lc in lcs) == {"RRab": 2, "RRc": 2}
