"""One contract for every registered survey reader (``varsynth.surveys.registry.READERS``).

Whatever the survey, a reader called through the registry returns light curves in the package's
canonical form (finite times, magnitudes and errors, errors > 0, strictly increasing times, a
band of :mod:`varsynth.bands`, a class of the taxonomy), counts what it leaves out with a reason,
and meets an empty folder or malformed files with a clear error or counted skips, never a crash.
The real-data checks read a small slice (``limit``) of ../shared/data.
"""

from __future__ import annotations

import bz2
import functools
import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED_DATA, shared_dir

from varsynth.bands import BANDS
from varsynth.config import SURVEYS, ConfigError, DataConfig
from varsynth.lightcurve import LightCurve
from varsynth.surveys.ogle import collection as ogle_collection
from varsynth.surveys.registry import OGLE_CATALOG, READERS, SURVEY_FOLDERS, read_survey, survey_reader
from varsynth.surveys.skips import ReaderError, SkipLog
from varsynth.taxonomy import CLASSES

NAMES = list(READERS)
LEVELS = {"line", "point", "file", "star", "lightcurve"}
#: Stars per class label read from the real data (small: the contract, not the volume).
LIMIT = 2
#: What a reader may raise for input it cannot read at all: an error that names the file.
CLEAR_ERRORS = (ReaderError, FileNotFoundError)

_reads: dict[tuple[str, int, tuple[str, ...] | None], tuple[list[LightCurve], SkipLog]] = {}


def _real_slice(
    name: str, cache: Path, limit: int = LIMIT, bands: tuple[str, ...] | None = None
) -> tuple[list[LightCurve], SkipLog]:
    """``read_survey(name, ../shared/data, limit=limit, bands=bands)``, read once per test session."""
    key = (name, limit, bands)
    if key not in _reads:
        shared_dir(SURVEY_FOLDERS[name])
        skips = SkipLog()
        lcs = read_survey(name, SHARED_DATA, skips=skips, limit=limit, bands=bands, cache_dir=cache / name)
        _reads[key] = (lcs, skips)
    return _reads[key]


@pytest.fixture(scope="module")
def period_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One period-search cache for the module: a star searched once is read back after."""
    return tmp_path_factory.mktemp("periods")


@pytest.fixture(scope="module", autouse=True)
def _ogle_catalog_parsed_once() -> Iterator[None]:
    """Parse the 400,000-row OGLE-III catalog once for the module, not once per OGLE read.

    The table is the same file every time; only the test's wall time changes (about 80 s a read
    on a loaded machine).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ogle_collection, "read_ogle3_catalog", functools.cache(ogle_collection.read_ogle3_catalog))
        yield


def _assert_skips_counted(skips: SkipLog, name: str) -> None:
    """Every skip is counted under this survey with a level and a non-empty reason."""
    for row in skips.rows():
        assert row["survey"] == name, row
        assert row["level"] in LEVELS, row
        assert isinstance(row["reason"], str) and row["reason"].strip(), row
        assert isinstance(row["count"], int) and row["count"] > 0, row


def test_registry_is_the_one_list_of_surveys() -> None:
    assert SURVEYS == tuple(READERS)
    assert list(DataConfig().surveys) == NAMES
    assert SURVEY_FOLDERS == {n: r.folder for n, r in READERS.items()}
    for name, reader in READERS.items():
        assert reader.name == name
        surveys_bands = {b for (s, b) in BANDS if s == name}
        assert surveys_bands, f"{name} has no band in varsynth.bands"
        assert reader.default_bands is None or set(reader.default_bands) <= surveys_bands


def test_config_refuses_a_survey_the_registry_lacks() -> None:
    with pytest.raises(ConfigError, match="unknown survey 'ztf'"):
        DataConfig.from_dict({"surveys": {"ztf": {}}})
    with pytest.raises(KeyError, match="unknown survey 'ztf'; valid"):
        survey_reader("ztf")


def test_registry_import_loads_no_reader() -> None:
    import subprocess
    import sys

    code = "import sys, varsynth.config; print(sorted(m for m in sys.modules if m.startswith('varsynth.surveys.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['varsynth.surveys.registry']"


@pytest.mark.shared_data
@pytest.mark.parametrize("name", NAMES)
def test_real_slice_is_canonical(name: str, period_cache: Path) -> None:
    lcs, skips = _real_slice(name, period_cache)
    assert lcs, f"{name}: no light curve from the real data"
    for lc in lcs:
        assert lc.survey == name
        assert isinstance(lc.star_id, str) and lc.star_id
        assert (name, lc.band) in BANDS, (name, lc.band)
        assert lc.vclass in CLASSES, lc.vclass
        assert isinstance(lc.subtype, str)
        n = lc.time.size
        assert n > 0
        for values in (lc.time, lc.mag, lc.mag_err):
            assert values.shape == (n,) and values.dtype == np.float64
            assert np.isfinite(values).all()
        assert (lc.mag_err > 0).all()
        assert (np.diff(lc.time) > 0).all(), f"{name} {lc.star_id}: times not strictly increasing"
        assert math.isnan(lc.period) or lc.period > 0
        json.dumps(lc.meta, allow_nan=True)  # metadata the data card and the dataset can store
    keys = [(lc.star_id, lc.band) for lc in lcs]
    assert keys == sorted(keys), "light curves sorted by star then band"
    assert len(set(keys)) == len(keys), "one light curve per star and band"
    _assert_skips_counted(skips, name)


#: Each survey's time system as published: name and days added to reach the MJD zero point.
TIME_SYSTEMS: dict[str, tuple[str, float]] = {
    "ogle3": ("HJD-2450000", 49999.5),
    "eros1": ("MJD-47891", 47891.0),
    "sdss-s82": ("MJD", 0.0),
    "crts": ("MJD", 0.0),
    "gaia-dr3": ("BJD-2455197.5", 55197.0),
    "css": ("MJD", 0.0),
    "asas": ("HJD-2400000.5", 0.0),
}


@pytest.mark.shared_data
@pytest.mark.parametrize("name", NAMES)
def test_real_times_are_mjd_with_the_published_system_kept(name: str, period_cache: Path) -> None:
    lcs, _ = _real_slice(name, period_cache)
    assert set(TIME_SYSTEMS) == set(NAMES)
    system, offset = TIME_SYSTEMS[name]
    for lc in lcs:
        assert 40000 < lc.time.min() and lc.time.max() < 70000, f"{name} {lc.star_id}: not MJD (1968-2050)"
        assert (lc.time_system.name, lc.time_system.offset_days) == (system, offset)
        assert lc.time_system.scale == ("tcb" if name == "gaia-dr3" else "utc")
        as_read = lc.survey_time()
        assert np.array_equal(lc.time, as_read + offset), "time = as read + offset, bit for bit"
        assert np.abs((lc.time - offset) - as_read).max() <= 1e-11, "time - offset gives the times as read"
        assert (lc.original_time is None) == (offset == 0.0)


@pytest.mark.shared_data
def test_period_search_sees_the_times_as_published(monkeypatch: pytest.MonkeyPatch) -> None:
    """Gaia DR3 (offset 55197 d): the search, and so its cache key, gets BJD - 2455197.5 as read."""
    from varsynth.surveys import periods

    seen: list[np.ndarray] = []
    search = periods.find_period

    def spy(time: np.ndarray, *args: object, **kwargs: object) -> periods.PeriodResult:
        seen.append(time.copy())
        return search(time, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(periods, "find_period", spy)
    shared_dir(SURVEY_FOLDERS["gaia-dr3"])
    lcs = read_survey("gaia-dr3", SHARED_DATA, skips=SkipLog(), limit=1, workers=1, cache_dir=None)
    assert lcs and len(seen) >= len(lcs)
    searched = {a.tobytes() for a in seen}
    for lc in lcs:
        assert lc.survey_time().tobytes() in searched
        assert 1000 < lc.survey_time().min() and lc.survey_time().max() < 4000  # BJD - 2455197.5 (2014-2017)


@pytest.mark.shared_data
@pytest.mark.parametrize("name", NAMES)
def test_period_cache_flag_says_who_writes_the_cache(name: str, period_cache: Path) -> None:
    _real_slice(name, period_cache)
    written = (period_cache / name).is_dir() and any((period_cache / name).rglob("*.json"))
    assert written == READERS[name].period_cache


@pytest.mark.shared_data
@pytest.mark.parametrize("name", NAMES)
def test_limit_takes_the_first_stars_of_each_label(name: str, period_cache: Path) -> None:
    """A larger ``limit`` adds stars and drops none: every reader takes stars in a fixed order."""
    one = {lc.star_id for lc in _real_slice(name, period_cache, limit=1)[0]}
    more = {lc.star_id for lc in _real_slice(name, period_cache)[0]}
    assert one and one < more


@pytest.mark.shared_data
@pytest.mark.parametrize("name", NAMES)
def test_real_slice_keeps_only_the_bands_asked(name: str, period_cache: Path) -> None:
    lcs, _ = _real_slice(name, period_cache)
    band = sorted({lc.band for lc in lcs})[0]
    one, _ = _real_slice(name, period_cache, limit=1, bands=(band,))
    assert one and {lc.band for lc in one} == {band}


@pytest.mark.parametrize("name", NAMES)
def test_missing_folder_is_a_clear_error(name: str, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=f"survey '{name}'"):
        read_survey(name, tmp_path, skips=SkipLog())


def _read_or_refuse(name: str, root: Path) -> tuple[list[LightCurve] | None, SkipLog]:
    """Read ``root``; a clear error (naming a file) gives ``None``; anything else fails the test."""
    skips = SkipLog()
    try:
        lcs = read_survey(name, root, skips=skips, cache_dir=root / "cache")
    except CLEAR_ERRORS as err:
        assert str(err).strip()
        return None, skips
    return lcs, skips


@pytest.mark.parametrize("name", NAMES)
def test_empty_folder_reads_nothing(name: str, tmp_path: Path) -> None:
    (tmp_path / SURVEY_FOLDERS[name]).mkdir()
    lcs, skips = _read_or_refuse(name, tmp_path)
    assert not lcs
    _assert_skips_counted(skips, name)


def _catalog_head(name: str, dest: Path, rows: int = 30) -> None:
    """For OGLE, the real catalog's header and first ``rows`` rows under ``dest``.

    The OGLE reader takes its catalog from beside its folder; without it the read stops at the
    missing catalog and never meets the malformed files of the folder.
    """
    if name != "ogle3":
        return
    with bz2.open(SHARED_DATA / OGLE_CATALOG, "rt") as src:
        lines = []
        for line in src:
            lines.append(line)
            if sum(not x.startswith("#") for x in lines) >= rows:
                break
    target = dest / OGLE_CATALOG
    target.parent.mkdir(parents=True)
    with bz2.open(target, "wt") as out:
        out.writelines(lines)


def _mirror(name: str, dest: Path, content: bytes, per_folder: int = 3) -> int:
    """Recreate the real folder's layout in ``dest`` (a few files per folder) with ``content``.

    Returns the number of files written.
    """
    src = shared_dir(SURVEY_FOLDERS[name])
    _catalog_head(name, dest)
    written = 0
    for folder in [src, *sorted(p for p in src.rglob("*") if p.is_dir())]:
        for path in sorted(p for p in folder.iterdir() if p.is_file())[:per_folder]:
            target = dest / SURVEY_FOLDERS[name] / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            written += 1
    return written


MALFORMED = {
    "garbage": b"\x00\xff not a table \xfe\n1,2\n;;;\n",
    "empty": b"",
    "text": b"star mag err\nabc def ghi\n-1 nan inf\n",
}


@pytest.mark.shared_data
@pytest.mark.parametrize("kind", sorted(MALFORMED))
@pytest.mark.parametrize("name", NAMES)
def test_malformed_files_are_counted_or_refused(name: str, kind: str, tmp_path: Path) -> None:
    assert _mirror(name, tmp_path, MALFORMED[kind]) > 0
    lcs, skips = _read_or_refuse(name, tmp_path)
    assert not lcs, "no light curve from malformed files"
    _assert_skips_counted(skips, name)
    if lcs is not None:
        assert skips.total(name) > 0, "malformed files read without an error must be counted"


@pytest.mark.shared_data
@pytest.mark.parametrize("name", NAMES)
def test_truncated_real_files_never_crash(name: str, tmp_path: Path) -> None:
    """Real files cut in the middle of a line: a clear error or counted skips, and canonical curves."""
    src = shared_dir(SURVEY_FOLDERS[name])
    _catalog_head(name, tmp_path)
    for folder in [src, *sorted(p for p in src.rglob("*") if p.is_dir())]:
        for path in sorted(p for p in folder.iterdir() if p.is_file())[:3]:
            if path.stat().st_size > 50_000_000:
                continue
            data = path.read_bytes()
            target = tmp_path / SURVEY_FOLDERS[name] / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data[: max(1, len(data) // 2 - 7)])
    lcs, skips = _read_or_refuse(name, tmp_path)
    _assert_skips_counted(skips, name)
    for lc in lcs or []:
        assert np.isfinite(lc.time).all() and (lc.mag_err > 0).all() and (np.diff(lc.time) > 0).all()
