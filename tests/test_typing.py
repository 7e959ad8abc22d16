"""The package type-checks: mypy, with the settings of pyproject.toml's [tool.mypy], finds no error.

One run over src/varsynth (10-15 s with a warm .mypy_cache, about 4 min without one on two busy
cores: docs/testing.md); deselect it with ``-m "not typecheck"`` while iterating on other tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.typecheck
def test_mypy_finds_no_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # as `mypy` run from the repository root (the config's `files` are relative)
    stdout, stderr, status = api.run(["--config-file", "pyproject.toml"])
    report = f"mypy exited {status}\n{stdout}{stderr}"
    assert status == 0, report
    assert "error:" not in stdout, report
    assert stdout.startswith("Success: no issues found"), report
