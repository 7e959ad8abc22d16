"""CI reads the real data: under CI=true a missing ../shared/data fails the tests that read it,
every such test carries the shared_data marker, and .ci/run's report check refuses skips."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent

PROBE_TESTS = """
import pytest
from conftest import shared_dir


@pytest.mark.shared_data
def test_marked_reader():
    shared_dir("crts-periodic")


@pytest.mark.shared_data
def test_marked_fixture(shared_data):
    assert shared_data.is_dir()


def test_unmarked_reader():
    shared_dir("crts-periodic")


def test_plain():
    pass
"""


def _run_probe(tmp_path: Path, *, ci: bool, data: Path) -> dict[str, tuple[str, str]]:
    """Run the probe tests with this conftest; ``{test name: (outcome, message)}`` from the JUnit XML."""
    folder = tmp_path / ("ci" if ci else "local")
    folder.mkdir()
    for name in ("conftest.py", "helpers.py"):
        shutil.copy(TESTS / name, folder / name)
    (folder / "test_probe.py").write_text(PROBE_TESTS)
    (folder / "pytest.ini").write_text("[pytest]\nmarkers =\n    shared_data: reads ../shared/data\n")
    env = {**os.environ, "VARSYNTH_SHARED_DATA": str(data), "CI": "true" if ci else "", "PYTEST_ADDOPTS": ""}
    report = folder / "junit.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", "test_probe.py"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        child = next((c for c in case if c.tag in ("skipped", "failure", "error")), None)
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        outcome = child.tag if child is not None else "passed"
        out[case.get("name")] = (
            outcome + ("+tagged" if props.get("shared_data") else ""),
            "" if child is None else child.get("message", ""),
        )
    return out


def test_missing_data_skips_locally_and_fails_under_ci(tmp_path):
    local = _run_probe(tmp_path, ci=False, data=tmp_path / "absent")
    assert local["test_marked_reader"][0] == local["test_marked_fixture"][0] == "skipped+tagged"
    assert "real survey data not found" in local["test_marked_reader"][1]
    assert local["test_plain"][0] == "passed"
    ci = _run_probe(tmp_path, ci=True, data=tmp_path / "absent")
    assert ci["test_marked_reader"][0] == "failure+tagged" and "CI=true" in ci["test_marked_reader"][1]
    assert ci["test_marked_fixture"][0] == "error+tagged"  # failed in its fixture: an error, not a skip
    assert ci["test_plain"][0] == "passed"
    for run in (local, ci):  # reading the data without the marker fails, data or not
        assert run["test_unmarked_reader"][0] == "failure"
        assert "is not marked @pytest.mark.shared_data" in run["test_unmarked_reader"][1]


def _check_module():
    spec = importlib.util.spec_from_file_location("check_shared_data", REPO / ".ci" / "check_shared_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_ci_report_check_refuses_skipped_shared_data_tests(tmp_path, capsys):
    check = _check_module()
    (tmp_path / "data").mkdir()
    ran = _run_probe(tmp_path, ci=False, data=tmp_path / "data")  # present, but without crts-periodic
    assert ran["test_marked_fixture"][0] == "passed+tagged" and ran["test_marked_reader"][0] == "skipped+tagged"
    assert check.main([str(tmp_path / "local" / "junit.xml")]) == 1
    err = capsys.readouterr().err
    assert "1 of 2 tests that read ../shared/data were skipped" in err and "test_marked_reader" in err
    clean = tmp_path / "clean.xml"
    clean.write_text(
        '<testsuites><testsuite><testcase classname="t" name="a"><properties>'
        '<property name="shared_data" value="true"/></properties></testcase>'
        '<testcase classname="t" name="b"><skipped message="other"/></testcase></testsuite></testsuites>'
    )
    assert check.main([str(clean)]) == 0
    none = tmp_path / "none.xml"
    none.write_text('<testsuites><testsuite><testcase classname="t" name="b"/></testsuite></testsuites>')
    assert check.main([str(none)]) == 1 and "no test marked shared_data ran" in capsys.readouterr().err
    assert check.main([str(tmp_path / "absent.xml")]) == 1


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_ci_run_fails_at_once_without_the_shared_data(tmp_path):
    env = {**os.environ, "VARSYNTH_SHARED_DATA": str(tmp_path / "absent")}
    run = subprocess.run(["bash", str(REPO / ".ci" / "run")], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "real survey data folder" in run.stderr and "is missing" in run.stderr
