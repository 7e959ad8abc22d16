"""Shared fixtures: where the real survey data lives, and what happens when it is absent.

Tests that read ``../shared/data`` get their folders from :func:`shared_dir` or the
``shared_data`` fixture and carry ``@pytest.mark.shared_data`` (a test that reads the data
without the marker fails, naming itself). When the folder is absent such a test is skipped with
the reason, except under ``CI=true`` (as set by ``.ci/run``), where it fails: continuous
integration must read the real data, never silently skip it. Marked tests are tagged
``shared_data`` in a JUnit XML report (``--junitxml``), which ``.ci/run`` checks for skips.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from helpers import write_tiny_dataset

#: ../shared/data beside the repository checkout (override with VARSYNTH_SHARED_DATA).
SHARED_DATA = Path(
    os.environ.get("VARSYNTH_SHARED_DATA", Path(__file__).resolve().parents[1].parent / "shared" / "data")
)

_running: list[pytest.Item] = []  # the test being set up, run or torn down

#: Seconds a fuzz test may take under ``pytest -m fuzz`` (10^4 inputs; the default is 600).
NIGHTLY_FUZZ_TIMEOUT = 4 * 3600


def _selects_fuzz(markexpr: str) -> bool:
    """Whether a ``-m`` expression asks for the fuzz tests (``fuzz``, ``fuzz and ...``; not ``not fuzz``)."""
    words = markexpr.replace("(", " ").replace(")", " ").split()
    return any(w == "fuzz" and (i == 0 or words[i - 1] != "not") for i, w in enumerate(words))


def pytest_configure(config: pytest.Config) -> None:
    """``pytest -m fuzz`` selects the nightly fuzz volume (tests/fuzzing.py), before test modules load."""
    if _selects_fuzz(config.getoption("markexpr", "") or ""):
        os.environ.setdefault("VARSYNTH_FUZZ_PROFILE", "nightly")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("VARSYNTH_FUZZ_PROFILE") != "nightly":
        return
    for item in items:
        if item.get_closest_marker("fuzz") is not None:
            item.add_marker(pytest.mark.timeout(NIGHTLY_FUZZ_TIMEOUT))


def in_ci() -> bool:
    """Whether the tests run under continuous integration (``CI`` set to true, 1 or yes)."""
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _running[:] = [item]
    if item.get_closest_marker("shared_data") is not None:
        item.user_properties.append(("shared_data", "true"))


def pytest_runtest_teardown(item: pytest.Item) -> None:
    _running.clear()


def _reading(path: Path) -> Path:
    """``path`` if present; else fail (under CI, or without the marker) or skip the test."""
    item = _running[0] if _running else None
    if item is not None and item.get_closest_marker("shared_data") is None:
        pytest.fail(f"{item.nodeid} reads {SHARED_DATA} but is not marked @pytest.mark.shared_data", pytrace=False)
    if not path.is_dir():
        message = f"real survey data not found: {path} is absent (shared data folder missing)"
        if in_ci():
            pytest.fail(f"{message}; CI=true: the real data must be read, not skipped", pytrace=False)
        pytest.skip(message)
    return path


def shared_dir(name: str) -> Path:
    """Path of one survey folder in ../shared/data (see the module docstring when it is absent)."""
    return _reading(SHARED_DATA / name)


@pytest.fixture
def shared_data() -> Path:
    """The ../shared/data folder (see the module docstring when it is absent)."""
    return _reading(SHARED_DATA)


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory) -> Path:
    """A tiny synthetic dataset (:func:`helpers.write_tiny_dataset`), written once per session; read only."""
    return write_tiny_dataset(tmp_path_factory.mktemp("tiny") / "data")


@pytest.fixture(scope="session")
def default_model():
    """The embedded default generative model, loaded once per session."""
    from varsynth.generation.model import load_model

    return load_model("default")


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """A running ``varsynth serve`` (the real command, uvicorn) on a free loopback port, shared by
    the API and browser tests: ``(base_url, log_path)``. Stopped at the end of the session."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    pytest.importorskip("fastapi") if not in_ci() else None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = tmp_path_factory.mktemp("serve") / "serve.log"
    log = open(log_path, "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [sys.executable, "-m", "varsynth.cli", "serve", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail(f"varsynth serve did not start: {log_path.read_text()[-2000:]}")
        time.sleep(0.3)
    yield url, log_path
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
