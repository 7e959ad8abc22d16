"""Tests of the Gaia DR3 epoch-photometry reader (files in the exact Gaia DR3 layout)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import shared_dir

from varsynth.surveys.gaia_dr3 import read_gaia_dr3, read_gaia_epoch_file, read_gaia_metadata
from varsynth.surveys.periods import MIN_POINTS
from varsynth.surveys.skips import ReaderError, SkipLog


def _epochs(period: float, n: int = 70, seed: int = 0, eclipsing: bool = False) -> pd.DataFrame:
    """Gaia-like sampling: visits in pairs 106.5 min apart at random times over 1000 d."""
    rng = np.random.default_rng(seed)
    first = np.sort(rng.uniform(1700.0, 2700.0, n // 2))
    t = np.sort(np.concatenate([first, first + 106.5 / 1440]))
    phase = (t / period) % 1.0
    if eclipsing:
        mag = 13.0 + 0.7 * np.exp(-0.5 * ((phase - 0.25) / 0.06) ** 2)
        mag += 0.6 * np.exp(-0.5 * ((phase - 0.75) / 0.06) ** 2)
    else:
        mag = 13.0 + 0.4 * np.sin(2 * np.pi * phase)
    mag = mag + rng.normal(0, 0.005, t.size)
    return pd.DataFrame({"time": t, "mag": mag, "mag_err": np.full(t.size, 0.005)})


def _metadata(rows: list[tuple[int, str]]) -> pd.DataFrame:
    """A metadata table with the real dtypes (int64 IDs, float32 photometry)."""
    n = len(rows)
    return pd.DataFrame(
        {
            "source_id": np.array([r[0] for r in rows], dtype=np.int64),
            "best_class_name": pd.array([r[1] for r in rows], dtype="string"),
            "best_class_score": np.linspace(0.5, 1.0, n).astype(np.float32),
            "phot_g_mean_mag": np.full(n, 13.25, dtype=np.float32),
            "bp_rp": np.full(n, 0.5, dtype=np.float32),
            "parallax": np.full(n, 0.75),
        }
    )


@pytest.fixture
def gaia_root(tmp_path: Path) -> Path:
    root = tmp_path / "gaia-dr3-epoch"
    (root / "epoch_photometry").mkdir(parents=True)
    (root / "metadata").mkdir()
    _metadata([(101, "RR"), (102, "RR"), (103, "RR"), (900, "RR")]).to_parquet(
        root / "metadata" / "gaia_metadata_RR.parquet"
    )
    _metadata([(201, "ECL"), (202, "ECL"), (301, "ECL")]).to_parquet(root / "metadata" / "gaia_metadata_ECL.parquet")
    _metadata([(401, "XYZ")]).to_parquet(root / "metadata" / "gaia_metadata_XYZ.parquet")
    lc_dir = root / "epoch_photometry"
    _epochs(0.6123, seed=1).to_parquet(lc_dir / "101.parquet")
    bad = _epochs(0.4871, seed=2)
    bad.loc[3, "mag"] = np.nan
    bad.loc[5, "mag_err"] = 0.0
    bad.loc[7, "time"] = bad.loc[6, "time"]
    bad.to_parquet(lc_dir / "102.parquet")
    _epochs(0.5, n=10, seed=3).to_parquet(lc_dir / "103.parquet")
    _epochs(2.345, seed=4, eclipsing=True).to_parquet(lc_dir / "201.parquet")
    (lc_dir / "202.parquet").write_bytes(b"not parquet")
    _epochs(1.0, seed=5).to_parquet(lc_dir / "555.parquet")
    _epochs(1.0, seed=6).to_parquet(lc_dir / "401.parquet")
    return root


def test_known_answers(gaia_root: Path) -> None:
    skips = SkipLog()
    lcs = read_gaia_dr3(gaia_root, skips=skips)
    assert [lc.star_id for lc in lcs] == ["101", "102", "201"]
    rr, rr_bad, ecl = lcs
    assert (rr.survey, rr.band, rr.vclass, rr.subtype) == ("gaia-dr3", "G", "RRLYR", "")
    assert abs(rr.period / 0.6123 - 1) < 1e-3
    assert abs(rr_bad.period / 0.4871 - 1) < 1e-3 and len(rr_bad) == 70 - 3
    assert (ecl.vclass, ecl.meta["ls_doubled"]) == ("ECL", True)
    assert abs(ecl.period / 2.345 - 1) < 1e-3
    assert rr.meta["mean_mag"] == {"G": 13.25}
    assert (rr.meta["bp_rp"], rr.meta["parallax_mas"], rr.meta["best_class_score"]) == (0.5, 0.75, 0.5)
    assert rr.meta["source_file"] == "epoch_photometry/101.parquet"
    assert rr.meta["gaia_class"] == "RR" and rr.meta["period_source"] == "lomb-scargle"
    assert all(lc.meta["period_ok"] for lc in lcs)
    read = _epochs(0.6123, seed=1)["time"].to_numpy()  # BJD - 2455197.5
    assert np.array_equal(rr.survey_time(), read) and np.array_equal(rr.time, read + 55197.0)  # MJD
    assert (rr.time_system.name, rr.time_system.scale) == ("BJD-2455197.5", "tcb")
    reasons = {(level, reason): n for (_, level, reason), n in skips.counts.items()}
    # Metadata rows without a light-curve file (900, 301) are not skips.
    assert reasons == {
        ("point", "NaN or infinite value"): 1,
        ("point", "error <= 0"): 1,
        ("point", "duplicate time"): 1,
        ("star", f"fewer than {MIN_POINTS} valid points"): 1,
        ("file", "unreadable file (ArrowInvalid)"): 1,
        ("file", "no metadata row"): 1,
        ("star", "unknown class label 'XYZ'"): 1,
    }


def test_limit_bands_workers_and_cache(gaia_root: Path, tmp_path: Path) -> None:
    limited = read_gaia_dr3(gaia_root, skips=SkipLog(), limit=1)
    assert [lc.star_id for lc in limited] == ["101", "201"]
    assert read_gaia_dr3(gaia_root, skips=SkipLog(), bands=["V"]) == []
    cache = tmp_path / "cache"
    serial = read_gaia_dr3(gaia_root, skips=SkipLog(), cache_dir=cache)
    assert len(list(cache.glob("*.json"))) == 3
    parallel = read_gaia_dr3(gaia_root, skips=SkipLog(), cache_dir=cache, workers=2)
    assert [(lc.star_id, lc.period, lc.meta) for lc in parallel] == [(lc.star_id, lc.period, lc.meta) for lc in serial]


def test_epoch_file_errors(tmp_path: Path) -> None:
    pd.DataFrame({"time": [1.0], "mag": [2.0]}).to_parquet(tmp_path / "missing.parquet")
    with pytest.raises(ReaderError, match="unreadable"):
        read_gaia_epoch_file(tmp_path / "missing.parquet")
    pd.DataFrame({"time": [], "mag": [], "mag_err": []}).to_parquet(tmp_path / "empty.parquet")
    with pytest.raises(ReaderError, match="empty file"):
        read_gaia_epoch_file(tmp_path / "empty.parquet")
    pd.DataFrame({"time": ["a"], "mag": ["b"], "mag_err": ["c"]}).to_parquet(tmp_path / "text.parquet")
    with pytest.raises(ReaderError, match="non-numeric"):
        read_gaia_epoch_file(tmp_path / "text.parquet")


def test_duplicate_and_unreadable_metadata(tmp_path: Path) -> None:
    (tmp_path / "metadata").mkdir()
    _metadata([(1, "RR"), (2, "RR")]).to_parquet(tmp_path / "metadata" / "gaia_metadata_A.parquet")
    _metadata([(2, "CEP")]).to_parquet(tmp_path / "metadata" / "gaia_metadata_B.parquet")
    (tmp_path / "metadata" / "gaia_metadata_C.parquet").write_text("junk")
    skips = SkipLog()
    rows = read_gaia_metadata(tmp_path, skips=skips)
    assert sorted(rows) == ["1", "2"] and rows["2"]["best_class_name"] == "RR"
    assert skips.counts[("gaia-dr3", "line", "duplicate metadata row")] == 1
    assert skips.counts[("gaia-dr3", "file", "unreadable file (ArrowInvalid)")] == 1


@pytest.mark.shared_data
def test_real_files_with_limit() -> None:
    root = shared_dir("gaia-dr3-epoch")
    skips = SkipLog()
    metadata = read_gaia_metadata(root, skips=skips)
    assert len(metadata) == 15_000
    assert Counter(row["best_class_name"] for row in metadata.values()) == {
        label: 3000 for label in ["RR", "CEP", "ECL", "LPV", "DSCT|GDOR|SXPHE"]
    }
    lcs = read_gaia_dr3(root, skips=skips, limit=4, workers=2)
    assert Counter(lc.vclass for lc in lcs) == {c: 4 for c in ["RRLYR", "CEP", "ECL", "LPV", "DSCT"]}
    assert skips.total() == 0
    for lc in lcs:
        assert len(lc) >= MIN_POINTS and np.all(np.diff(lc.time) > 0)
        assert set(lc.meta["mean_mag"]) == {"G"} and lc.meta["bp_rp"] is not None
        assert 0.03 <= lc.period <= 2000
    assert np.mean([lc.meta["period_ok"] for lc in lcs if lc.vclass in {"RRLYR", "CEP"}]) >= 0.75


def test_metadata_with_invalid_utf8_text_is_an_unreadable_file(tmp_path: Path) -> None:
    (tmp_path / "metadata").mkdir()
    path = tmp_path / "metadata" / "gaia_metadata_A.parquet"
    _metadata([(1, "RRAB_MARKER")]).to_parquet(
        path, compression=None, engine="pyarrow", use_dictionary=False, write_statistics=False
    )
    data = path.read_bytes()
    assert data.count(b"RRAB_MARKER") == 1
    path.write_bytes(data.replace(b"RRAB_MARKER", b"RRAB\x80MARKER"[:11]))  # same length, not UTF-8
    skips = SkipLog()
    assert read_gaia_metadata(tmp_path, skips=skips) == {}
    assert skips.counts[("gaia-dr3", "file", "unreadable file (UnicodeDecodeError)")] == 1
