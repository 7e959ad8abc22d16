"""The one atomic writer: complete files only, a plain file's permissions, nothing left on failure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from varsynth.atomic import atomic_write, publish, temp_file
from varsynth.generation import StarRequest
from varsynth.generation.engine import iter_generate
from varsynth.generation.writers import LightCurveWriter
from varsynth.surveys.periods import PeriodCache, PeriodResult


def _plain_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def _hidden(folder: Path) -> list[Path]:
    return [p for p in folder.rglob(".*") if p.is_file()]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "a.txt"
    atomic_write(target, lambda tmp: tmp.write_text("old"))
    with pytest.raises(RuntimeError):
        atomic_write(target, lambda tmp: (tmp.write_text("half"), (_ for _ in ()).throw(RuntimeError("disk"))))
    assert target.read_text() == "old" and _hidden(tmp_path) == []
    assert _mode(target) == _plain_mode()


def test_publish_gives_a_plain_files_permissions_and_the_given_mtime(tmp_path):
    tmp = temp_file(tmp_path / "b.bin")
    assert _mode(tmp) == 0o600  # mkstemp's private file, until it is complete
    tmp.write_bytes(b"x")
    publish(tmp, tmp_path / "b.bin", mtime=1_000_000_000.0)
    out = tmp_path / "b.bin"
    assert _mode(out) == _plain_mode() and out.stat().st_mtime == 1_000_000_000.0 and not tmp.exists()


def test_every_writer_goes_through_it(tmp_path, default_model):
    """Generated files and period-cache entries get the same permissions as the dataset files."""
    chunk = next(iter_generate(StarRequest("RRLYR", period=0.55), n=2, cadence="uniform", seed=1, model=default_model))
    for suffix in ("parquet", "csv", "fits", "h5"):
        path = tmp_path / f"rr.{suffix}"
        with LightCurveWriter(path) as writer:
            writer.write(chunk)
        assert _mode(path) == _plain_mode(), suffix
    cache = PeriodCache(tmp_path / "cache")
    result = PeriodResult(
        period=0.5,
        power=0.9,
        false_alarm_probability=1e-9,
        doubled=False,
        n_frequencies=10,
        baseline=100.0,
        spurious=False,
        n_rejected=0,
    )
    cache.put("k", result)
    assert cache.get("k") == result and _mode(tmp_path / "cache" / "k.json") == _plain_mode()
    assert _hidden(tmp_path) == []
