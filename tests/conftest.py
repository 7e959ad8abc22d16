"""Shared fixtures: where the real survey data lives, and a skip when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import write_tiny_dataset

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


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """A tiny synthetic dataset (:func:`helpers.write_tiny_dataset`), written once per session; read only."""
    return write_tiny_dataset(tmp_path_factory.mktemp("tiny") / "data")


@pytest.fixture(scope="session")
def default_model():
    """The embedded default generative model, loaded once per session."""
    from varsynth.generation.model import load_model

    return load_model("default")
