"""Tests of the OGLE readers: photometry files, ident.dat, the OGLE-III catalog, collections."""

from __future__ import annotations

import bz2
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import shared_dir
from varsynth.surveys.ogle import (
    read_ogle,
    read_ogle3_catalog,
    read_ogle_ident,
    read_ogle_photometry,
)
from varsynth.surveys.skips import ReaderError, SkipLog

# The first lines of the real ogle3-lmc-cep/ident.dat (and its first line with an OGLE-II ID).
REAL_IDENT_LINES = [
    "OGLE-LMC-CEP-0001       1O  04:30:57.72 -69:03:37.4  LMC546.19.3065   LMC156.5.186"
    "                    ",
    "OGLE-LMC-CEP-0002        F  04:31:47.05 -69:49:09.5  LMC538.25.57     LMC157.6.2009"
    "                   ",
    "OGLE-LMC-CEP-0004       1O  04:35:20.16 -69:48:07.7  LMC538.23.35     LMC157.3.2913"
    "                   S6724 NSV01678",
    "OGLE-LMC-CEP-0610        F  05:00:03.47 -69:00:44.7  LMC531.17.26465  LMC127.4.42650"
    "  LMC_SC15_31540  ",
]

CATALOG_COLUMNS = (
    "ID Field StarID Type Subtype RA DECL ID_OGLE_II ID_MACHO ID_ASAS ID_GCVS ID_OTHER I V "
    "P_1 dP_1 T0_1 A_1 R21_1 phi21_1 R31_1 phi31_1 "
    "P_2 dP_2 T0_2 A_2 R21_2 phi21_2 R31_2 phi31_2 "
    "P_3 dP_3 T0_3 A_3 R21_3 phi21_3 R31_3 phi31_3 Remarks"
).split()

REAL_CATALOG_TYPES = {
    "LPV": 343785, "RRLyr": 44217, "Cep": 8037, "DSCT": 2788, "T2Cep": 603, "DPV": 137,
    "aCep": 89, "RCB": 23,
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
    "ID": "OGLE-LMC-CEP-0001", "Field": "LMC156.5", "StarID": 186, "Type": "Cep", "Subtype": "1",
    "RA": 4.516036, "DECL": -69.06039, "ID_OTHER": "      ", "I": 17.777, "V": 18.173,
    "P_1": 0.3068149, "dP_1": 0.0000002, "T0_1": 2184.56406, "A_1": 0.349, "R21_1": 0.258,
    "phi21_1": 4.621, "R31_1": 0.089, "phi31_1": 2.750,
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


# --------------------------------------------------------------------------- photometry


def test_photometry_known_answer(tmp_path: Path) -> None:
    path = write(tmp_path / "star.dat", "\n".join([
        "2184.81184 17.946 0.027",   # 1 valid
        "2188.86239 17.631",         # 2 two columns
        "2191.77255 17.858 0.018",   # 3 valid
        "",                          # 4 blank: no observation
        "2200.79366 abc 0.018",      # 5 non-numeric
        "2206.72879 nan 0.024",      # 6 NaN magnitude
        "2216.85289 17.702 0.000",   # 7 zero error
        "2188.86239 17.500 0.010",   # 8 time of line 2 (which was malformed): kept
        "2184.81184 17.000 0.010",   # 9 duplicate of line 1
        "2150.00000 17.100 0.020 9", # 10 four columns
    ]) + "\n")
    skips = SkipLog()
    time, mag, err = read_ogle_photometry(path, skips=skips, where="phot/I/star.dat")
    np.testing.assert_array_equal(time, [2184.81184, 2188.86239, 2191.77255])
    np.testing.assert_array_equal(mag, [17.946, 17.5, 17.858])
    np.testing.assert_array_equal(err, [0.027, 0.010, 0.018])
    rows = {(r["level"], r["reason"]): r for r in skips.rows()}
    assert rows[("line", "malformed line: expected 3 columns")]["count"] == 2
    assert rows[("line", "malformed line: expected 3 columns")]["examples"] == [
        "phot/I/star.dat:2", "phot/I/star.dat:10"]
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
    min_size=1, max_size=40, unique_by=lambda row: row[0],
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
    assert list(ident.index) == ["OGLE-LMC-CEP-0001", "OGLE-LMC-CEP-0002", "OGLE-LMC-CEP-0004",
                                 "OGLE-LMC-CEP-0610"]
    assert list(ident["mode"]) == ["1O", "F", "1O", "F"]
    first = ident.loc["OGLE-LMC-CEP-0001"]
    assert first["ra"] == pytest.approx(15 * (4 + 30 / 60 + 57.72 / 3600), abs=1e-9)
    assert first["dec"] == pytest.approx(-(69 + 3 / 60 + 37.4 / 3600), abs=1e-9)
    assert (first["ogle4_id"], first["ogle3_id"], first["ogle2_id"], first["other_id"]) == (
        "LMC546.19.3065", "LMC156.5.186", "", "")
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
        "F": 2476, "1O": 1775, "1O/2O": 322, "F/1O": 95, "2O": 26, "1O/2O/3O": 7, "1O/3O": 1,
        "F/1O/2O": 1, "2O/3O": 1}
    # the OGLE-IV LMC fields: RA 60-98 deg, Dec -80 to -55 deg
    assert ident["ra"].between(60, 98).all() and ident["dec"].between(-80, -55).all()


# --------------------------------------------------------------------------- catalog


@pytest.mark.parametrize("name", ["catalog.txt", "catalog.txt.bz2"])
def test_catalog_small_file(tmp_path: Path, name: str) -> None:
    rows = [
        CEP_ROW,
        {"ID": "OGLE-LMC-DPV-001", "Field": "LMC100.1", "StarID": 5, "Type": "DPV",
         "RA": 5.0, "DECL": -70.0, "I": 16.0, "V": 16.5, "P_1": 30.1},
        {"ID": "OGLE-BLG-LPV-232406", "Field": "BLG278.1", "StarID": 39181, "Type": "LPV",
         "Subtype": "OSARG", "RA": 18.536906, "DECL": -24.41217, "I": 13.218, "V": 16.480,
         "P_1": 116.66, "A_1": 0.066, "P_2": 2.9239, "Remarks": "ECL/ELL"},
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


@pytest.fixture(scope="module")
def real_catalog() -> pd.DataFrame:
    return read_ogle3_catalog(shared_dir("ogle3-catalog") / "ogle3_catalog.txt.bz2")


@pytest.mark.shared_data
def test_catalog_real_file(real_catalog: pd.DataFrame) -> None:
    cat = real_catalog
    assert len(cat) == 399_679 and cat["ID"].is_unique
    assert cat["Type"].value_counts().to_dict() == REAL_CATALOG_TYPES
    assert cat["vclass"].isna().sum() == 137 + 23  # DPV and RCB
    assert (cat.loc[cat["Type"] == "Cep", "subtype_norm"].value_counts().to_dict() == {
        "F": 4496, "1O": 2886, "1O/2O": 424, "F/1O": 122, "2O": 97, "1O/2O/3O": 6,
        "F/1O/2O": 4, "1O/3O": 2})
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
        dict(CEP_ROW, ID="OGLE-LMC-CEP-0006", P_1=3.1181195, I=15.672,  # catalog 1O
             V="-99.99", P_2=2.2),
        dict(CEP_ROW, ID="OGLE-LMC-CEP-0007", Subtype="F", P_1=1.0),
    ]
    catalog = write(tmp_path / "catalog.txt", catalog_text(rows))  # 0003 is not in it
    return root, catalog


def test_read_ogle_known_answer(tmp_path: Path) -> None:
    root, catalog = _collection(tmp_path)
    skips = SkipLog()
    curves = read_ogle(root, catalog=catalog, skips=skips)
    assert [(c.star_id, c.band) for c in curves] == [
        ("OGLE-LMC-CEP-0001", "I"), ("OGLE-LMC-CEP-0001", "V"), ("OGLE-LMC-CEP-0006", "I")]
    first, second, third = curves
    assert (first.survey, first.vclass, first.subtype, first.period) == ("ogle3", "CEP", "1O",
                                                                        0.3068149)
    np.testing.assert_array_equal(second.mag, [18.946, 18.631, 18.858])
    assert first.meta == {
        "ra": pytest.approx(67.7405), "dec": pytest.approx(-69.06038888888889),
        "period_source": "catalog", "ogle_id": "OGLE-LMC-CEP-0001", "catalog_subtype": "1O",
        "mean_mag": {"I": 17.777, "V": 18.173}, "host": "LMC", "A_1": 0.349, "R21_1": 0.258,
        "phi21_1": 4.621, "R31_1": 0.089, "phi31_1": 2.75, "ogle4_id": "LMC546.19.3065",
        "ogle3_id": "LMC156.5.186", "source_file": "phot/I/OGLE-LMC-CEP-0001.dat"}
    assert second.meta["source_file"] == "phot/V/OGLE-LMC-CEP-0001.dat"
    assert third.meta["mean_mag"] == {"I": 15.672} and third.meta["P_2"] == 2.2
    assert (third.subtype, third.meta["catalog_subtype"]) == ("F", "1O")  # ident.dat wins
    count = {(lv, r): c for (_, lv, r), c in skips.counts.items()}
    assert count == {
        ("star", "missing period"): 1,
        ("star", "not in catalog (no period)"): 1,
        ("star", "catalog type outside the eight classes"): 1,
        ("star", "not in ident.dat"): 1,
        ("file", "unreadable file"): 1,
    }
    assert "OGLE-LMC-CEP-0006.dat" in skips.examples[("ogle3", "file", "unreadable file")][0]


def test_read_ogle_limit_and_catalog_frame(tmp_path: Path) -> None:
    root, catalog = _collection(tmp_path)
    curves = read_ogle(root, catalog=read_ogle3_catalog(catalog), skips=SkipLog(), limit=1,
                       bands=["V"])
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
        assert 1000 < c.time[0] < 10000  # HJD-2450000
    # labels are checked for every star, also beyond the limit: the 5 missing from ident.dat
    assert skips.counts[("ogle3", "star", "not in ident.dat")] == skips.total("ogle3", "star") == 5
