"""Shared fixtures: where the real survey data lives, and a skip when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: ../shared/data beside the repository checkout (override with VARSYNTH_SHARED_DATA).
SHARED_DATA = Path(
    os.environ.get("VARSYNTH_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")
)


def shared_dir(name: str) -> Path:
    """Path of one survey folder in ../shared/data; skips the test when it is absent."""
    path = SHARED_DATA / name
    if not path.is_dir():
        pytest.skip(f"real survey data not found: {path} is absent (shared data folder missing)")
    return path


@pytest.fixture
def shared_data() -> Path:
    """The ../shared/data folder; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real survey data not found: {SHARED_DATA} is absent (shared data folder missing)")
    return SHARED_DATA
