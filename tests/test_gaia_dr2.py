"""Tests of the Gaia DR2 / OGLE-III cross-match reader."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_dir

from varsynth.surveys.gaia_dr2 import COLUMNS, read_gaia_dr2_xmatch
from varsynth.surveys.skips import ReaderError, SkipLog

HEADER = (
    "source_id,OGLE-ID,Type,subType,Period,I,V_I,angDist,phot_g_mean_mag,bp_rp,parallax,"
    "teff_val,radius_val,lum_val,r_est,abs_Imag,abs_Gmag"
)


def write_csv(path: Path, rows: list[str], header: str = HEADER) -> None:
    path.write_text("\n".join([header, *rows]) + "\n")


def test_known_answer(tmp_path: Path) -> None:
    # 4658465462277793664 > 2**53: must survive without a float round trip.
    write_csv(
        tmp_path / "var_conf_matches.csv",
        [
            "4658465462277793664,OGLE-LMC-CEP-0001,CEP,1O,0.3068149,17.777,0.4,0.04,17.9,0.6,"
            "0.01,5500.0,,,1000.0,7.777,7.777",
            "11,OGLE-BLG-RRLYR-00001,RRLYR,RRab,0.5,15.0,1.0,0.1,15.5,0.8,0.3,6500.0,,,2000.0,3.5,3.5",
        ],
    )
    write_csv(
        tmp_path / "cmd_confirmed.csv",
        [
            "21,OGLE-LMC-CEP-0001,CEP,1O,0.3068149,17.777,0.4,1.5,19.0,,,,,,,,",  # lower priority
            "22,OGLE-BLG-ECL-000002,ECL,EA,2.0,16.0,1.0,1.9,17.0,1.0,0.5,,,,1500.0,5.1,5.1",
            "23,OGLE-BLG-ECL-000002,ECL,EA,2.0,16.0,1.0,0.08,16.4,1.0,0.5,4300.0,1.3,0.5,1354.2,"
            "4.6,4.6",  # nearer source, kept
            ",,ECL,EA,2.0,16.0,1.0,0.08,16.4,1.0,0.5,,,,,,",  # no OGLE-ID
        ],
    )
    # a group without angDist and teff columns, named outside GROUP_PRIORITY
    write_csv(
        tmp_path / "zz_extra.csv",
        ["31,OGLE-BLG-ECL-000002,ECL,EA,2.0,16.0,1.0,16.0,100.0"],
        header="source_id,OGLE-ID,Type,subType,Period,I,V_I,phot_g_mean_mag,r_est",
    )
    (tmp_path / "broken.csv").write_bytes(b"\xff\xfe\x00\x81\n\x00")
    (tmp_path / "notes.txt").write_text("not a group")
    skips = SkipLog()
    xm = read_gaia_dr2_xmatch(tmp_path, skips=skips)
    assert list(xm.index) == ["OGLE-BLG-ECL-000002", "OGLE-BLG-RRLYR-00001", "OGLE-LMC-CEP-0001"]
    assert xm.index.name == "OGLE-ID"
    assert set(COLUMNS) <= set(xm.columns) and {"group", "abs_Gmag_published"} <= set(xm.columns)
    assert list(xm["group"]) == ["cmd_confirmed", "var_conf_matches", "var_conf_matches"]
    assert list(xm["source_id"]) == [23, 11, 4658465462277793664]
    cep = xm.loc["OGLE-LMC-CEP-0001"]
    assert cep["teff_val"] == 5500.0 and cep["r_est"] == 1000.0
    assert cep["abs_Gmag"] == pytest.approx(17.9 - 10.0)  # G - 5 log10(1000 pc / 10 pc)
    assert cep["abs_Gmag_published"] == 7.777 and cep["abs_Imag"] == 7.777
    assert math.isnan(xm.at["OGLE-BLG-ECL-000002", "a_g_val"])  # column absent from the files
    count = {(lv, r): c for (_, lv, r), c in skips.counts.items()}
    assert count == {
        ("star", "duplicated OGLE-ID (lower-priority match dropped)"): 3,
        ("line", "row without OGLE-ID"): 1,
        ("file", "unreadable file"): 1,
    }
    examples = skips.examples[("gaia-dr2", "star", "duplicated OGLE-ID (lower-priority match dropped)")]
    assert examples[0] == ("OGLE-BLG-ECL-000002: kept cmd_confirmed source 23, dropped cmd_confirmed source 22")
    assert skips.examples[("gaia-dr2", "line", "row without OGLE-ID")] == [f"{tmp_path / 'cmd_confirmed.csv'}:5"]


def test_no_csv_raises(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match=str(tmp_path)):
        read_gaia_dr2_xmatch(tmp_path, skips=SkipLog())


def test_file_without_ogle_id_is_counted(tmp_path: Path) -> None:
    write_csv(tmp_path / "a.csv", ["1,2"], header="source_id,x")
    write_csv(
        tmp_path / "b.csv",
        ["5,OGLE-LMC-CEP-0002,CEP,F,3.1,15.6,0.7,0.1,15.9"],
        header="source_id,OGLE-ID,Type,subType,Period,I,V_I,angDist,phot_g_mean_mag",
    )
    skips = SkipLog()
    xm = read_gaia_dr2_xmatch(tmp_path, skips=skips)
    assert list(xm.index) == ["OGLE-LMC-CEP-0002"] and math.isnan(xm["abs_Gmag"].iloc[0])
    assert skips.counts[("gaia-dr2", "file", "no OGLE-ID column")] == 1


@pytest.mark.shared_data
def test_real_files() -> None:
    skips = SkipLog()
    xm = read_gaia_dr2_xmatch(shared_dir("gaia-dr2-ogle3-xmatch"), skips=skips)
    assert len(xm) == 13_568 and xm.index.is_unique
    assert xm["group"].value_counts().to_dict() == {
        "cmd_confirmed": 7618,
        "var_conf_matches": 3833,
        "one_pmrad_match": 1117,
        "cmd_secondaries_confirmed": 539,
        "gaiaVar_noClass_confirmed": 461,
    }
    assert skips.total() == skips.counts[("gaia-dr2", "star", "duplicated OGLE-ID (lower-priority match dropped)")] == 6
    assert xm.at["OGLE-LMC-ACEP-053", "source_id"] == 4658465462277793664
    # the recomputed abs_Gmag is G - 5 log10(r_est / 10 pc) everywhere
    mu = 5 * np.log10(xm["r_est"]) - 5
    np.testing.assert_allclose(xm["abs_Gmag"], xm["phot_g_mean_mag"] - mu)
    # ... and the published one is the I-band value in the two largest groups
    big = xm[xm["group"].isin(["var_conf_matches", "cmd_confirmed"])]
    np.testing.assert_allclose(big["abs_Gmag_published"], big["abs_Imag"])


@pytest.mark.shared_data
def test_real_lmc_cepheids_have_gaia_parameters() -> None:
    xm = read_gaia_dr2_xmatch(shared_dir("gaia-dr2-ogle3-xmatch"), skips=SkipLog())
    stars = {p.stem for p in (shared_dir("ogle3-lmc-cep") / "phot").glob("*/*.dat")}
    cep = xm[xm.index.isin(stars)]
    both = cep[cep["teff_val"].notna() & cep["abs_Gmag"].notna()]
    assert len(cep) == 1206 and len(both) == 1131
    # Bailer-Jones distances of LMC stars are prior-dominated: ~7 kpc instead of ~50 kpc
    assert 5_000 < both["r_est"].median() < 9_000


def test_value_that_is_not_a_number_is_missing_and_counted(tmp_path: Path) -> None:
    # Found by fuzzing: a text in r_est or angDist ended in a TypeError (log10 of a str, sorting).
    write_csv(
        tmp_path / "var_conf_matches.csv",
        [
            "1,OGLE-LMC-CEP-0001,CEP,F,3.1,15.6,0.7,0.1,15.9,0.6,0.01,5500.0,,,x,1.0,1.0",
            "2,OGLE-LMC-CEP-0001,CEP,F,3.1,15.6,0.7,far,15.9,0.6,0.01,5500.0,,,1000.0,1.0,1.0",
        ],
    )
    skips = SkipLog()
    xm = read_gaia_dr2_xmatch(tmp_path, skips=skips)
    assert list(xm.index) == ["OGLE-LMC-CEP-0001"] and xm["source_id"].iloc[0] == 1
    assert math.isnan(xm["r_est"].iloc[0]) and math.isnan(xm["abs_Gmag"].iloc[0])
    assert xm["angDist"].dtype == np.float64
    assert skips.counts[("gaia-dr2", "line", "r_est is not a number (read as missing)")] == 1
    assert skips.counts[("gaia-dr2", "line", "angDist is not a number (read as missing)")] == 1


@pytest.mark.parametrize(
    "row, reason",
    [
        # More fields than the header: pandas turned the leading ones into an index (TypeError).
        (
            "extra,1,OGLE-LMC-CEP-0002,CEP,F,3.1,15.6,0.7,0.1,15.9,0.6,0.01,5500.0,,,1000.0,1.0,1.0",
            "rows with more fields than the header",
        ),
        # A fractional source_id: pandas raises TypeError, not ValueError.
        ("1.5,OGLE-LMC-CEP-0002,CEP,F,3.1,15.6,0.7,0.1,15.9,0.6,0.01,5500.0,,,1000.0,1.0,1.0", "cannot safely cast"),
        # An infinite source_id (found by the nightly fuzz volume): OverflowError.
        ("inf,OGLE-LMC-CEP-0002,CEP,F,3.1,15.6,0.7,0.1,15.9,0.6,0.01,5500.0,,,1000.0,1.0,1.0", "infinity"),
    ],
)
def test_malformed_group_file_is_skipped_and_counted(tmp_path: Path, row: str, reason: str) -> None:
    write_csv(tmp_path / "cmd_confirmed.csv", [row])
    write_csv(
        tmp_path / "var_conf_matches.csv",
        ["7,OGLE-LMC-CEP-0001,CEP,F,3.1,15.6,0.7,0.1,15.9,0.6,0.01,5500.0,,,1000.0,1.0,1.0"],
    )
    skips = SkipLog()
    xm = read_gaia_dr2_xmatch(tmp_path, skips=skips)
    assert list(xm.index) == ["OGLE-LMC-CEP-0001"]
    assert skips.counts[("gaia-dr2", "file", "unreadable file")] == 1
    assert reason in skips.examples[("gaia-dr2", "file", "unreadable file")][0]


def test_number_beyond_the_float_range_is_infinite_not_an_overflow(tmp_path: Path) -> None:
    # Found by the nightly fuzz volume: pandas parsed 400 digits into a Python int, and
    # pd.to_numeric raised OverflowError instead of reading a number.
    write_csv(
        tmp_path / "cmd_confirmed.csv",
        ["7,OGLE-LMC-CEP-0001,CEP,F,3.1,15.6,0.7,0.1,15.9,0.6,0.01,5500.0,,,1000.0,1.0," + "9" * 400],
    )
    xm = read_gaia_dr2_xmatch(tmp_path, skips=SkipLog())
    assert list(xm.index) == ["OGLE-LMC-CEP-0001"] and xm.iloc[0].isin([float("inf")]).sum() == 1
