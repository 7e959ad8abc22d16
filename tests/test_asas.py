"""Tests of the ASAS (ACVS-labelled) V-band reader (files in the exact collection format)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from varsynth.surveys.asas import (
    HJD_OFFSET,
    LABEL_COLUMNS,
    LC_COLUMNS,
    parse_label_row,
    read_asas,
    read_asas_file,
    read_asas_labels,
)
from varsynth.surveys.periods import MIN_POINTS
from varsynth.surveys.registry import read_survey
from varsynth.surveys.skips import ReaderError, SkipLog
from varsynth.surveys.validate import clean_points
from varsynth.taxonomy import UnknownClassError, asas_class


def _csv(rows: list[list[object]]) -> str:
    """Rows as CSV text, quoted only where needed (as the collection's files)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _curve(period: float, n: int = 300, seed: int = 0, eclipsing: bool = False) -> np.ndarray:
    """ASAS-like sampling: one epoch on random nights over 7 years; columns hjd, mag, err."""
    rng = np.random.default_rng(seed)
    nights = np.sort(rng.choice(np.arange(2600), n, replace=False))
    hjd = 2451868.0 + nights + rng.uniform(0.0, 0.3, n)
    phase = (hjd / period) % 1.0
    if eclipsing:
        mag = 11.0 + 0.5 * np.exp(-0.5 * ((phase - 0.25) / 0.05) ** 2)
        mag += 0.45 * np.exp(-0.5 * ((phase - 0.75) / 0.05) ** 2)
    else:
        mag = 11.0 + 0.4 * np.sin(2 * np.pi * phase)
    mag += rng.normal(0, 0.02, n)
    return np.column_stack([hjd, mag, rng.uniform(0.02, 0.04, n)])


def _write_lc(root: Path, star_id: str, rows: np.ndarray, repeat: bool = False, extra: list[str] = ()) -> None:
    path = root / "lc" / f"{star_id}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    body = [[repr(float(h)), repr(float(m)), repr(float(e)), "V"] for h, m, e in rows]
    text = _csv([list(LC_COLUMNS), *body, *(body if repeat else [])])
    path.write_text(text + "".join(f"{line}\n" for line in extra))


_LABELS = [
    ["152597", "013208+0120.5", "23.0333333", "1.3416667", "RR Lyrae, Fundamental Mode", "257"],
    ["152363", "004452-4717.1", "11.2166667", "-47.2850000", "Contact Systems", "399"],
    ["152372", "001654-3013.8", "4.2250000", "-29.7700000", "Mira", "507"],
    ["152358", "010100-1000.0", "15.25", "-10.0", "RR Lyrae, First Overtone", "300"],
    ["152400", "020000-2000.0", "30.0", "-20.0", "Beta Cephei", "300"],
    ["152401", "020000-2000.1", "30.0", "-20.0", "Delta Scuti", "300"],
    ["152402", "020000-2000.2", "thirty", "-20.0", "Delta Scuti", "300"],
    ["152403", "020000-2000.3", "30.0", "-95.0", "Delta Scuti", "300"],
    ["152363", "004452-4717.1", "11.2166667", "-47.2850000", "Contact Systems", "399"],
    ["152404", "020000-2000.4", "30.0"],
]


@pytest.fixture
def asas_root(tmp_path: Path) -> Path:
    root = tmp_path / "asas"
    root.mkdir()
    (root / "labels.csv").write_text(_csv([list(LABEL_COLUMNS), *_LABELS]))
    _write_lc(root, "152597", _curve(0.5530290, seed=1), extra=["2451999.5,11.2,0.03,I", "2452000.5,bright,0.03,V"])
    _write_lc(root, "152363", _curve(0.3643550, seed=2, eclipsing=True), repeat=True)
    _write_lc(root, "152372", _curve(133.0, seed=3), extra=["52001.5,11.0,0.03,V"])
    _write_lc(root, "152358", _curve(0.3263160, n=15, seed=4))  # too few points
    _write_lc(root, "152400", _curve(0.2, seed=5))  # unknown label
    _write_lc(root, "999999", _curve(0.2, seed=6))  # no label row
    # 152401 has no light-curve file
    return root


def test_known_answers(asas_root: Path) -> None:
    skips = SkipLog()
    lcs = read_asas(asas_root, skips=skips)
    assert [lc.star_id for lc in lcs] == ["152363", "152372", "152597"]
    ew, mira, rrab = lcs
    assert (rrab.survey, rrab.band, rrab.vclass, rrab.subtype) == ("asas", "V", "RRLYR", "RRab")
    assert abs(rrab.period / 0.5530290 - 1) < 1e-3 and rrab.meta["period_ok"] is True
    assert (ew.vclass, ew.subtype, ew.meta["ls_doubled"]) == ("ECL", "EW", True)
    assert abs(ew.period / 0.3643550 - 1) < 1e-3
    assert (mira.vclass, mira.subtype) == ("LPV", "Mira") and abs(mira.period / 133.0 - 1) < 0.01
    rows = _curve(0.5530290, seed=1)
    assert np.array_equal(rrab.time, rows[:, 0] - HJD_OFFSET)  # HJD - 2400000.5
    assert rrab.meta["mean_mag"]["V"] == pytest.approx(np.average(rows[:, 1], weights=rows[:, 2] ** -2))
    assert (rrab.meta["ra"], rrab.meta["dec"]) == pytest.approx((23.0333333, 1.3416667))
    assert rrab.meta["asas_name"] == "013208+0120.5"
    assert rrab.meta["source_file"] == "lc/152597.csv" and rrab.meta["period_source"] == "lomb-scargle"
    assert len(ew) == 300  # the repeated block is dropped
    reasons = {(level, reason): n for (_, level, reason), n in skips.counts.items()}
    assert reasons == {
        ("line", "malformed label row (non-numeric value)"): 1,
        ("line", "malformed label row (dec_deg outside [-90, 90])"): 1,
        ("line", "malformed label row (repeated id)"): 1,
        ("line", "wrong number of fields"): 1,
        ("line", "malformed line (band other than V)"): 1,
        ("line", "malformed line (non-numeric value)"): 1,
        ("point", "HJD outside 2450000.5-2470000.5"): 1,
        ("point", "duplicate time"): 300,
        ("star", "unknown class label 'Beta Cephei'"): 1,
        ("star", f"fewer than {MIN_POINTS} valid points"): 1,
        ("file", "missing light-curve file"): 1,
        ("file", "no label row"): 1,
    }


def test_limit_bands_workers_cache_and_registry(asas_root: Path, tmp_path: Path) -> None:
    limited = read_asas(asas_root, skips=SkipLog(), limit=1)
    assert [lc.star_id for lc in limited] == ["152363", "152372", "152597"]
    assert read_asas(asas_root, skips=SkipLog(), bands=["B"]) == []
    cache = tmp_path / "cache"
    serial = read_asas(asas_root, skips=SkipLog(), cache_dir=cache)
    assert len(list(cache.glob("*.json"))) == 3
    parallel = read_asas(asas_root, skips=SkipLog(), cache_dir=cache, workers=2)
    assert [(lc.star_id, lc.period, lc.meta) for lc in parallel] == [(lc.star_id, lc.period, lc.meta) for lc in serial]
    via_registry = read_survey("asas", asas_root.parent, skips=SkipLog(), cache_dir=cache)
    assert [lc.period for lc in via_registry] == [lc.period for lc in serial]


def test_labels() -> None:
    assert asas_class("Mira") == ("LPV", "Mira") and asas_class("Delta Scuti") == ("DSCT", "")
    assert asas_class("RR Lyrae, First Overtone") == ("RRLYR", "RRc")
    assert [asas_class(k)[1] for k in ("Contact Systems", "Detached", "Semidetached")] == ["EW", "EA", "ESD"]
    with pytest.raises(UnknownClassError, match="Beta Cephei"):
        asas_class("Beta Cephei")


def test_bad_tables_raise(tmp_path: Path) -> None:
    (tmp_path / "labels.csv").write_text("id,name,class\n1,a,Mira\n")
    with pytest.raises(ReaderError, match="unexpected header"):
        read_asas_labels(tmp_path / "labels.csv", skips=SkipLog())
    (tmp_path / "1.csv").write_bytes(b"hjd,mag,mag_err,band\n2451868.5,\xff\xfe,0.1,V\n")
    with pytest.raises(ReaderError, match="unreadable"):
        read_asas_file(tmp_path / "1.csv", skips=SkipLog())


# --- property tests of the label and light-curve parsers -------------------------------------

_label_rows = st.tuples(
    st.integers(1, 10**7).map(str),
    st.text("0123456789+-.", min_size=1, max_size=14),
    st.floats(0, 360, exclude_max=True),
    st.floats(-90, 90),
    st.sampled_from(["Mira", "Delta Scuti", "RR Lyrae, First Overtone", "Contact Systems", "Semidetached"]),
    st.integers(0, 5000),
)


@settings(max_examples=80, deadline=None)
@given(row=_label_rows)
def test_valid_label_rows_round_trip(row: tuple) -> None:
    fields = next(csv.reader([_csv([[row[0], row[1], repr(row[2]), repr(row[3]), row[4], row[5]]])]))
    assert tuple(parse_label_row(fields)) == row


_label_breakers = {
    "id": (lambda f: ["x" + f[0], *f[1:]], "malformed label row (id is not a number)"),
    "ra": (lambda f: [*f[:2], "360.0", *f[3:]], "malformed label row (ra_deg outside [0, 360))"),
    "dec": (lambda f: [*f[:3], "nine", *f[4:]], "malformed label row (non-numeric value)"),
    "n": (lambda f: [*f[:5], "-3"], "malformed label row (n_points < 0)"),
    "class": (lambda f: [*f[:4], " ", f[5]], "malformed label row (empty class)"),
    "width": (lambda f: f[:4], "wrong number of fields"),
}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(_label_rows, min_size=1, max_size=15, unique_by=lambda r: r[0]),
    bad=st.lists(st.tuples(st.sampled_from(sorted(_label_breakers)), st.integers(0, 10**6)), max_size=10),
)
def test_malformed_label_rows_are_counted(tmp_path: Path, rows: list[tuple], bad: list[tuple[str, int]]) -> None:
    table = [[r[0], r[1], repr(r[2]), repr(r[3]), r[4], str(r[5])] for r in rows]
    expected: Counter = Counter()
    for kind, pick in bad:
        breaker, reason = _label_breakers[kind]
        table.append(breaker(table[pick % len(rows)]))
        expected[reason] += 1
    path = tmp_path / "labels.csv"
    path.write_text(_csv([list(LABEL_COLUMNS), *table]))
    skips = SkipLog()
    labels = read_asas_labels(path, skips=skips)
    assert [row.star_id for row in labels] == [r[0] for r in rows]
    assert Counter({reason: n for (_, _, reason), n in skips.counts.items()}) == expected


_points = st.lists(
    st.tuples(st.floats(2450000.5, 2470000.5), st.floats(3, 18), st.floats(1e-4, 2)),
    max_size=40,
    unique_by=lambda row: row[0],
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_points)
def test_valid_lc_rows_round_trip(tmp_path: Path, rows: list[tuple[float, float, float]]) -> None:
    path = tmp_path / "1.csv"
    path.write_text(_csv([list(LC_COLUMNS), *([*map(repr, r), "V"] for r in rows)]))
    skips = SkipLog()
    parsed = read_asas_file(path, skips=skips)
    assert np.array_equal(np.column_stack(parsed), np.array(rows, dtype=np.float64).reshape(-1, 3))
    assert skips.total() == 0


_bad_kinds = st.sampled_from(["fields", "text", "band", "nan", "zero", "duplicate", "blank"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_points.filter(bool), bad=st.lists(st.tuples(_bad_kinds, st.integers(0, 10**6)), max_size=15))
def test_bad_lc_rows_are_counted(tmp_path: Path, rows: list[tuple], bad: list[tuple[str, int]]) -> None:
    lines = [",".join([*map(repr, r), "V"]) for r in rows]
    expected: Counter = Counter()
    for kind, pick in bad:
        h, m, e = rows[pick % len(rows)]
        line, key = {
            "fields": (f"{h!r},{m!r},{e!r}", ("line", "wrong number of fields")),
            "text": (f"{h!r},bright,{e!r},V", ("line", "malformed line (non-numeric value)")),
            "band": (f"{h!r},{m!r},{e!r},I", ("line", "malformed line (band other than V)")),
            "nan": (f"{h + 0.25!r},nan,{e!r},V", ("point", "NaN or infinite value")),
            "zero": (f"{h + 0.125!r},{m!r},0.0,V", ("point", "error <= 0")),
            "duplicate": (f"{h!r},{m + 1!r},{e!r},V", ("point", "duplicate time")),
            "blank": ("", None),
        }[kind]
        lines.append(line)
        if key is not None:
            expected[key] += 1
    path = tmp_path / "1.csv"
    path.write_text("\n".join([",".join(LC_COLUMNS), *lines]) + "\n")
    skips = SkipLog()
    hjd, mag, err = read_asas_file(path, skips=skips)
    clean_points(hjd, mag, err, survey="asas", where="x", skips=skips)
    assert Counter({(level, reason): n for (_, level, reason), n in skips.counts.items()}) == expected


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=60), max_size=10))
def test_arbitrary_lines_never_crash(tmp_path: Path, junk: list[str]) -> None:
    path = tmp_path / "1.csv"
    path.write_text("\n".join(["hjd,mag,mag_err,band", "2451868.5,11.0,0.03,V", *junk]) + "\n", encoding="utf-8")
    skips = SkipLog()
    try:
        hjd, mag, err = read_asas_file(path, skips=skips)
    except ReaderError as exc:  # a stray quote can make the CSV untokenisable: a clear error
        assert "unreadable file" in str(exc)
        return
    assert hjd.size >= 1
    clean_points(hjd, mag, err, survey="asas", where="x", skips=skips)


# --- real data ------------------------------------------------------------------------------


@pytest.mark.shared_data
def test_rr_ceti_period(tmp_path: Path) -> None:
    # RR Cet (ASAS 013208+0120.5): its 257 ASAS epochs fold best at 0.553029 d (4-harmonic
    # periodogram, fold rms 0.074 mag against 0.26 at the yearly alias), as the GCVS 0.5530281 d.
    real = shared_dir("asas")
    root = tmp_path / "asas"
    (root / "lc").mkdir(parents=True)
    header, *rows = (real / "labels.csv").read_text().splitlines()
    (root / "labels.csv").write_text("\n".join([header, *(r for r in rows if r.startswith("152597,"))]) + "\n")
    (root / "lc" / "152597.csv").symlink_to(real / "lc" / "152597.csv")
    skips = SkipLog()
    (lc,) = read_asas(root, skips=skips)
    assert (lc.star_id, lc.vclass, lc.subtype, lc.meta["asas_name"]) == ("152597", "RRLYR", "RRab", "013208+0120.5")
    assert abs(lc.period / 0.553029 - 1) < 1e-3 and lc.meta["period_ok"] is True
    assert len(lc) == 257 and skips.total() == 0


@pytest.mark.shared_data
def test_real_folder_with_limit(tmp_path: Path) -> None:
    root = shared_dir("asas")
    skips = SkipLog()
    lcs = read_asas(root, skips=skips, limit=2, workers=2, cache_dir=tmp_path / "cache")
    labels = Counter(lc.meta["asas_label"] for lc in lcs)
    assert len(labels) == 7 and set(labels.values()) == {2}
    assert skips.total(level="file") == skips.total(level="star") == skips.total(level="line") == 0
    for lc in lcs:
        assert len(lc) >= MIN_POINTS and np.all(np.diff(lc.time) > 0) and np.all(lc.mag_err > 0)
        assert 51000 < lc.time.min() and lc.time.max() < 55000  # HJD - 2400000.5, 1998-2009
        assert 0 <= lc.meta["ra"] < 360 and -90 <= lc.meta["dec"] <= 90
    # Most of these bright, well-sampled stars have a successful search.
    assert np.mean([lc.meta["period_ok"] for lc in lcs]) >= 0.6


def test_physics_as_for_crts(asas_root: Path) -> None:
    # Like CRTS: no colour and no distance, so Teff and M_G stay missing; the period is searched.
    from varsynth.physics import assign_physics

    lcs = read_asas(asas_root, skips=SkipLog())
    assign_physics(lcs, None)
    for lc in lcs:
        assert lc.physics["teff"].is_missing and "survey asas has no colour" in lc.physics["teff"].note
        assert lc.physics["abs_mag"].is_missing
        assert (lc.physics["period"].source, lc.physics["period"].value) == ("derived", lc.period)


def test_position_comes_from_the_name_not_the_wrong_southern_dec_column():
    from varsynth.surveys.asas import parse_label_row, position_from_name

    # the first row of the real labels.csv: dec_deg says -13.325 for 000208-1440.5 (-14 40.5')
    row = parse_label_row(["152334", "000208-1440.5", "0.5333333", "-13.3250000", "Mira", "315"])
    assert row.ra == pytest.approx(15 * (2 / 60 + 8 / 3600))
    assert row.dec == pytest.approx(-(14 + 40.5 / 60))
    assert position_from_name("123456+0102.3") == pytest.approx((15 * (12 + 34 / 60 + 56 / 3600), 1 + 2.3 / 60))
    assert position_from_name("not a name") is None
    # a name that does not parse keeps the table's columns
    assert parse_label_row(["7", "odd", "10.0", "-5.0", "Mira", "3"]).dec == -5.0
