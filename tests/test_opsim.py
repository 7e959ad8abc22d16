"""Tests of the OpSim cadence on small SQLite databases written with the OpSim schema."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest

from varsynth.cadences import get_cadence, m5_sigma
from varsynth.cadences.opsim import read_opsim, unit_vectors

#: A realistic subset of the columns of an OpSim v4+ ``observations`` table.
SCHEMA = """
    observationId INTEGER PRIMARY KEY, fieldRA REAL, fieldDec REAL, observationStartMJD REAL,
    flush_by_mjd REAL, visitExposureTime REAL, filter TEXT, rotSkyPos REAL, numExposures INTEGER,
    airmass REAL, seeingFwhm500 REAL, seeingFwhmEff REAL, seeingFwhmGeom REAL, skyBrightness REAL,
    night INTEGER, slewTime REAL, visitTime REAL, fiveSigmaDepth REAL, moonAlt REAL, sunAlt REAL,
    note TEXT
"""
#: Pointings (RA, Dec in degrees) and their number of visits: a WFD-like field, a field near
#: RA = 0 (wrap-around) and a deep-drilling-like field with many visits.
FIELDS = [(150.0, -30.0, 120), (359.5, -10.0, 80), (53.1, -28.1, 1500)]


def _rows(seed: int = 0) -> list[tuple]:
    rng = np.random.default_rng(seed)
    rows, oid = [], 0
    for ra, dec, n in FIELDS:
        mjd = np.sort(60980.0 + rng.uniform(0, 3650, n))
        for t in mjd:
            band = "ugrizy"[rng.integers(6)]
            seeing = float(rng.uniform(0.6, 1.4))
            rows.append(
                (
                    oid,
                    ra,
                    dec,
                    float(t),
                    float(t) + 1,
                    30.0,
                    band,
                    0.0,
                    2,
                    1.2,
                    seeing,
                    seeing * 1.1,
                    seeing,
                    21.0,
                    int(t - 60980),
                    5.0,
                    34.0,
                    float(24.0 + rng.normal(0, 0.3)),
                    -20.0,
                    -30.0,
                    "wfd",
                )
            )
            oid += 1
    return rows


def make_opsim(path: Path, table: str = "observations", rows: list[tuple] | None = None, schema: str = SCHEMA) -> Path:
    """Write an OpSim-like SQLite database with ``table`` holding ``rows`` (default: :data:`FIELDS`)."""
    rows = _rows() if rows is None else rows
    with sqlite3.connect(path) as con:
        con.execute(f"CREATE TABLE {table} ({schema})")
        if rows:
            con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
        con.execute("CREATE TABLE info (Parameter TEXT, Value TEXT)")
    con.close()
    return path


@pytest.fixture
def opsim_db(tmp_path: Path) -> Path:
    return make_opsim(tmp_path / "baseline_test.db")


def test_read_opsim_sorts_visits(opsim_db: Path) -> None:
    visits = read_opsim(opsim_db)
    assert visits.mjd.size == sum(n for _, _, n in FIELDS)
    assert np.all(np.diff(visits.mjd) >= 0) and set(visits.band) <= set("ugrizy")


def test_fixed_position_selects_its_field(opsim_db: Path) -> None:
    cadence = get_cadence("opsim", path=opsim_db, ra=150.0, dec=-30.0)
    e = cadence.draw(np.random.default_rng(0))
    assert len(e) == 120 and np.all(np.diff(e.time) >= 0)
    assert e is cadence.draw(np.random.default_rng(1))
    inside = get_cadence("opsim", path=opsim_db, ra=150.0, dec=-30.0 + 1.7)
    assert len(inside.draw(np.random.default_rng(0))) == 120
    with pytest.raises(ValueError, match="no visit within radius 1.75 deg.*nearest pointing 1.80 deg"):
        get_cadence("opsim", path=opsim_db, ra=150.0, dec=-30.0 + 1.8)
    wide = get_cadence("opsim", path=opsim_db, ra=150.0, dec=-30.0 + 1.8, radius=2.0)
    assert len(wide.draw(np.random.default_rng(0))) == 120


def test_position_across_ra_zero(opsim_db: Path) -> None:
    e = get_cadence("opsim", path=opsim_db, ra=0.5, dec=-10.0).draw(np.random.default_rng(0))
    assert len(e) == 80  # 0.98 deg from the pointing at RA 359.5


def test_errors_use_each_visits_depth(opsim_db: Path) -> None:
    cadence = get_cadence("opsim", path=opsim_db, ra=53.1, dec=-28.1)
    e = cadence.draw(np.random.default_rng(0))
    visits = read_opsim(opsim_db)
    ddf = np.isclose(visits.ra, 53.1)
    assert np.array_equal(e.m5, visits.m5[ddf]) and np.array_equal(e.band, visits.band[ddf])
    mag = np.full(len(e), 23.5)
    gamma = np.where(e.band == "u", 0.038, 0.039)
    assert cadence.has_error_model
    assert np.allclose(cadence.errors(mag, e), m5_sigma(mag, e.m5, gamma, 0.005), rtol=1e-12)


def test_summary_all_props_table_is_read(tmp_path: Path) -> None:
    path = make_opsim(tmp_path / "opsim4.db", table="SummaryAllProps")
    assert len(get_cadence("opsim", path=path, ra=359.5, dec=-10.0).draw(None)) == 80


def test_random_positions_are_uniform_over_the_footprint_area(opsim_db: Path) -> None:
    cadence = get_cadence("opsim", path=opsim_db)
    rng = np.random.default_rng(5)
    start = time.perf_counter()
    draws = [cadence.draw(rng) for _ in range(600)]
    assert (time.perf_counter() - start) / 600 < 2e-3
    n = np.array([len(e) for e in draws])
    assert set(np.unique(n)) == {80, 120, 1500}  # the three separate fields, never empty
    # equal areas, so about a third each, although the deep field has 87% of the visits
    for count in (80, 120, 1500):
        assert np.mean(n == count) == pytest.approx(1 / 3, abs=0.07)
    again = get_cadence("opsim", path=opsim_db).draw(np.random.default_rng(5))
    assert np.array_equal(again.time, draws[0].time)  # reproducible with a seeded generator


def test_random_positions_cover_a_dithered_footprint(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    ra = rng.uniform(10, 30, 3000)
    dec = rng.uniform(-40, -20, 3000)
    rows = [
        (i, ra[i], dec[i], 60980.0 + i, 0, 30, "r", 0, 2, 1, 1, 1, 1, 21, i, 5, 34, 24.0, 0, -30, "")
        for i in range(3000)
    ]
    cadence = get_cadence("opsim", path=make_opsim(tmp_path / "dither.db", rows=rows))
    centres = []
    for _ in range(200):
        e = cadence.draw(rng)
        assert len(e) > 0
        idx = np.searchsorted(cadence.visits.mjd, e.time)
        centres.append(unit_vectors(cadence.visits.ra[idx], cadence.visits.dec[idx]).mean(axis=0))
    centres = np.array(centres)
    assert np.std(centres[:, 0]) > 0.05  # the positions move around the footprint


def test_opsim_refuses_bad_input(tmp_path: Path, opsim_db: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        get_cadence("opsim", path=tmp_path / "nope.db")
    with pytest.raises(ValueError, match="'path'"):
        get_cadence("opsim", ra=1.0, dec=2.0)
    other = make_opsim(tmp_path / "other.db", table="visits")
    with pytest.raises(ValueError, match=r"no visit table.*tables present: \['visits', 'info'\]"):
        get_cadence("opsim", path=other)
    few = make_opsim(
        tmp_path / "few.db",
        rows=[(1, 0.0, 0.0, 60000.0, "r")],
        schema="observationId INTEGER, fieldRA REAL, fieldDec REAL, observationStartMJD REAL, filter TEXT",
    )
    with pytest.raises(ValueError, match=r"lacks \['fiveSigmaDepth'\]; columns present: \['observationId'"):
        get_cadence("opsim", path=few)
    with pytest.raises(ValueError, match="has no visits"):
        get_cadence("opsim", path=make_opsim(tmp_path / "empty.db", rows=[]))
    rows = _rows()
    rows[3] = rows[3][:17] + (None,) + rows[3][18:]
    with pytest.raises(ValueError, match="'fiveSigmaDepth' has 1 null"):
        get_cadence("opsim", path=make_opsim(tmp_path / "null.db", rows=rows))
    rows = _rows()
    rows[0] = rows[0][:6] + ("Y",) + rows[0][7:]
    with pytest.raises(ValueError, match="filters.*'Y'"):
        get_cadence("opsim", path=make_opsim(tmp_path / "filter.db", rows=rows))
    text = tmp_path / "text.db"
    text.write_text("not a database\n" * 100)
    with pytest.raises(ValueError, match="could not be read as SQLite"):
        get_cadence("opsim", path=text)
    with pytest.raises(ValueError, match="ra and dec go together"):
        get_cadence("opsim", path=opsim_db, ra=10.0)
    with pytest.raises(ValueError, match="option dec"):
        get_cadence("opsim", path=opsim_db, ra=10.0, dec=95.0)
    with pytest.raises(ValueError, match="option radius"):
        get_cadence("opsim", path=opsim_db, radius=0.0)
    with pytest.raises(ValueError, match="no visit within radius"):
        get_cadence("opsim", path=opsim_db, ra=250.0, dec=60.0)
