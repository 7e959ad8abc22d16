"""Tests of the Catalina SSS periodic-variable reader (files in the exact published format)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_dir
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from varsynth.surveys.catalina_sss import (
    CATALOG_FILE,
    parse_catalog_row,
    parse_phot_row,
    read_catalina_sss,
    read_css_catalog,
    read_css_phot_file,
)
from varsynth.surveys.periods import MIN_POINTS
from varsynth.surveys.registry import read_survey
from varsynth.surveys.skips import ReaderError, SkipLog
from varsynth.surveys.validate import clean_points
from varsynth.taxonomy import CSS_TYPE_LABELS, UnknownClassError, css_class


def _phot(n: int = 120, seed: int = 0) -> np.ndarray:
    """``MJD mag err`` rows over 8 years (Siding Spring visits of 4 exposures)."""
    rng = np.random.default_rng(seed)
    nights = np.sort(rng.choice(np.arange(2900), n // 4, replace=False))
    t = 53550.0 + (nights[:, None] + np.arange(4) * 0.0107).ravel()
    mag = 15.0 + 0.4 * np.sin(2 * np.pi * t / 0.61) + rng.normal(0, 0.03, t.size)
    return np.column_stack([t, mag, rng.uniform(0.05, 0.1, t.size)])


def _write_phot(root: Path, css_id: str, rows: np.ndarray, extra: list[str] = ()) -> None:
    path = root / "phot" / f"{css_id}.dat"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [" ".join(repr(float(v)) for v in row) for row in rows]
    path.write_text("\n".join([*lines, *extra]) + "\n")


_CATALOG = """\
3039001008411 0.10758 -39.61419 0.51438 14.7091832346 230 0.260621 1
3043003001790 7.67214 -44.27241 1.9007 13.3227281013 216 0.935192 10 ASAS J003041-4416.4
3057009011334 32.4081 -57.61697 0.823691 15.1873415751 134 0.453568 10 CM Eri G
3059004009102 14.82874 -59.91197 11.740534 12.8035709612 138 0.497282 12 ASAS J005919-5954.7
3000000000007 1.0 -20.0 3.2 14.0 200 0.1 7
3000000000008 1.0 -20.0 0.4 14.0 200 0.1 5
3000000000009 1.0 -20.0 abc 14.0 200 0.1 5
3000000000010 400.0 -20.0 0.4 14.0 200 0.1 5
3000000000011 1.0 -20.0 0.4
3039001008411 0.10758 -39.61419 0.9 14.7 230 0.26 2

"""


@pytest.fixture
def css_root(tmp_path: Path) -> Path:
    root = tmp_path / "catalina-sss"
    root.mkdir()
    (root / CATALOG_FILE).write_text(_CATALOG)
    placeholder = "-2409998.5 16.1 0.08"
    _write_phot(root, "3039001008411", _phot(seed=1), extra=[placeholder, "53600.5 15.2", "53601.5 bright 0.1"])
    _write_phot(root, "3043003001790", _phot(seed=2))
    _write_phot(root, "3057009011334", _phot(seed=3))
    _write_phot(root, "3059004009102", _phot(seed=4))
    _write_phot(root, "3000000000007", _phot(seed=5))  # rotational: no class
    _write_phot(root, "3000000000008", _phot(n=12, seed=6))  # too few points
    _write_phot(root, "3999999999999", _phot(seed=7))  # not in the catalog
    (root / "phot" / "3000000000009.dat").write_text("")  # catalog row malformed, file empty
    (root / "phot" / "notes.dat").write_text("x\n")
    return root


def test_known_answers(css_root: Path) -> None:
    skips = SkipLog()
    lcs = read_catalina_sss(css_root, skips=skips)
    assert [lc.star_id for lc in lcs] == ["3039001008411", "3043003001790", "3057009011334", "3059004009102"]
    by_id = {lc.star_id: lc for lc in lcs}
    rr, acep, acep2, t2 = (by_id[k] for k in ("3039001008411", "3043003001790", "3057009011334", "3059004009102"))
    assert (rr.survey, rr.band, rr.vclass, rr.subtype, rr.period) == ("css", "V", "RRLYR", "RRab", 0.51438)
    assert (acep.vclass, acep.subtype, acep.period, acep.meta["name"]) == ("ACEP", "", 1.9007, "ASAS J003041-4416.4")
    assert (acep2.meta["name"], acep2.period) == ("CM Eri G", 0.823691)
    assert (t2.vclass, t2.meta["css_label"], t2.period) == ("T2CEP", "Cep-II", 11.740534)
    assert (rr.meta["ra"], rr.meta["dec"], rr.meta["mean_mag"]) == (0.10758, -39.61419, {"V": 14.7091832346})
    assert (rr.meta["amplitude"], rr.meta["n_epochs_catalog"], rr.meta["css_type_code"]) == (0.260621, 230, 1)
    assert rr.meta["period_source"] == "catalog" and rr.meta["source_file"] == "phot/3039001008411.dat"
    rows = _phot(seed=1)
    assert np.array_equal(rr.time, rows[:, 0]) and np.array_equal(rr.mag, rows[:, 1])
    reasons = {(level, reason): n for (_, level, reason), n in skips.counts.items()}
    assert reasons == {
        ("line", "malformed catalog row (non-numeric period)"): 1,
        ("line", "malformed catalog row (ra outside [0, 360))"): 1,
        ("line", "malformed catalog row (fewer than 8 fields)"): 1,
        ("line", "malformed catalog row (repeated CSS ID)"): 1,
        ("line", "malformed line (wrong number of fields)"): 1,
        ("line", "malformed line (non-numeric value)"): 1,
        ("point", "MJD outside 50000-70000"): 1,
        ("star", "unknown type code 7"): 1,
        ("star", f"fewer than {MIN_POINTS} valid points"): 1,
        ("file", "no catalog row"): 2,  # 3999999999999 and 3000000000009 (its row is malformed)
        ("file", "unexpected file name"): 1,
    }


def test_limit_bands_workers_and_registry(css_root: Path) -> None:
    limited = read_catalina_sss(css_root, skips=SkipLog(), limit=1)
    assert [lc.meta["css_label"] for lc in limited] == ["RRab", "ACEP", "Cep-II"]
    assert read_catalina_sss(css_root, skips=SkipLog(), bands=["G"]) == []
    serial = read_catalina_sss(css_root, skips=SkipLog())
    parallel = read_catalina_sss(css_root, skips=SkipLog(), workers=2)
    assert [(lc.star_id, lc.period, lc.meta) for lc in parallel] == [(lc.star_id, lc.period, lc.meta) for lc in serial]
    via_registry = read_survey("css", css_root.parent, skips=SkipLog())
    assert [lc.star_id for lc in via_registry] == [lc.star_id for lc in serial]


def test_type_codes() -> None:
    assert css_class(1) == ("RRLYR", "RRab") and css_class(5) == ("ECL", "EW") and css_class(6) == ("ECL", "EA")
    assert css_class(8) == ("LPV", "") and css_class(9) == ("DSCT", "HADS")
    assert css_class(10) == ("ACEP", "") and css_class(12) == ("T2CEP", "")
    for code in (0, 7, 11, 13, 14):
        with pytest.raises(UnknownClassError, match=f"type code {code}"):
            css_class(code)
    assert sorted(CSS_TYPE_LABELS) == [1, 2, 3, 4, 5, 6, 8, 9, 10, 12]


def test_unreadable_files_raise(tmp_path: Path) -> None:
    bad = tmp_path / "1.dat"
    bad.write_bytes(b"53000.1 15.0 \xff\xfe\n")
    with pytest.raises(ReaderError, match="unreadable"):
        read_css_phot_file(bad, skips=SkipLog())
    (tmp_path / "empty.txt").write_text("\n\n")
    with pytest.raises(ReaderError, match="empty file"):
        read_css_catalog(tmp_path / "empty.txt", skips=SkipLog())


# --- property tests of the catalog and photometry parsers -----------------------------------

_ids = st.integers(10**12, 10**13 - 1).map(str)
_names = st.lists(st.text("ABCXYZabcxyz0123456789_+-.J", min_size=1, max_size=12), max_size=3)
_valid_rows = st.tuples(
    _ids,
    st.floats(0, 360, exclude_max=True),
    st.floats(-90, 90),
    st.floats(1e-3, 2000),
    st.floats(8, 22),
    st.integers(0, 1000),
    st.floats(0, 5),
    st.integers(1, 13),
    _names,
)


def _line(row: tuple) -> str:
    *numbers, names = row
    return " ".join([numbers[0], *(repr(v) if isinstance(v, float) else str(v) for v in numbers[1:]), *names])


@settings(max_examples=100, deadline=None)
@given(row=_valid_rows)
def test_valid_catalog_rows_round_trip(row: tuple) -> None:
    parsed = parse_catalog_row(_line(row))
    assert tuple(parsed[:8]) == row[:8] and parsed.name == " ".join(row[8])


_breakers = {
    "short": (lambda f: f[:5], "fewer than 8 fields"),
    "id": (lambda f: ["CSS" + f[0], *f[1:]], "CSS ID is not a number"),
    "ra": (lambda f: [f[0], "361.5", *f[2:]], "ra outside [0, 360)"),
    "dec": (lambda f: [f[0], f[1], "-91", *f[3:]], "dec outside [-90, 90]"),
    "period": (lambda f: [*f[:3], "-0.5", *f[4:]], "period <= 0"),
    "text": (lambda f: [*f[:4], "bright", *f[5:]], "non-numeric mean_mag"),
    "nan": (lambda f: [*f[:6], "nan", *f[7:]], "non-finite amplitude"),
    "code": (lambda f: [*f[:7], "5.5", *f[8:]], "non-integer type code"),
}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(_valid_rows, min_size=1, max_size=20, unique_by=lambda r: r[0]),
    bad=st.lists(st.tuples(st.sampled_from(sorted(_breakers)), st.integers(0, 10**6)), max_size=12),
)
def test_malformed_catalog_rows_are_counted(tmp_path: Path, rows: list[tuple], bad: list[tuple[str, int]]) -> None:
    lines = [_line(r) for r in rows]
    expected: Counter = Counter()
    for kind, pick in bad:
        breaker, reason = _breakers[kind]
        lines.append(" ".join(breaker(_line(rows[pick % len(rows)]).split())))
        expected[f"malformed catalog row ({reason})"] += 1
    path = tmp_path / CATALOG_FILE
    path.write_text("\n".join(lines) + "\n")
    skips = SkipLog()
    catalog = read_css_catalog(path, skips=skips)
    assert sorted(catalog) == sorted(r[0] for r in rows)
    counted = Counter({reason: n for (_, _, reason), n in skips.counts.items()})
    assert counted == expected


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=80), max_size=12))
def test_arbitrary_catalog_lines_never_crash(tmp_path: Path, junk: list[str]) -> None:
    path = tmp_path / CATALOG_FILE
    path.write_text("\n".join(["3039001008411 0.1 -39.6 0.51 14.7 230 0.26 1", *junk]) + "\n", encoding="utf-8")
    skips = SkipLog()
    catalog = read_css_catalog(path, skips=skips)
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert "3039001008411" in catalog and len(catalog) + skips.total(level="line") == len(lines)


_points = st.lists(
    st.tuples(st.floats(50000, 70000), st.floats(5, 25), st.floats(1e-4, 2)),
    max_size=40,
    unique_by=lambda row: row[0],
)


@settings(max_examples=60, deadline=None)
@given(rows=_points)
def test_valid_phot_rows_round_trip(rows: list[tuple[float, float, float]]) -> None:
    for row in rows:
        assert parse_phot_row(" ".join(map(repr, row))) == row


_bad_points = st.sampled_from(["fields", "text", "nan", "zero", "duplicate", "placeholder", "blank"])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_points.filter(bool), bad=st.lists(st.tuples(_bad_points, st.integers(0, 10**6)), max_size=15))
def test_bad_phot_rows_are_counted(tmp_path: Path, rows: list[tuple], bad: list[tuple[str, int]]) -> None:
    lines = [" ".join(map(repr, r)) for r in rows]
    expected: Counter = Counter()
    for kind, pick in bad:
        t, m, e = rows[pick % len(rows)]
        line, key = {
            "fields": (f"{t!r} {m!r}", ("line", "malformed line (wrong number of fields)")),
            "text": (f"{t!r} bright {e!r}", ("line", "malformed line (non-numeric value)")),
            "nan": (f"{t + 0.25!r} nan {e!r}", ("point", "NaN or infinite value")),
            "zero": (f"{t + 0.125!r} {m!r} 0.0", ("point", "error <= 0")),
            "duplicate": (f"{t!r} {m + 1!r} {e!r}", ("point", "duplicate time")),
            "placeholder": (f"-2409998.5 {m!r} {e!r}", None),
            "blank": ("  ", None),
        }[kind]
        lines.append(line)
        if key is not None:
            expected[key] += 1
    path = tmp_path / "3039001008411.dat"
    path.write_text("\n".join(lines) + "\n")
    skips = SkipLog()
    mjd, mag, err = read_css_phot_file(path, skips=skips)
    keep = mjd > 0  # the reader's MJD window, tested in test_known_answers
    clean_points(mjd[keep], mag[keep], err[keep], survey="css", where="x", skips=skips)
    counted = Counter({(level, reason): n for (_, level, reason), n in skips.counts.items()})
    assert counted == expected


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(junk=st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=60), max_size=10))
def test_arbitrary_phot_lines_never_crash(tmp_path: Path, junk: list[str]) -> None:
    path = tmp_path / "1.dat"
    path.write_text("\n".join(["53000.5 15.1 0.05", *junk]) + "\n", encoding="utf-8")
    skips = SkipLog()
    mjd, mag, err = read_css_phot_file(path, skips=skips)
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert mjd.size >= 1 and mjd.size + skips.total(level="line") == len(lines)
    clean_points(mjd, mag, err, survey="css", where="x", skips=skips)


# --- real data ------------------------------------------------------------------------------


def _real_subset(tmp_path: Path, ids: list[str]) -> Path:
    """The real catalog and the real files of a few stars, linked into a new folder."""
    real = shared_dir("catalina-sss")
    root = tmp_path / "catalina-sss"
    (root / "phot").mkdir(parents=True)
    (root / CATALOG_FILE).symlink_to(real / CATALOG_FILE)
    for css_id in ids:
        (root / "phot" / f"{css_id}.dat").symlink_to(real / "phot" / f"{css_id}.dat")
    return root


@pytest.mark.shared_data
def test_real_stars_read_back_their_published_period_and_class(tmp_path: Path) -> None:
    # Rows of SSS_Per_Tab.txt: an RRab, an anomalous Cepheid named with a space, a type II Cepheid.
    root = _real_subset(tmp_path, ["3021001008691", "3057009011334", "3059004009102"])
    skips = SkipLog()
    rrab, acep, t2cep = read_catalina_sss(root, skips=skips)
    assert (rrab.vclass, rrab.subtype, rrab.period, rrab.meta["name"]) == (
        "RRLYR",
        "RRab",
        0.519993,
        "CSS_J000828.7-212146",
    )
    assert (acep.vclass, acep.period, acep.meta["name"]) == ("ACEP", 0.823691, "CM Eri G")
    assert (t2cep.vclass, t2cep.period, t2cep.meta["css_label"]) == ("T2CEP", 11.740534, "Cep-II")
    assert (t2cep.meta["ra"], t2cep.meta["dec"], t2cep.meta["mean_mag"]["V"]) == (14.82874, -59.91197, 12.8035709612)
    assert skips.total(level="line") == skips.total(level="file") == skips.total(level="star") == 0


@pytest.mark.shared_data
def test_real_folder_with_limit() -> None:
    root = shared_dir("catalina-sss")
    skips = SkipLog()
    catalog = read_css_catalog(root / CATALOG_FILE, skips=SkipLog())
    assert len(catalog) == 37745
    lcs = read_catalina_sss(root, skips=skips, limit=3, workers=2)
    labels = Counter(lc.meta["css_label"] for lc in lcs)
    assert labels == {label: 3 for label in CSS_TYPE_LABELS.values()}
    assert skips.total(level="file") == skips.total(level="star") == skips.total(level="line") == 0
    for lc in lcs:
        row = catalog[lc.star_id]
        assert lc.period == row.period and (lc.meta["ra"], lc.meta["dec"]) == (row.ra, row.dec)
        assert len(lc) >= MIN_POINTS and np.all(np.diff(lc.time) > 0) and np.all(lc.mag_err > 0)
        assert 53000 < lc.time.min() and lc.time.max() < 57000  # MJD, 2004-2014


def test_physics_as_for_crts(css_root: Path) -> None:
    # Like CRTS: no colour and no distance, so Teff stays missing, and M_G too except for the classes
    # with a period-luminosity relation (T2CEP, ACEP, ELL: derived); the period is the catalog's.
    from varsynth.physics import assign_physics
    from varsynth.physics.luminosity import class_luminosity

    lcs = read_catalina_sss(css_root, skips=SkipLog())
    assign_physics(lcs, None)
    for lc in lcs:
        assert lc.physics["teff"].is_missing and "survey css has no colour" in lc.physics["teff"].note
        if class_luminosity(lc.vclass) is None:
            assert lc.physics["abs_mag"].is_missing
        else:
            assert (
                lc.physics["abs_mag"].source == "derived"
                and " PL" in lc.physics["abs_mag"].note
                or "ELL" in lc.physics["abs_mag"].note
            )
        assert (lc.physics["period"].source, lc.physics["period"].value) == ("catalog", lc.period)
