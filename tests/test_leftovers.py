"""No temporary file outlives a run: SIGTERM and SIGINT remove them, and the next run on the same
target removes those of a run killed with SIGKILL (real ``varsynth generate`` subprocesses)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from varsynth.data.io import remove_stale_temporaries, temp_file

# many stars of few epochs: a run of minutes, its temporary file there within seconds
BIG = [
    "generate",
    "--class",
    "RRLYR",
    "--cadence",
    "uniform",
    "--cadence-option",
    "n_epochs=20",
    "-n",
    "3000000",
    "--chunk-size",
    "2000",
    "--no-progress",
]


def _default_sigint() -> None:
    # the run gets SIGINT as a terminal gives it, whatever the test process inherited or set: a
    # suite started in the background by a non-interactive shell has SIGINT ignored (Python then
    # installs no KeyboardInterrupt handler), and a library's thread may have SIGINT blocked
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _start(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "varsynth.cli", *BIG, *extra, "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )


def _temporaries(out: Path) -> list[Path]:
    return sorted(out.parent.glob(f".{out.name}.*"))


def _wait_for_temporary(proc: subprocess.Popen, out: Path, grow_to: int = 200_000) -> None:
    """Wait until the run's temporary files hold ``grow_to`` bytes: it is writing."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if sum(p.stat().st_size for p in _temporaries(out) if p.exists()) >= grow_to:
            return
        time.sleep(0.2)
    proc.kill()
    pytest.fail("the run wrote no temporary file within 180 s")


@pytest.mark.parametrize(
    ("sig", "suffix"), [(signal.SIGTERM, ".parquet"), (signal.SIGINT, ".parquet"), (signal.SIGTERM, ".fits")]
)
def test_a_signal_removes_the_temporary_files(tmp_path, sig, suffix):
    out = tmp_path / f"rr{suffix}"
    proc = _start(out)
    _wait_for_temporary(proc, out)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err
    assert err.strip().splitlines()[-1].startswith("varsynth: error: ") and "Traceback" not in err, err
    assert _temporaries(out) == [] and not out.exists(), os.listdir(tmp_path)


def test_the_next_run_removes_the_temporary_files_of_a_killed_run(tmp_path):
    out = tmp_path / "rr.fits"
    proc = _start(out)
    _wait_for_temporary(proc, out)
    proc.kill()  # SIGKILL: no chance to clean up
    proc.communicate(timeout=60)
    stale = _temporaries(out)
    assert stale, "SIGKILL left no temporary file to find"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "varsynth.cli",
            "generate",
            "--class",
            "RRLYR",
            "--cadence",
            "uniform",
            "-n",
            "2",
            "--no-progress",
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert _temporaries(out) == [] and out.is_file()
    assert all(f"removed {p}: temporary file of a killed run (process {proc.pid})" in done.stderr for p in stale)


def test_temporaries_of_a_running_process_or_without_a_process_id_are_reported_not_removed(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="varsynth")  # whatever level an earlier test left the root at
    out = tmp_path / "rr.parquet"
    live = temp_file(out)  # this test's own process: alive
    older = tmp_path / ".rr.parquet.abcd1234.tmp"  # the naming before process ids
    older.write_text("x")
    other = tmp_path / ".rr.parquet.csv.99999999-abcd1234.tmp"  # another target's temporary file
    other.write_text("x")
    assert remove_stale_temporaries(out) == []
    assert live.exists() and older.exists() and other.exists()
    assert "which still runs" in caplog.text and "interrupted earlier run" in caplog.text
