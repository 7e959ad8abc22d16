"""Tests of the OGLE readers: photometry, ident.dat, parameter tables, the catalog, collections.

Lines in the OIII-CVS formats are built with :func:`fixed` at the byte positions the archive's
READMEs give (lmc/rrlyr, blg/rrlyr, smc/cep, lmc/dsct, smc/lpv, smc/ecl, as indexed copies of the
OGLE archive show them); the Cepheid parameter-table layout is the one of the shared
ogle3-lmc-cep/README.txt.
"""

from __future__ import annotations

import bz2
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import shared_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from varsynth.surveys.ogle import (
    read_ogle,
    read_ogle3_catalog,
    read_ogle_ident,
    read_ogle_param_table,
    read_ogle_param_tables,
    read_ogle_photometry,
    read_ogle_readme_formats,
)
from varsynth.surveys.skips import ReaderError, SkipLog

# The first lines of the real ogle3-lmc-cep/ident.dat (and its first line with an OGLE-II ID).
REAL_IDENT_LINES = [
    "OGLE-LMC-CEP-0001       1O  04:30:57.72 -69:03:37.4  LMC546.19.3065   LMC156.5.186                    ",
    "OGLE-LMC-CEP-0002        F  04:31:47.05 -69:49:09.5  LMC538.25.57     LMC157.6.2009                   ",
    "OGLE-LMC-CEP-0004       1O  04:35:20.16 -69:48:07.7  LMC538.23.35     LMC157.3.2913"
    "                   S6724 NSV01678",
    "OGLE-LMC-CEP-0610        F  05:00:03.47 -69:00:44.7  LMC531.17.26465  LMC127.4.42650  LMC_SC15_31540  ",
]

CATALOG_COLUMNS = (
    "ID Field StarID Type Subtype RA DECL ID_OGLE_II ID_MACHO ID_ASAS ID_GCVS ID_OTHER I V "
    "P_1 dP_1 T0_1 A_1 R21_1 phi21_1 R31_1 phi31_1 "
    "P_2 dP_2 T0_2 A_2 R21_2 phi21_2 R31_2 phi31_2 "
    "P_3 dP_3 T0_3 A_3 R21_3 phi21_3 R31_3 phi31_3 Remarks"
).split()

REAL_CATALOG_TYPES = {
    "LPV": 343785,
    "RRLyr": 44217,
    "Cep": 8037,
    "DSCT": 2788,
    "T2Cep": 603,
    "DPV": 137,
    "aCep": 89,
    "RCB": 23,
}


def catalog_text(rows: list[dict[str, object]]) -> str:
    """An OGLE-III catalog file: the real 7-line header, then one tab-separated row per dict."""
    header = [
        "# Date:     2017-07-12 20:46:30",
        "# Database: cvs",
        "# Target:   all_catalog",
        "# Query:    (type='Cep' or type='DPV') ",
        f"# Objects:  {len(rows)}",
        "# Columns:",
        "# " + "\t".join(CATALOG_COLUMNS),
    ]
    body = ["\t".join(str(row.get(c, "-99.99")) for c in CATALOG_COLUMNS) for row in rows]
    return "\n".join(header + body) + "\n"


CEP_ROW = {
    "ID": "OGLE-LMC-CEP-0001",
    "Field": "LMC156.5",
    "StarID": 186,
    "Type": "Cep",
    "Subtype": "1",
    "RA": 4.516036,
    "DECL": -69.06039,
    "ID_OTHER": "      ",
    "I": 17.777,
    "V": 18.173,
    "P_1": 0.3068149,
    "dP_1": 0.0000002,
    "T0_1": 2184.56406,
    "A_1": 0.349,
    "R21_1": 0.258,
    "phi21_1": 4.621,
    "R31_1": 0.089,
    "phi31_1": 2.750,
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- photometry


def test_photometry_known_answer(tmp_path: Path) -> None:
    path = write(
        tmp_path / "star.dat",
        "\n".join(
            [
                "2184.81184 17.946 0.027",  # 1 valid
                "2188.86239 17.631",  # 2 two columns
                "2191.77255 17.858 0.018",  # 3 valid
                "",  # 4 blank: no observation
                "2200.79366 abc 0.018",  # 5 non-numeric
                "2206.72879 nan 0.024",  # 6 NaN magnitude
                "2216.85289 17.702 0.000",  # 7 zero error
                "2188.86239 17.500 0.010",  # 8 time of line 2 (which was malformed): kept
                "2184.81184 17.000 0.010",  # 9 duplicate of line 1
                "2150.00000 17.100 0.020 9",  # 10 four columns
            ]
        )
        + "\n",
    )
    skips = SkipLog()
    time, mag, err = read_ogle_photometry(path, skips=skips, where="phot/I/star.dat")
    np.testing.assert_array_equal(time, [2184.81184, 2188.86239, 2191.77255])
    np.testing.assert_array_equal(mag, [17.946, 17.5, 17.858])
    np.testing.assert_array_equal(err, [0.027, 0.010, 0.018])
    rows = {(r["level"], r["reason"]): r for r in skips.rows()}
    assert rows[("line", "malformed line: expected 3 columns")]["count"] == 2
    assert rows[("line", "malformed line: expected 3 columns")]["examples"] == [
        "phot/I/star.dat:2",
        "phot/I/star.dat:10",
    ]
    assert rows[("line", "malformed line: non-numeric value")]["examples"] == ["phot/I/star.dat:5"]
    assert rows[("point", "NaN or infinite value")]["count"] == 1
    assert rows[("point", "error <= 0")]["count"] == 1
    assert rows[("point", "duplicate time")]["count"] == 1
    assert skips.total() == 6


@pytest.mark.parametrize("text", ["", "\n\n", "a b c\n1 2\n"])
def test_photometry_without_valid_line_raises(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "OGLE-LMC-CEP-9999.dat", text)
    with pytest.raises(ReaderError, match="OGLE-LMC-CEP-9999.dat"):
        read_ogle_photometry(path, skips=SkipLog())


def test_photometry_binary_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "bad.dat"
    path.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(ReaderError, match="bad.dat"):
        read_ogle_photometry(path, skips=SkipLog())


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6)
valid_rows = st.lists(
    st.tuples(finite, finite, st.floats(min_value=1e-4, max_value=10.0)),
    min_size=1,
    max_size=40,
    unique_by=lambda row: row[0],
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=valid_rows)
def test_photometry_valid_rows_round_trip(tmp_path: Path, rows: list[tuple[float, float, float]]) -> None:
    path = write(tmp_path / "rt.dat", "".join(f"{t!r} {m!r} {e!r}\n" for t, m, e in rows))
    skips = SkipLog()
    time, mag, err = read_ogle_photometry(path, skips=skips)
    expected = np.array(sorted(rows), dtype=np.float64)
    np.testing.assert_array_equal(time, expected[:, 0])
    np.testing.assert_array_equal(mag, expected[:, 1])
    np.testing.assert_array_equal(err, expected[:, 2])
    assert skips.total() == 0


BAD_KINDS = ("columns", "text", "nan", "zero_err", "neg_err", "duplicate")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=valid_rows, bad=st.lists(st.sampled_from(BAD_KINDS), max_size=15), data=st.data())
def test_photometry_injected_bad_rows_are_counted(
    tmp_path: Path, rows: list[tuple[float, float, float]], bad: list[str], data: st.DataObject
) -> None:
    lines = [f"{t!r} {m!r} {e!r}" for t, m, e in rows]
    times = [t for t, _, _ in rows]
    for kind in bad:
        t = data.draw(st.sampled_from(times)) if kind == "duplicate" else 1e7
        line = {
            "columns": data.draw(st.sampled_from(["1.0", "1.0 2.0", "1.0 2.0 3.0 4.0"])),
            "text": data.draw(st.sampled_from(["x 17.0 0.01", "1.0 17,5 0.01", "1.0 17.0 --"])),
            "nan": data.draw(st.sampled_from(["nan 17.0 0.01", "1e7 NaN 0.01", "1e7 17.0 inf"])),
            "zero_err": "1e7 17.0 0.0",
            "neg_err": "1e7 17.0 -0.01",
            "duplicate": f"{t!r} 15.0 0.5",
        }[kind]
        lines.insert(data.draw(st.integers(0, len(lines))), line)
    path = write(tmp_path / "bad.dat", "\n".join(lines) + "\n")
    skips = SkipLog()
    time, mag, err = read_ogle_photometry(path, skips=skips)
    n = Counter(bad)
    count = {(lv, r): c for (_, lv, r), c in skips.counts.items()}
    assert count.get(("line", "malformed line: expected 3 columns"), 0) == n["columns"]
    assert count.get(("line", "malformed line: non-numeric value"), 0) == n["text"]
    assert count.get(("point", "NaN or infinite value"), 0) == n["nan"]
    assert count.get(("point", "error <= 0"), 0) == n["zero_err"] + n["neg_err"]
    assert count.get(("point", "duplicate time"), 0) == n["duplicate"]
    assert sorted(time.tolist()) == sorted(times) == time.tolist()
    assert np.all(err > 0) and np.all(np.isfinite(mag))


# --------------------------------------------------------------------------- ident.dat


def test_ident_real_first_lines(tmp_path: Path) -> None:
    path = write(tmp_path / "ident.dat", "\n".join(REAL_IDENT_LINES) + "\n")
    ident = read_ogle_ident(path)
    assert list(ident.index) == ["OGLE-LMC-CEP-0001", "OGLE-LMC-CEP-0002", "OGLE-LMC-CEP-0004", "OGLE-LMC-CEP-0610"]
    assert list(ident["mode"]) == ["1O", "F", "1O", "F"]
    first = ident.loc["OGLE-LMC-CEP-0001"]
    assert first["ra"] == pytest.approx(15 * (4 + 30 / 60 + 57.72 / 3600), abs=1e-9)
    assert first["dec"] == pytest.approx(-(69 + 3 / 60 + 37.4 / 3600), abs=1e-9)
    assert (first["ogle4_id"], first["ogle3_id"], first["ogle2_id"], first["other_id"]) == (
        "LMC546.19.3065",
        "LMC156.5.186",
        "",
        "",
    )
    assert ident.at["OGLE-LMC-CEP-0004", "other_id"] == "S6724 NSV01678"
    assert ident.at["OGLE-LMC-CEP-0610", "ogle2_id"] == "LMC_SC15_31540"
    assert ident.at["OGLE-LMC-CEP-0610", "ogle4_id"] == "LMC531.17.26465"


def test_ident_bad_and_repeated_lines(tmp_path: Path) -> None:
    lines = [REAL_IDENT_LINES[0], "garbage line", REAL_IDENT_LINES[1], REAL_IDENT_LINES[0]]
    path = write(tmp_path / "ident.dat", "\n".join(lines) + "\n")
    with pytest.raises(ReaderError, match="ident.dat, line 2"):
        read_ogle_ident(path)
    skips = SkipLog()
    ident = read_ogle_ident(path, skips=skips)
    assert list(ident.index) == ["OGLE-LMC-CEP-0001", "OGLE-LMC-CEP-0002"]
    assert skips.examples[("ogle3", "line", "malformed ident.dat line")] == [f"{path}:2"]
    assert skips.examples[("ogle3", "line", "repeated star ID in ident.dat")] == [f"{path}:4"]
    with pytest.raises(ReaderError, match="no valid"):
        read_ogle_ident(write(tmp_path / "empty.dat", "\n"), skips=SkipLog())


@pytest.mark.shared_data
def test_ident_real_file() -> None:
    ident = read_ogle_ident(shared_dir("ogle3-lmc-cep") / "ident.dat")
    assert len(ident) == 4704 and ident.index.is_unique
    assert ident["mode"].value_counts().to_dict() == {
        "F": 2476,
        "1O": 1775,
        "1O/2O": 322,
        "F/1O": 95,
        "2O": 26,
        "1O/2O/3O": 7,
        "1O/3O": 1,
        "F/1O/2O": 1,
        "2O/3O": 1,
    }
    # the OGLE-IV LMC fields: RA 60-98 deg, Dec -80 to -55 deg
    assert ident["ra"].between(60, 98).all() and ident["dec"].between(-80, -55).all()


def fixed(*parts: tuple[int, str]) -> str:
    """A fixed-width line: each text starts at its 1-based README byte."""
    line = ""
    for start, text in parts:
        assert len(line) < start, f"field at byte {start} overlaps the previous one"
        line = line.ljust(start - 1) + text
    return line


def ra_deg(h: int, m: int, s: float) -> float:
    return 15 * (h + m / 60 + s / 3600)


def dec_deg(sign: int, d: int, m: int, s: float) -> float:
    return sign * (d + m / 60 + s / 3600)


# One line per OIII-CVS ident.dat layout, at the README byte positions of each collection.
OIII_IDENT_LINES = {
    # lmc/rrlyr: ID 1-20, field 23-30, number 32-37, subtype 39-42, RA 45-55, Dec 57-67,
    # OGLE-II ID 69-83, MACHO ID 85-
    "lmc/rrlyr": fixed(
        (1, "OGLE-LMC-RRLYR-00001"),
        (23, "LMC100.1"),
        (32, f"{1234:>6}"),
        (39, "RRab"),
        (45, "05:10:12.34"),
        (57, "-69:20:30.5"),
        (69, "LMC_SC1 123456"),
        (85, "1.3449.1234"),
    ),
    # blg/rrlyr: same byte layout, bulge field
    "blg/rrlyr": fixed(
        (1, "OGLE-BLG-RRLYR-00002"),
        (23, "BLG101.2"),
        (32, f"{56789:>6}"),
        (39, "RRc"),
        (45, "17:59:01.50"),
        (57, "-29:05:03.0"),
    ),
    # smc/cep: ID 1-17, field 20-27, number 29-34, mode(s) 36-43, RA 46-56, Dec 58-68
    "smc/cep": fixed(
        (1, "OGLE-SMC-CEP-0003"),
        (20, "SMC140.8"),
        (29, f"{17:>6}"),
        (36, "1O/2O"),
        (46, "00:21:12.34"),
        (58, "-73:20:30.5"),
        (70, "SMC_SC1 4321"),
    ),
    # lmc/dsct: ID 1-18, field 20-27, number 29-34, SINGLEMODE/MULTIMODE 36-45, RA 47-57,
    # Dec 59-69, OGLE-II ID 71-85
    "lmc/dsct": fixed(
        (1, "OGLE-LMC-DSCT-0004"),
        (20, "LMC158.5"),
        (29, f"{3261:>6}"),
        (36, "SINGLEMODE"),
        (47, "05:32:01.02"),
        (59, "-70:01:02.3"),
    ),
    # smc/lpv: ID 1-18, field 21-28, number 30-35, subtype 38-42, spectral type 44, RA 47-57
    "smc/lpv": fixed(
        (1, "OGLE-SMC-LPV-00005"),
        (21, "SMC100.1"),
        (30, f"{77:>6}"),
        (38, "Mira"),
        (44, "C"),
        (47, "00:41:12.34"),
        (59, "-73:20:30.5"),
    ),
    # smc/ecl: ID 1-17, field 20-27, number 29-34, type 36-37, RA 40-50, Dec 52-62,
    # OGLE-II ID 64-77, MACHO ID 80-93, GCVS ID 95-99, other 101-
    "smc/ecl": fixed(
        (1, "OGLE-SMC-ECL-0006"),
        (20, "SMC125.3"),
        (29, f"{5:>6}"),
        (36, "EC"),
        (40, "00:51:12.34"),
        (52, "-72:20:30.5"),
        (64, "SMC_SC5 12345"),
        (80, "208.15512.123"),
        (95, "HV123"),
    ),
}

OIII_EXPECTED = {
    "OGLE-LMC-RRLYR-00001": (
        "RRab",
        "LMC100.1",
        "",
        "LMC100.1.1234",
        "LMC_SC1 123456 1.3449.1234",
        ra_deg(5, 10, 12.34),
        dec_deg(-1, 69, 20, 30.5),
    ),
    "OGLE-BLG-RRLYR-00002": ("RRc", "BLG101.2", "", "BLG101.2.56789", "", ra_deg(17, 59, 1.5), dec_deg(-1, 29, 5, 3.0)),
    "OGLE-SMC-CEP-0003": (
        "1O/2O",
        "SMC140.8",
        "",
        "SMC140.8.17",
        "SMC_SC1 4321",
        ra_deg(0, 21, 12.34),
        dec_deg(-1, 73, 20, 30.5),
    ),
    "OGLE-LMC-DSCT-0004": (
        "SINGLEMODE",
        "LMC158.5",
        "",
        "LMC158.5.3261",
        "",
        ra_deg(5, 32, 1.02),
        dec_deg(-1, 70, 1, 2.3),
    ),
    "OGLE-SMC-LPV-00005": ("Mira", "SMC100.1", "C", "SMC100.1.77", "", ra_deg(0, 41, 12.34), dec_deg(-1, 73, 20, 30.5)),
    "OGLE-SMC-ECL-0006": (
        "EC",
        "SMC125.3",
        "",
        "SMC125.3.5",
        "SMC_SC5 12345 208.15512.123 HV123",
        ra_deg(0, 51, 12.34),
        dec_deg(-1, 72, 20, 30.5),
    ),
}

# OCVS (OGLE-IV era) lmc/ecl: ID 1-18, subtype 21-23 (C, NC, CV, ELL), RA 25-35, Dec 37-47,
# OGLE-IV ID 50-65, OGLE-III ID 67-81
OCVS_ECL_LINE = fixed(
    (1, "OGLE-LMC-ECL-00007"),
    (21, "NC"),
    (25, "05:01:02.30"),
    (37, "-68:01:02.3"),
    (50, "LMC503.01.123"),
    (67, "LMC100.2.4567"),
)


def test_ident_oiii_layouts(tmp_path: Path) -> None:
    lines = [*OIII_IDENT_LINES.values(), REAL_IDENT_LINES[0], OCVS_ECL_LINE]
    skips = SkipLog()
    ident = read_ogle_ident(write(tmp_path / "ident.dat", "\n".join(lines) + "\n"), skips=skips)
    assert skips.total() == 0
    assert list(ident.index) == [*OIII_EXPECTED, "OGLE-LMC-CEP-0001", "OGLE-LMC-ECL-00007"]
    for star, (mode, field, extra, ogle3, other, ra, dec) in OIII_EXPECTED.items():
        row = ident.loc[star]
        assert (
            row["mode"],
            row["field"],
            row["extra_labels"],
            row["ogle3_id"],
            row["other_id"],
            row["ogle4_id"],
            row["ogle2_id"],
        ) == (mode, field, extra, ogle3, other, "", "")
        assert row["ra"] == pytest.approx(ra, abs=1e-9) and row["dec"] == pytest.approx(dec, abs=1e-9)
    cep = ident.loc["OGLE-LMC-CEP-0001"]
    assert (cep["mode"], cep["field"], cep["ogle3_id"]) == ("1O", "", "LMC156.5.186")
    ecl = ident.loc["OGLE-LMC-ECL-00007"]
    assert (ecl["mode"], ecl["ogle4_id"], ecl["ogle3_id"]) == ("NC", "LMC503.01.123", "LMC100.2.4567")


@pytest.mark.parametrize(
    ("ra", "dec", "expected"),
    [
        ("05 10 12.34", "-69 20 30.5", (ra_deg(5, 10, 12.34), dec_deg(-1, 69, 20, 30.5))),
        (" 5:10:12.34", "+ 9: 5: 3.0", (ra_deg(5, 10, 12.34), dec_deg(1, 9, 5, 3.0))),
    ],
)
def test_ident_blank_separated_coordinates(tmp_path: Path, ra: str, dec: str, expected: tuple[float, float]) -> None:
    line = fixed((1, "OGLE-LMC-RRLYR-00009"), (23, "LMC100.1"), (32, f"{12:>6}"), (39, "RRab"), (45, ra), (57, dec))
    ident = read_ogle_ident(write(tmp_path / "ident.dat", line + "\n"))
    assert tuple(ident.iloc[0][["ra", "dec"]]) == pytest.approx(expected, abs=1e-9)


def test_ident_oiii_malformed_lines_are_counted(tmp_path: Path) -> None:
    good = OIII_IDENT_LINES["lmc/rrlyr"]
    bad = [
        good.replace("05:10:12.34", "05:10"),  # RA cut short
        good.replace("-69:20:30.5", "69:20:30.5"),  # Dec without sign
        good.replace("  1234", "  12a4"),  # database number not a number
        "OGLE-LMC-RRLYR-00003  LMC100.1",  # nothing after the field
    ]
    path = write(tmp_path / "ident.dat", "\n".join([good, *bad, good]) + "\n")
    skips = SkipLog()
    ident = read_ogle_ident(path, skips=skips)
    assert list(ident.index) == ["OGLE-LMC-RRLYR-00001"]
    assert skips.counts[("ogle3", "line", "malformed ident.dat line")] == 4
    assert skips.counts[("ogle3", "line", "repeated star ID in ident.dat")] == 1
    with pytest.raises(ReaderError, match="ident.dat, line 2"):
        read_ogle_ident(path)


oiii_rows = st.lists(
    st.tuples(
        st.integers(1, 99999),  # star number
        st.sampled_from(["LMC", "SMC", "BLG"]),
        st.integers(100, 366),
        st.integers(1, 8),
        st.integers(1, 999999),  # database number
        st.sampled_from(["F", "1O", "1O/2O", "RRab", "RRc", "EC", "ED", "ESD", "Mira", "-"]),
        st.integers(0, 23),
        st.integers(0, 59),
        st.integers(0, 5999),  # RA h, m, 0.01 s
        st.sampled_from([-1, 1]),
        st.integers(0, 89),
        st.integers(0, 59),
        st.integers(0, 599),
    ),
    min_size=1,
    max_size=20,
    unique_by=lambda row: row[0],
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=oiii_rows, garbage=st.lists(st.sampled_from(["x", "OGLE-A LMC100.1 1 F 1:2", "1 2 3"]), max_size=5))
def test_ident_oiii_rows_round_trip(tmp_path: Path, rows: list[tuple], garbage: list[str]) -> None:
    lines = []
    for n, region, field, chip, number, mode, rh, rm, rs, sign, dd, dm, ds in rows:
        lines.append(
            fixed(
                (1, f"OGLE-{region}-RRLYR-{n:05d}"),
                (23, f"{region}{field}.{chip}"),
                (32, f"{number:>6}"),
                (39, mode),
                (45, f"{rh:02d}:{rm:02d}:{rs / 100:05.2f}"),
                (57, f"{'+' if sign > 0 else '-'}{dd:02d}:{dm:02d}:{ds / 10:04.1f}"),
            )
        )
    skips = SkipLog()
    ident = read_ogle_ident(write(tmp_path / "ident.dat", "\n".join(lines + garbage) + "\n"), skips=skips)
    assert skips.total() == skips.counts[("ogle3", "line", "malformed ident.dat line")] == len(garbage)
    assert len(ident) == len(rows)
    for (n, region, field, chip, number, mode, rh, rm, rs, sign, dd, dm, ds), (star, row) in zip(
        rows, ident.iterrows()
    ):
        assert star == f"OGLE-{region}-RRLYR-{n:05d}"
        assert (row["mode"], row["ogle3_id"]) == (mode, f"{region}{field}.{chip}.{number}")
        assert row["ra"] == pytest.approx(ra_deg(rh, rm, rs / 100), abs=1e-9)
        assert row["dec"] == pytest.approx(dec_deg(sign, dd, dm, ds / 10), abs=1e-9)


# --------------------------------------------------------------------------- parameter tables

# The "Format of files cepF.dat, ..." section of ogle3-lmc-cep/README.txt, as written there.
CEP_README = """\
Format of files cepF.dat, cep1O.dat, and cep2O.dat:
--------------------------------------------------------------------------
 Bytes  Format Units   Description
--------------------------------------------------------------------------
  1- 17  A17   ---     Star's ID
 20- 25  F6.3  mag     Intensity mean I-band magnitude
 27- 32  F6.3  mag     Intensity mean V-band magnitude
 34- 44  F11.7 days    Period
 46- 54  F9.7  days    Uncertainty of period
 57- 66  F10.5 days    Time of maximum brightness (HJD-2450000)
 69- 73  F5.3  mag     I-band amplitude (maximum-minimum)
 76- 80  F5.3  ---     Fourier coefficient R_21
 82- 86  F5.3  ---     Fourier coefficient phi_21
 89- 93  F5.3  ---     Fourier coefficient R_31
 95- 99  F5.3  ---     Fourier coefficient phi_31
--------------------------------------------------------------------------
"""

# An eclipsing-binary section in the same README style. ASSUMED layout: the byte positions of
# the OIII-CVS ecl.dat could not be checked (only its heading is in the indexed README); these
# follow the OCVS ecl.dat columns (ID, I, V, period, epoch of minimum, two eclipse depths).
ECL_README = """\
Format of files ecl.dat:
--------------------------------------------------------------------------
 Bytes  Format Units   Description
--------------------------------------------------------------------------
  1- 18  A18   ---     Star's ID
 21- 26  F6.3  mag     I-band magnitude at maximum light
 28- 33  F6.3  mag     V-band magnitude at maximum light
 35- 46  F12.8 days    Orbital period
 49- 60  F12.6 days    Epoch of the primary eclipse (HJD-2450000)
 62- 67  F6.3  mag     Depth of the primary eclipse in
                       the I band
 69- 73  F5.3  mag     Depth of the secondary eclipse in the I band
--------------------------------------------------------------------------
"""


def cep_line(star: str, values: dict[str, float | None]) -> str:
    """A cepF.dat line at the README byte positions; ``None`` leaves the field blank."""

    def cell(key: str, width: int, digits: int) -> str:
        value = values.get(key)
        return " " * width if value is None else f"{value:{width}.{digits}f}"

    return fixed(
        (1, star),
        (20, cell("I", 6, 3)),
        (27, cell("V", 6, 3)),
        (34, cell("P_1", 11, 7)),
        (46, cell("dP_1", 9, 7)),
        (57, cell("T0_1", 10, 5)),
        (69, cell("A_1", 5, 3)),
        (76, cell("R21_1", 5, 3)),
        (82, cell("phi21_1", 5, 3)),
        (89, cell("R31_1", 5, 3)),
        (95, cell("phi31_1", 5, 3)),
    ).rstrip()


def ecl_line(star: str, i_mag: float, v_mag: float, period: float, t0: float, d1: float, d2: float) -> str:
    return fixed(
        (1, star),
        (21, f"{i_mag:6.3f}"),
        (28, f"{v_mag:6.3f}"),
        (35, f"{period:12.8f}"),
        (49, f"{t0:12.6f}"),
        (62, f"{d1:6.3f}"),
        (69, f"{d2:5.3f}"),
    )


CEP_VALUES = {
    "I": 15.672,
    "V": 16.352,
    "P_1": 3.1181195,
    "dP_1": 0.0000031,
    "T0_1": 2170.89732,
    "A_1": 0.512,
    "R21_1": 0.401,
    "phi21_1": 4.521,
    "R31_1": 0.245,
    "phi31_1": 2.874,
}


def test_readme_formats_known_answer(tmp_path: Path) -> None:
    readme = write(tmp_path / "README", "Some text.\n\n" + CEP_README + "\n" + ECL_README)
    formats = read_ogle_readme_formats(readme)
    assert sorted(formats) == ["cep1O.dat", "cep2O.dat", "cepF.dat", "ecl.dat"]
    cep = formats["cepF.dat"]
    assert [(c.name, c.start, c.stop) for c in cep] == [
        ("ID", 0, 17),
        ("I", 19, 25),
        ("V", 26, 32),
        ("P_1", 33, 44),
        ("dP_1", 45, 54),
        ("T0_1", 56, 66),
        ("A_1", 68, 73),
        ("R21_1", 75, 80),
        ("phi21_1", 81, 86),
        ("R31_1", 88, 93),
        ("phi31_1", 94, 99),
    ]
    ecl = formats["ecl.dat"]
    assert [c.name for c in ecl] == ["ID", "I", "V", "P_1", "T0_1", "depth_1", "depth_2"]
    assert ecl[5].description == "Depth of the primary eclipse in the I band"


@pytest.mark.shared_data
def test_readme_formats_real_file() -> None:
    formats = read_ogle_readme_formats(shared_dir("ogle3-lmc-cep") / "README.txt")
    singles = ("cepF.dat", "cep1O.dat", "cep2O.dat")
    doubles = ("cepF1O.dat", "cep1O2O.dat", "cep1O3O.dat", "cep2O3O.dat")
    triples = ("cepF1O2O.dat", "cep1O2O3O.dat")
    assert set(singles + doubles + triples + ("ident.dat",)) <= set(formats)
    block = ["P", "dP", "T0", "A", "R21", "phi21", "R31", "phi31"]
    for names, modes in ((singles, 1), (doubles, 2), (triples, 3)):
        for name in names:
            expected = ["ID", "I", "V"] + [f"{key}_{k}" for k in range(1, modes + 1) for key in block]
            assert [c.name for c in formats[name]] == expected, name
    triple = {c.name: (c.start, c.stop) for c in formats["cepF1O2O.dat"]}
    # README: 34-44 longest period, 101-110 medium period, 167-176 shortest period
    assert (triple["P_1"], triple["P_2"], triple["P_3"]) == ((33, 44), (100, 110), (166, 176))


def test_param_table_known_answer(tmp_path: Path) -> None:
    columns = read_ogle_readme_formats(write(tmp_path / "README", CEP_README))["cepF.dat"]
    lines = [
        cep_line("OGLE-LMC-CEP-0002", CEP_VALUES),
        cep_line("OGLE-LMC-CEP-0010", dict(CEP_VALUES, V=None)),  # V left blank
        cep_line("OGLE-LMC-CEP-0011", CEP_VALUES).replace("16.352", "-99.99"),  # V missing
        "",
        "OGLE-LMC-CEP-0012  garbage",  # non-numeric
        cep_line("OGLE-LMC-CEP-0002", dict(CEP_VALUES, P_1=9.9)),  # repeated ID
    ]
    path = write(tmp_path / "cepF.dat", "\n".join(lines) + "\n")
    skips = SkipLog()
    table = read_ogle_param_table(path, columns=columns, skips=skips)
    assert list(table.index) == ["OGLE-LMC-CEP-0002", "OGLE-LMC-CEP-0010", "OGLE-LMC-CEP-0011"]
    assert table.loc["OGLE-LMC-CEP-0002"].drop("table").to_dict() == CEP_VALUES
    for star in ("OGLE-LMC-CEP-0010", "OGLE-LMC-CEP-0011"):
        row = table.loc[star]
        assert math.isnan(row["V"]) and row["P_1"] == CEP_VALUES["P_1"]
        assert row["phi31_1"] == CEP_VALUES["phi31_1"]
    assert set(table["table"]) == {"cepF.dat"}
    assert skips.examples[("ogle3", "line", "malformed parameter-table line")] == [f"{path}:5"]
    assert skips.examples[("ogle3", "line", "repeated star ID in parameter table")] == [f"{path}:6"]
    # without README: the built-in Cepheid order gives the same values for complete lines
    plain = read_ogle_param_table(path, skips=SkipLog())
    assert plain.loc["OGLE-LMC-CEP-0002"].drop("table").dropna().to_dict() == CEP_VALUES
    with pytest.raises(ReaderError, match="cepF.dat, line 5"):
        read_ogle_param_table(path, columns=columns)
    with pytest.raises(ReaderError, match="no valid"):
        read_ogle_param_table(write(tmp_path / "empty.dat", "\n"), skips=SkipLog())


def test_param_table_multimode_and_binary_defaults(tmp_path: Path) -> None:
    # cepF1O.dat without README: ID, I, V, then P, dP, T0, A, R21, phi21, R31, phi31 per mode
    second = "  2.2181195 0.0000041  2170.12345  0.201  0.101 3.111  0.051 1.222"
    multi = write(tmp_path / "cepF1O.dat", cep_line("OGLE-LMC-CEP-0020", CEP_VALUES) + second + "\n")
    row = read_ogle_param_table(multi).iloc[0]
    assert (row["P_1"], row["P_2"], row["dP_2"], row["phi31_2"]) == (3.1181195, 2.2181195, 0.0000041, 1.222)
    assert math.isnan(row["P_3"])
    ecl = write(
        tmp_path / "ecl.dat", ecl_line("OGLE-LMC-ECL-00001", 18.1, 18.5, 1.23456789, 3000.123456, 0.52, 0.1) + "\n"
    )
    row = read_ogle_param_table(ecl).iloc[0]
    assert row.drop("table").to_dict() == {
        "I": 18.1,
        "V": 18.5,
        "P_1": 1.23456789,
        "T0_1": 3000.123456,
        "depth_1": 0.52,
        "depth_2": 0.1,
    }


finite_mag = st.floats(10, 25, allow_nan=False).map(lambda x: round(x, 3))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            st.integers(1, 9999),
            finite_mag,
            st.one_of(st.none(), finite_mag),
            st.floats(0.1, 999, allow_nan=False).map(lambda x: round(x, 7)),
            st.floats(0, 0.9, allow_nan=False).map(lambda x: round(x, 7)),
        ),
        min_size=1,
        max_size=20,
        unique_by=lambda row: row[0],
    ),
    garbage=st.lists(
        st.sampled_from(["x", "OGLE-LMC-CEP-9 a b c", "OGLE-LMC-CEP-8 1 2 3 4 x", "OGLE-LMC-CEP-7  -  -99.99"]),
        max_size=4,
    ),
)
def test_param_table_rows_round_trip(tmp_path: Path, rows: list[tuple], garbage: list[str]) -> None:
    columns = read_ogle_readme_formats(write(tmp_path / "README", CEP_README))["cepF.dat"]
    lines = [cep_line(f"OGLE-LMC-CEP-{n:04d}", dict(CEP_VALUES, I=i, V=v, P_1=p, dP_1=dp)) for n, i, v, p, dp in rows]
    skips = SkipLog()
    table = read_ogle_param_table(
        write(tmp_path / "cepF.dat", "\n".join(lines + garbage) + "\n"), columns=columns, skips=skips
    )
    assert skips.total() == len(garbage)
    assert len(table) == len(rows)
    for n, i, v, p, dp in rows:
        row = table.loc[f"OGLE-LMC-CEP-{n:04d}"]
        assert (row["I"], row["P_1"], row["dP_1"], row["A_1"]) == (i, p, dp, CEP_VALUES["A_1"])
        assert math.isnan(row["V"]) if v is None else row["V"] == v


def test_param_tables_of_a_folder(tmp_path: Path) -> None:
    write(tmp_path / "README", CEP_README)
    write(tmp_path / "cepF.dat", cep_line("OGLE-LMC-CEP-0001", CEP_VALUES) + "\n")
    write(
        tmp_path / "cep1O.dat",
        "\n".join(
            [
                cep_line("OGLE-LMC-CEP-0002", dict(CEP_VALUES, P_1=0.5)),
                cep_line("OGLE-LMC-CEP-0001", dict(CEP_VALUES, P_1=0.7)),  # also in cepF.dat
            ]
        )
        + "\n",
    )
    write(tmp_path / "ident.dat", REAL_IDENT_LINES[0] + "\n")  # never read as a table
    write(tmp_path / "bad.dat", "")
    skips = SkipLog()
    tables = read_ogle_param_tables(tmp_path, skips=skips)
    # the first table in sorted name order wins: cep1O.dat before cepF.dat
    assert tables["P_1"].to_dict() == {"OGLE-LMC-CEP-0002": 0.5, "OGLE-LMC-CEP-0001": 0.7}
    assert set(tables["table"]) == {"cep1O.dat"}
    count = {(lv, r): c for (_, lv, r), c in skips.counts.items()}
    assert count == {("line", "star listed in two parameter tables"): 1, ("file", "unreadable file"): 1}
    assert read_ogle_param_tables(tmp_path / "nothing", skips=SkipLog()).empty


@pytest.mark.shared_data
def test_param_tables_real_folder_has_none() -> None:
    # ogle3-lmc-cep holds README.txt, ident.dat and phot/ only: periods come from the catalog
    skips = SkipLog()
    assert read_ogle_param_tables(shared_dir("ogle3-lmc-cep"), skips=skips).empty
    assert skips.total() == 0


# --------------------------------------------------------------------------- catalog


@pytest.mark.parametrize("name", ["catalog.txt", "catalog.txt.bz2"])
def test_catalog_small_file(tmp_path: Path, name: str) -> None:
    rows = [
        CEP_ROW,
        {
            "ID": "OGLE-LMC-DPV-001",
            "Field": "LMC100.1",
            "StarID": 5,
            "Type": "DPV",
            "RA": 5.0,
            "DECL": -70.0,
            "I": 16.0,
            "V": 16.5,
            "P_1": 30.1,
        },
        {
            "ID": "OGLE-BLG-LPV-232406",
            "Field": "BLG278.1",
            "StarID": 39181,
            "Type": "LPV",
            "Subtype": "OSARG",
            "RA": 18.536906,
            "DECL": -24.41217,
            "I": 13.218,
            "V": 16.480,
            "P_1": 116.66,
            "A_1": 0.066,
            "P_2": 2.9239,
            "Remarks": "ECL/ELL",
        },
    ]
    text = catalog_text(rows)
    path = tmp_path / name
    if name.endswith(".bz2"):
        path.write_bytes(bz2.compress(text.encode()))
    else:
        path.write_text(text)
    cat = read_ogle3_catalog(path)
    assert list(cat["ID"]) == [r["ID"] for r in rows]
    assert list(cat.columns[: len(CATALOG_COLUMNS)]) == list(CATALOG_COLUMNS)
    assert list(cat["vclass"]) == ["CEP", None, "LPV"]
    assert list(cat["subtype_norm"]) == ["1O", None, "OSARG"]
    cep = cat.iloc[0]
    assert cep["P_1"] == 0.3068149 and cep["phi31_1"] == 2.75 and cep["StarID"] == 186
    assert cep["ra_deg"] == pytest.approx(67.74054) and cep["dec_deg"] == -69.06039
    assert math.isnan(cep["P_2"]) and pd.isna(cep["ID_OTHER"]) and pd.isna(cep["Remarks"])
    assert cat.iloc[2]["Remarks"] == "ECL/ELL" and cat.iloc[2]["P_2"] == 2.9239
    assert pd.isna(cat.iloc[1]["Subtype"])


def test_catalog_without_header_raises(tmp_path: Path) -> None:
    path = write(tmp_path / "cat.txt", "OGLE-LMC-CEP-0001\tLMC156.5\n")
    with pytest.raises(ReaderError, match="column-name"):
        read_ogle3_catalog(path)


@pytest.mark.parametrize(
    "text, message",
    [
        # Found by fuzzing: each ended in a KeyError, TypeError or zlib.error, not a ReaderError.
        ("# ID\tField\tRA\tDECL\nOGLE-LMC-CEP-0001\tLMC156.5\t4.5\t-69.0\n", "no column Type, Subtype"),
        (
            "# ID\tType\tSubtype\tRA\tDECL\nOGLE-LMC-CEP-0001\tCep\tF\t4.5\t-69.0\n"
            "OGLE-LMC-CEP-0002\tCep\tF\t4h31m\t-69.0\n",
            "RA of data row 2 is not a number: '4h31m'",
        ),
        ("# ID\tType\tSubtype\tRA\tDECL\nOGLE-LMC-CEP-0001\tCep\tF\t4.5\t\n", "DECL of data row 1 is not a number"),
        ("# ID\tStarID\tType\tSubtype\tRA\tDECL\nOGLE-LMC-CEP-0001\t1.5\tCep\tF\t4.5\t-69.0\n", "cannot parse catalog"),
        # found by the nightly fuzz volume: an infinite StarID ended in an OverflowError
        ("# ID\tStarID\tType\tSubtype\tRA\tDECL\nOGLE-LMC-CEP-0001\tinf\tCep\tF\t4.5\t-69.0\n", "cannot parse catalog"),
    ],
)
def test_malformed_catalog_raises_reader_error(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "cat.txt", text)
    with pytest.raises(ReaderError, match=message):
        read_ogle3_catalog(path)


def test_damaged_gzip_catalog_raises_reader_error(tmp_path: Path) -> None:
    import gzip

    packed = gzip.compress(catalog_text([CEP_ROW]).encode(), mtime=0)
    path = tmp_path / "cat.txt.gz"
    path.write_bytes(packed[:10] + bytes(b ^ 0xFF for b in packed[10:]))
    with pytest.raises(ReaderError, match="cannot (read|parse) catalog"):
        read_ogle3_catalog(path)


@pytest.fixture(scope="module")
def real_catalog() -> pd.DataFrame:
    return read_ogle3_catalog(shared_dir("ogle3-catalog") / "ogle3_catalog.txt.bz2")


@pytest.mark.shared_data
def test_catalog_real_file(real_catalog: pd.DataFrame) -> None:
    cat = real_catalog
    assert len(cat) == 399_679 and cat["ID"].is_unique
    assert cat["Type"].value_counts().to_dict() == REAL_CATALOG_TYPES
    assert cat["vclass"].isna().sum() == 137 + 23  # DPV and RCB
    assert cat.loc[cat["Type"] == "Cep", "subtype_norm"].value_counts().to_dict() == {
        "F": 4496,
        "1O": 2886,
        "1O/2O": 424,
        "F/1O": 122,
        "2O": 97,
        "1O/2O/3O": 6,
        "F/1O/2O": 4,
        "1O/3O": 2,
    }
    assert cat["P_1"].isna().sum() == 5  # five RCB stars without a period
    assert cat.loc[cat["Type"] == "Cep", "P_1"].notna().all()


# --------------------------------------------------------------------------- collections


def _collection(tmp_path: Path) -> tuple[Path, Path]:
    """A Cepheid-like collection folder and a catalog covering part of its stars."""
    root = tmp_path / "coll"
    phot = "2184.81184 17.946 0.027\n2188.86239 17.631 0.024\n2191.77255 17.858 0.018\n"
    ident = [REAL_IDENT_LINES[0]]
    for star in ("0001", "0002", "0003", "0005", "0006"):
        write(root / "phot" / "I" / f"OGLE-LMC-CEP-{star}.dat", phot)
    write(root / "phot" / "V" / "OGLE-LMC-CEP-0001.dat", phot.replace("17.", "18."))
    write(root / "phot" / "V" / "OGLE-LMC-CEP-0006.dat", "")  # unreadable: empty
    for star in ("0002", "0003", "0005", "0006"):
        ident.append(REAL_IDENT_LINES[1].replace("0002", star))
    # 0004 is in no phot folder; 0007 only in phot/I and missing from ident.dat
    write(root / "phot" / "I" / "OGLE-LMC-CEP-0007.dat", phot)
    write(root / "ident.dat", "\n".join(ident) + "\n")
    rows = [
        CEP_ROW,  # 0001: catalog Subtype "1", ident mode 1O
        dict(CEP_ROW, ID="OGLE-LMC-CEP-0002", Subtype="F", P_1="-99.99"),  # missing period
        dict(CEP_ROW, ID="OGLE-LMC-CEP-0005", Type="DPV", Subtype="-99.99"),  # not a class
        dict(
            CEP_ROW,
            ID="OGLE-LMC-CEP-0006",
            P_1=3.1181195,
            I=15.672,  # catalog 1O
            V="-99.99",
            P_2=2.2,
        ),
        dict(CEP_ROW, ID="OGLE-LMC-CEP-0007", Subtype="F", P_1=1.0),
    ]
    catalog = write(tmp_path / "catalog.txt", catalog_text(rows))  # 0003 is not in it
    return root, catalog


def test_read_ogle_known_answer(tmp_path: Path) -> None:
    root, catalog = _collection(tmp_path)
    skips = SkipLog()
    curves = read_ogle(root, catalog=catalog, skips=skips)
    assert [(c.star_id, c.band) for c in curves] == [
        ("OGLE-LMC-CEP-0001", "I"),
        ("OGLE-LMC-CEP-0001", "V"),
        ("OGLE-LMC-CEP-0006", "I"),
    ]
    first, second, third = curves
    assert (first.survey, first.vclass, first.subtype, first.period) == ("ogle3", "CEP", "1O", 0.3068149)
    np.testing.assert_array_equal(second.mag, [18.946, 18.631, 18.858])
    assert first.meta == {
        "ra": pytest.approx(67.7405),
        "dec": pytest.approx(-69.06038888888889),
        "period_source": "catalog",
        "ogle_id": "OGLE-LMC-CEP-0001",
        "catalog_subtype": "1O",
        "mean_mag": {"I": 17.777, "V": 18.173},
        "host": "LMC",
        "A_1": 0.349,
        "R21_1": 0.258,
        "phi21_1": 4.621,
        "R31_1": 0.089,
        "phi31_1": 2.75,
        "ogle4_id": "LMC546.19.3065",
        "ogle3_id": "LMC156.5.186",
        "source_file": "phot/I/OGLE-LMC-CEP-0001.dat",
    }
    assert second.meta["source_file"] == "phot/V/OGLE-LMC-CEP-0001.dat"
    assert third.meta["mean_mag"] == {"I": 15.672} and third.meta["P_2"] == 2.2
    assert (third.subtype, third.meta["catalog_subtype"]) == ("F", "1O")  # ident.dat wins
    count = {(lv, r): c for (_, lv, r), c in skips.counts.items()}
    assert count == {
        ("star", "missing period"): 1,
        ("star", "not in catalog nor parameter tables (no period)"): 1,
        ("star", "catalog type outside the eight classes"): 1,
        ("star", "not in ident.dat"): 1,
        ("file", "unreadable file"): 1,
    }
    assert "OGLE-LMC-CEP-0006.dat" in skips.examples[("ogle3", "file", "unreadable file")][0]


def test_read_ogle_limit_and_catalog_frame(tmp_path: Path) -> None:
    root, catalog = _collection(tmp_path)
    curves = read_ogle(root, catalog=read_ogle3_catalog(catalog), skips=SkipLog(), limit=1, bands=["V"])
    assert [(c.star_id, c.band) for c in curves] == [("OGLE-LMC-CEP-0001", "V")]
    with pytest.raises(KeyError, match="band"):
        read_ogle(root, catalog=catalog, skips=SkipLog(), bands=["R"])


def test_read_ogle_absent_ident_is_counted(tmp_path: Path) -> None:
    root, catalog = _collection(tmp_path)
    (root / "ident.dat").unlink()
    skips = SkipLog()
    assert read_ogle(root, catalog=catalog, skips=skips) == []
    assert skips.counts[("ogle3", "file", "unreadable file")] == 1
    assert skips.counts[("ogle3", "star", "not in ident.dat")] == 6


@pytest.mark.shared_data
def test_read_ogle_real_with_limit(real_catalog: pd.DataFrame) -> None:
    root = shared_dir("ogle3-lmc-cep")
    skips = SkipLog()
    curves = read_ogle(root, catalog=real_catalog, skips=skips, limit=25)
    stars = sorted({c.star_id for c in curves})
    assert len(stars) == 25 and stars[0] == "OGLE-LMC-CEP-0001"
    assert [(c.star_id, c.band) for c in curves] == sorted((c.star_id, c.band) for c in curves)
    assert {c.band for c in curves} == {"I", "V"} and len(curves) >= 45
    by_id = real_catalog.set_index("ID")
    for c in curves:
        assert c.vclass == "CEP" and c.meta["host"] == "LMC"
        assert c.period == by_id.at[c.star_id, "P_1"]
        assert c.meta["mean_mag"]["I"] == by_id.at[c.star_id, "I"]
        assert (root / c.meta["source_file"]).is_file()
        assert len(c) >= 10 and np.all(np.diff(c.time) > 0) and np.all(c.mag_err > 0)
        assert c.time_system.name == "HJD-2450000" and 1000 < c.survey_time()[0] < 10000  # as read
        assert c.time[0] == c.survey_time()[0] + 49999.5 and 51000 < c.time[0] < 60000  # MJD
    # labels are checked for every star, also beyond the limit: the 5 missing from ident.dat
    assert skips.counts[("ogle3", "star", "not in ident.dat")] == skips.total("ogle3", "star") == 5


# --------------------------------------------------------------------------- OIII-CVS collections

PHOT = "2184.81184 17.946 0.027\n2188.86239 17.631 0.024\n2191.77255 17.858 0.018\n"


def ecl_ident_line(n: int, kind: str) -> str:
    """An lmc/ecl ident.dat line, laid out like smc/ecl (ID 1-18: five-digit LMC numbers)."""
    return fixed(
        (1, f"OGLE-LMC-ECL-{n:05d}"),
        (21, "LMC100.1"),
        (30, f"{100 + n:>6}"),
        (37, kind),
        (41, f"05:{n:02d}:12.34"),
        (53, "-69:20:30.5"),
    )


def _ecl_collection(tmp_path: Path) -> Path:
    """An LMC eclipsing-binary collection in the OIII-CVS layout, with README and ecl.dat."""
    root = tmp_path / "lmc-ecl"
    kinds = {1: "EC", 2: "ED", 3: "ESD", 4: "ELL", 5: "CV", 6: "EC", 7: "EC"}
    write(root / "ident.dat", "".join(ecl_ident_line(n, k) + "\n" for n, k in kinds.items()))
    write(root / "README", ECL_README)
    write(
        root / "ecl.dat",
        "".join(
            ecl_line(f"OGLE-LMC-ECL-{n:05d}", 18.0 + n / 10, 18.5, 0.5 + n, 3000.5 + n, 0.3, 0.1) + "\n"
            for n in (1, 2, 3, 4, 5, 7)
        ),
    )  # 6 has no parameters
    for n in kinds:
        write(root / "phot" / "I" / f"OGLE-LMC-ECL-{n:05d}.dat", PHOT)
    write(root / "phot" / "V" / "OGLE-LMC-ECL-00001.dat", PHOT)
    # star 7: period written as the missing-value marker
    text = (root / "ecl.dat").read_text().replace(f"{7.5:12.8f}", f"{-99.99:12.8f}")
    (root / "ecl.dat").write_text(text)
    return root


def test_read_ogle_oiii_eclipsing_binaries(tmp_path: Path) -> None:
    root = _ecl_collection(tmp_path)
    skips = SkipLog()
    curves = read_ogle(root, skips=skips)  # no catalog: ECL are not in the OGLE-III table
    assert [(c.star_id, c.band, c.vclass, c.subtype, c.period) for c in curves] == [
        ("OGLE-LMC-ECL-00001", "I", "ECL", "EC", 1.5),
        ("OGLE-LMC-ECL-00001", "V", "ECL", "EC", 1.5),
        ("OGLE-LMC-ECL-00002", "I", "ECL", "ED", 2.5),
        ("OGLE-LMC-ECL-00003", "I", "ECL", "ESD", 3.5),
        ("OGLE-LMC-ECL-00004", "I", "ELL", "", 4.5),
    ]
    assert curves[0].meta == {
        "ra": pytest.approx(ra_deg(5, 1, 12.34)),
        "dec": pytest.approx(dec_deg(-1, 69, 20, 30.5)),
        "period_source": "catalog",
        "period_table": "ecl.dat",
        "ogle_id": "OGLE-LMC-ECL-00001",
        "mean_mag": {"I": 18.1, "V": 18.5},
        "host": "LMC",
        "depth_1": 0.3,
        "depth_2": 0.1,
        "field": "LMC100.1",
        "ogle3_id": "LMC100.1.101",
        "source_file": "phot/I/OGLE-LMC-ECL-00001.dat",
    }
    count = {(lv, r): c for (_, lv, r), c in skips.counts.items()}
    assert count == {
        ("star", "collection type outside the eight classes"): 1,  # 5: cataclysmic variable
        ("star", "not in catalog nor parameter tables (no period)"): 1,  # 6
        ("star", "missing period"): 1,  # 7
    }
    assert skips.examples[("ogle3", "star", "collection type outside the eight classes")] == ["OGLE-LMC-ECL-00005"]


def test_read_ogle_oiii_rr_lyrae_catalog_then_tables(tmp_path: Path) -> None:
    root = tmp_path / "blg-rrlyr"
    ident = [
        fixed(
            (1, f"OGLE-BLG-RRLYR-{n:05d}"),
            (23, "BLG101.2"),
            (32, f"{n:>6}"),
            (39, sub),
            (45, "17:59:01.50"),
            (57, "-29:05:03.0"),
        )
        for n, sub in ((1, "RRab"), (2, "RRc"))
    ]
    write(root / "ident.dat", "\n".join(ident) + "\n")
    # RRab.dat without a README: the built-in order ID I V P dP T0 A R21 phi21 R31 phi31
    write(
        root / "RRab.dat",
        "OGLE-BLG-RRLYR-00001  15.1 16.2 0.5512345 0.0000012 3000.1 0.6 "
        "0.5 4.1 0.3 2.1\nOGLE-BLG-RRLYR-00002  15.5 - 0.3012345 0.0000020 "
        "3000.2 0.3 0.2 4.5 0.1 3.1\n",
    )
    for n in (1, 2):
        write(root / "phot" / "I" / f"OGLE-BLG-RRLYR-{n:05d}.dat", PHOT)
    catalog = write(
        tmp_path / "catalog.txt",
        catalog_text([dict(CEP_ROW, ID="OGLE-BLG-RRLYR-00002", Type="RRLyr", Subtype="RRc", P_1=0.3012399)]),
    )
    skips = SkipLog()
    first, second = read_ogle(root, catalog=catalog, skips=skips, bands=["I"])
    assert skips.total() == 0
    assert (first.vclass, first.subtype, first.period) == ("RRLYR", "RRab", 0.5512345)
    assert first.meta["period_err"] == 0.0000012 and first.meta["period_table"] == "RRab.dat"
    assert (first.meta["A_1"], first.meta["phi31_1"], first.meta["mean_mag"]) == (0.6, 2.1, {"I": 15.1, "V": 16.2})
    assert "host" not in first.meta and first.meta["field"] == "BLG101.2"
    # star 2 is in the catalog: its period and labels come from there
    assert (second.vclass, second.subtype, second.period) == ("RRLYR", "RRc", 0.3012399)
    assert second.meta["catalog_subtype"] == "RRc" and "period_table" not in second.meta
