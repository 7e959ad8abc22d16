"""``python -m varsynth`` is the ``varsynth`` command."""

from __future__ import annotations

import subprocess
import sys


def test_python_dash_m_runs_the_command():
    ok = subprocess.run([sys.executable, "-m", "varsynth", "--help"], capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and "usage: varsynth" in ok.stdout and "generate" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "varsynth", "generate", "--class", "RRLYR", "-n", "0", "-o", "x.parquet"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "number of stars must be >= 1" in bad.stderr
