"""Tests of the CRTS periodic-variable reader (files in the exact CRTS format)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from varsynth.surveys.crts import HEADER, read_crts, read_crts_file
from varsynth.surveys.periods import MIN_POINTS
from varsynth.surveys.skips import ReaderError, SkipLog
from varsynth.surveys.validate import clean_points

_HEADER_LINE = ",".join(f'"{c}"' for c in HEADER)


def _write(path: Path, star: str, time, mag, err, ra=10.5, dec=-2.25, extra: list[str] = ()) -> Path:
    """A light curve in the CRTS format: quoted header, one unquoted row per exposure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [_HEADER_LINE]
    lines += [",".join([star, *(repr(float(v)) for v in (t, m, e, ra, dec))]) for t, m, e in zip(time, mag, err)]
    path.write_text("\n".join([*lines, *extra]) + "\n")
    return path


def _curve(period: float, n: int = 150, seed: int = 0, eclipsing: bool = False):
    """CRTS-like visits (4 exposures 6 min apart, every few nights over 6 years)."""
    rng = np.random.default_rng(seed)
    nights = np.sort(rng.choice(np.arange(2200), n // 4, replace=False))
    t = 53500.0 + (nights[:, None] + rng.uniform(0, 0.2, (nights.size, 1)) + np.arange(4) * 0.0042).ravel()
    phase = (t / period) % 1.0
    if eclipsing:
        dips = np.exp(-0.5 * ((phase - 0.25) / 0.04) ** 2) + 0.9 * np.exp(-0.5 * ((phase - 0.75) / 0.04) ** 2)
        mag = 15.0 + 0.6 * dips
    else:
        mag = 15.0 + 0.4 * np.sin(2 * np.pi * phase)
    mag = mag + rng.normal(0, 0.02, t.size)
    err = rng.uniform(0.015, 0.03, t.size)
    return t, mag, err


@pytest.fixture
def crts_root(tmp_path: Path) -> Path:
    root = tmp_path / "crts-periodic"
    _write(root / "train" / "1109000000001-RRab.csv", "1109000000001", *_curve(0.5612, seed=1))
    _write(root / "train" / "1109000000002-EW.csv", "1109000000002", *_curve(0.3815, seed=2, eclipsing=True))
    _write(root / "train" / "1109000000003-RRab.csv", "1109000000003", *_curve(0.6021, seed=3))
    _write(root / "test" / "test-7-HADS.csv", "7", *_curve(0.0871, seed=4))
    _write(root / "train" / "1109000000004-Flare.csv", "1109000000004", *_curve(1.0, seed=5))
    _write(root / "train" / "1109000000005-EA.csv", "1109000000005", *_curve(2.0, n=12, seed=6))
    (root / "train" / "1109000000006-RRc.csv").write_text("")
    (root / "train" / "1109000000007-RRc.csv").write_text("a,b,c\n1,2,3\n")
    (root / "train" / "notastar.csv").write_text(_HEADER_LINE + "\n")
    return root


def test_known_answers(crts_root: Path) -> None:
    skips = SkipLog()
    lcs = read_crts(crts_root, skips=skips)
    assert [lc.star_id for lc in lcs] == ["1109000000001", "1109000000002", "1109000000003", "test-7"]
    by_id = {lc.star_id: lc for lc in lcs}
    rr, ew, hads = by_id["1109000000001"], by_id["1109000000002"], by_id["test-7"]
    assert (rr.survey, rr.band, rr.vclass, rr.subtype) == ("crts", "V", "RRLYR", "RRab")
    assert abs(rr.period / 0.5612 - 1) < 1e-3
    assert (ew.vclass, ew.subtype, ew.meta["ls_doubled"]) == ("ECL", "EW", True)
    assert abs(ew.period / 0.3815 - 1) < 1e-3
    assert (hads.vclass, hads.meta["crts_split"], hads.meta["source_file"]) == ("DSCT", "test", "test/test-7-HADS.csv")
    assert abs(hads.period / 0.0871 - 1) < 1e-3
    t, mag, err = _curve(0.5612, seed=1)
    assert rr.meta["mean_mag"]["V"] == pytest.approx(np.average(mag, weights=err**-2))
    assert (rr.meta["ra"], rr.meta["dec"]) == (10.5, -2.25)
    assert np.array_equal(rr.time, np.sort(t))
    for lc in lcs:
        assert lc.meta["period_source"] == "lomb-scargle"
        assert lc.meta["period_ok"] is True
        assert lc.meta["ls_fap"] < 1e-10 and 0 < lc.meta["ls_power"] <= 1
        assert lc.meta["crts_split"] == ("test" if lc.star_id.startswith("test-") else "train")
    reasons = {(level, reason): n for (_, level, reason), n in skips.counts.items()}
    assert reasons == {
        ("star", "unknown class label 'Flare'"): 1,
        ("star", f"fewer than {MIN_POINTS} valid points"): 1,
        ("file", "empty file"): 1,
        ("file", "unexpected header"): 1,
        ("file", "unexpected file name"): 1,
    }


def test_limit_bands_workers_and_cache(crts_root: Path, tmp_path: Path) -> None:
    limited = read_crts(crts_root, skips=SkipLog(), limit=1)
    assert [lc.star_id for lc in limited] == ["1109000000001", "1109000000002", "test-7"]
    assert read_crts(crts_root, skips=SkipLog(), bands=["G"]) == []
    cache = tmp_path / "cache"
    serial = read_crts(crts_root, skips=SkipLog(), cache_dir=cache)
    assert len(list(cache.glob("*.json"))) == 4
    parallel = read_crts(crts_root, skips=SkipLog(), cache_dir=cache, workers=2)
    assert [(lc.star_id, lc.period, lc.meta) for lc in parallel] == [(lc.star_id, lc.period, lc.meta) for lc in serial]


def test_placeholder_epoch_is_dropped(tmp_path: Path) -> None:
    # Real CRTS files carry a few rows at MJD -2409998.5; they would stretch the baseline.
    t, mag, err = _curve(0.5612, seed=1)
    t[10] = -2409998.5
    _write(tmp_path / "train" / "1-RRab.csv", "1", t, mag, err)
    skips = SkipLog()
    (lc,) = read_crts(tmp_path, skips=skips)
    assert len(lc) == t.size - 1 and abs(lc.period / 0.5612 - 1) < 1e-3
    assert skips.counts[("crts", "point", "MJD outside 50000-70000")] == 1


def test_file_without_valid_rows_is_counted(tmp_path: Path) -> None:
    # A header-only file, and one whose rows are all invalid, leave no point: the star is counted
    # (the inverse-variance mean of no point once raised ZeroDivisionError here).
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "1-RRab.csv").write_text(",".join(f'"{h}"' for h in HEADER) + "\n")
    (tmp_path / "train" / "2-RRab.csv").write_text(",".join(f'"{h}"' for h in HEADER) + "\n2,55000,nan,0.1,1,2\n")
    skips = SkipLog()
    assert read_crts(tmp_path, skips=skips) == []
    assert skips.counts[("crts", "star", f"fewer than {MIN_POINTS} valid points")] == 2


def test_unreadable_file_raises(tmp_path: Path) -> None:
    path = tmp_path / "1-RRab.csv"
    path.write_bytes(b'"ID","MJD"\xff\xfe\n')
    with pytest.raises(ReaderError, match="unreadable"):
        read_crts_file(path, star_id="1", skips=SkipLog())


# --- property tests of the per-file parser ------------------------------------------------

_finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
_rows = st.lists(
    st.tuples(
        st.floats(min_value=40000, max_value=70000, allow_nan=False),
        st.floats(min_value=5, max_value=25, allow_nan=False),
        st.floats(min_value=1e-4, max_value=2, allow_nan=False),
        st.floats(min_value=0, max_value=360, allow_nan=False),
        st.floats(min_value=-90, max_value=90, allow_nan=False),
    ),
    max_size=40,
    unique_by=lambda row: row[0],
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_rows)
def test_valid_rows_round_trip(tmp_path: Path, rows: list[tuple[float, ...]]) -> None:
    path = tmp_path / "123-RRab.csv"
    path.write_text("\n".join([_HEADER_LINE, *(",".join(["123", *map(repr, r)]) for r in rows)]) + "\n")
    skips = SkipLog()
    parsed = read_crts_file(path, star_id="123", skips=skips)
    expected = np.array(rows, dtype=np.float64).reshape(-1, 5)
    assert np.array_equal(np.column_stack(parsed), expected)
    assert skips.total() == 0


_bad_kinds = st.sampled_from(["fields", "text", "id", "nan", "zero", "negative", "duplicate", "blank"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_rows.filter(bool), bad=st.lists(st.tuples(_bad_kinds, st.integers(0, 10**6)), max_size=15))
def test_bad_rows_are_counted(tmp_path: Path, rows: list[tuple[float, ...]], bad: list[tuple[str, int]]) -> None:
    lines = [",".join(["123", *map(repr, r)]) for r in rows]
    expected: Counter = Counter()
    for kind, pick in bad:
        t, m, e, ra, dec = rows[pick % len(rows)]
        line, key = {
            "fields": (f"123,{t!r},{m!r}", ("line", "malformed line (wrong number of fields)")),
            "text": (f"123,{t!r},bright,{e!r},{ra!r},{dec!r}", ("line", "malformed line (non-numeric value)")),
            "id": (f"999,{t + 0.5!r},{m!r},{e!r},{ra!r},{dec!r}", ("line", "row ID differs from file name")),
            "nan": (f"123,{t + 0.25!r},nan,{e!r},{ra!r},{dec!r}", ("point", "NaN or infinite value")),
            "zero": (f"123,{t + 0.125!r},{m!r},0.0,{ra!r},{dec!r}", ("point", "error <= 0")),
            "negative": (f"123,{t + 0.0625!r},{m!r},-0.1,{ra!r},{dec!r}", ("point", "error <= 0")),
            "duplicate": (f"123,{t!r},{m + 1!r},{e!r},{ra!r},{dec!r}", ("point", "duplicate time")),
            "blank": ("   ", None),
        }[kind]
        lines.append(line)
        if key is not None:
            expected[key] += 1
    path = tmp_path / "123-RRab.csv"
    path.write_text("\n".join([_HEADER_LINE, *lines]) + "\n")
    skips = SkipLog()
    parsed = read_crts_file(path, star_id="123", skips=skips)
    clean_points(parsed.time, parsed.mag, parsed.mag_err, survey="crts", where=str(path), skips=skips)
    counted = Counter({(level, reason): n for (_, level, reason), n in skips.counts.items()})
    assert counted == expected


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=60), max_size=10))
def test_arbitrary_lines_never_crash(tmp_path: Path, junk: list[str]) -> None:
    path = tmp_path / "123-RRab.csv"
    path.write_text("\n".join([_HEADER_LINE, "123,53000.5,15.1,0.05,10.0,-2.0", *junk]) + "\n", encoding="utf-8")
    skips = SkipLog()
    parsed = read_crts_file(path, star_id="123", skips=skips)
    assert parsed.time.size >= 1
    clean_points(parsed.time, parsed.mag, parsed.mag_err, survey="crts", where="x", skips=skips)


# --- real data ------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_real_files_with_limit() -> None:
    root = shared_dir("crts-periodic")
    skips = SkipLog()
    lcs = read_crts(root, skips=skips, limit=1, workers=2)
    labels = Counter(lc.meta["crts_label"] for lc in lcs)
    # 16 labels, all known to the taxonomy, one star each.
    assert len(labels) == 16 and set(labels.values()) == {1}
    assert skips.total(level="file") == skips.total(level="star") == skips.total(level="line") == 0
    assert len({lc.star_id for lc in lcs}) == 16
    for lc in lcs:
        assert len(lc) >= MIN_POINTS and np.all(np.diff(lc.time) > 0) and np.all(lc.mag_err > 0)
        assert 0 <= lc.meta["ra"] < 360 and -90 <= lc.meta["dec"] <= 90
        assert 0.03 <= lc.period <= 2000
    # Most of these well-sampled stars have a successful search.
    assert np.mean([lc.meta["period_ok"] for lc in lcs]) >= 0.6
