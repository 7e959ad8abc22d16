"""A generation run is checked before the work and before the model loads; failures are one
line with a bounded exit status (0 ok, 1 runtime failure, 2 usage or input error)."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from astropy.table import Table

import varsynth.generation.checks as checks
import varsynth.generation.output as output
from varsynth.cadences import get_cadence
from varsynth.cli import main
from varsynth.generation import StarRequest, write_lightcurves
from varsynth.generation.writers import LightCurveWriter, format_for


@pytest.fixture
def no_model(monkeypatch):
    """Loading the model fails the test: every refusal here must come before it."""

    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded before the check")

    monkeypatch.setattr(output, "load_model", refuse)


def _run(capsys, *args: str) -> tuple[int, str]:
    code = main(["generate", "--class", "RRLYR", "--no-progress", *args])
    err = capsys.readouterr().err
    return code, err


def _one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("varsynth: error: ") and "Traceback" not in err, err
    return lines[0]


def test_unwritable_outputs_are_refused_before_the_model_loads(tmp_path, capsys, no_model):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    folder = tmp_path / "out.parquet"
    folder.mkdir()
    cases = [(folder, "it is a folder"), (blocker / "x.parquet", f"{blocker} is not a folder")]
    if Path("/proc/self").is_dir():  # a folder where no file can be created, even by root
        cases.append((Path("/proc/x.parquet"), "cannot write output /proc/x.parquet"))
    for target, reason in cases:
        code, err = _run(capsys, "-o", str(target))
        assert code == 2 and reason in _one_line_error(err), err


def test_unwritable_or_wrong_plot_paths_are_refused_before_anything_is_written(tmp_path, capsys, no_model):
    out = tmp_path / "rr.parquet"
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    for plot, reason in (
        (tmp_path, "a PNG image"),
        (tmp_path / "p.pdf", "a PNG image"),
        (blocker / "p.png", f"{blocker} is not a folder"),
        (tmp_path / "d.png", "it is a folder"),
    ):
        (tmp_path / "d.png").mkdir(exist_ok=True)
        code, err = _run(capsys, "-o", str(out), "--plot", str(plot))
        assert code == 2 and reason in _one_line_error(err) and not out.exists(), err


def test_conflicting_options_are_refused_with_the_reason(tmp_path, capsys, no_model):
    times = tmp_path / "times.csv"
    Table({"mjd": [59000.0, 59001.5], "band": ["I", "I"]}).write(times)
    out = str(tmp_path / "x.parquet")
    for args, reason in (
        (["--cadence", "ztf", "--cadence-file", str(times)], "name two cadences"),
        (["--ra", "10", "--dec", "-30"], "place the star in an OpSim database"),
        (["--cadence-file", str(times), "--ra", "10"], "cadence 'file' would ignore them"),
        (["--cadence-file", str(times), "--opsim", str(times)], "name two cadences"),
        (
            ["--cadence-file", str(times), "--cadence-option", f"path={times}"],
            "cadence option path and a cadence file or OpSim database name two files; give one",
        ),
        (["--format", "csv"], "format 'csv' contradicts the suffix"),
    ):
        code, err = _run(capsys, *args, "-o", out)
        assert code == 2 and reason in _one_line_error(err), (args, err)


def test_values_out_of_range_are_refused_before_the_model_loads(tmp_path, capsys, no_model):
    far = tmp_path / "far.csv"
    Table({"mjd": [59000.0, 1e12], "band": ["I", "I"]}).write(far)
    out = str(tmp_path / "x.parquet")
    for args, reason in (
        (["--period", "0"], "period must be in (0, 1e+05] days"),
        (["--period", "1e9"], "period must be in (0, 1e+05] days"),
        (["--epoch", "1e12"], "epoch must be an MJD in"),
        (["--cadence-file", str(far)], "1 time(s) outside MJD"),
        (["--cadence", "uniform", "--cadence-option", "start=1e12"], "option start must be"),
        (["-n", "0"], "number of stars must be >= 1"),
    ):
        code, err = _run(capsys, *args, "-o", out)
        assert code == 2 and reason in _one_line_error(err), (args, err)


def test_a_huge_n_is_refused_at_once_with_the_estimate(tmp_path):
    start = time.monotonic()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "varsynth.cli",
            "generate",
            "--class",
            "RRLYR",
            "-n",
            str(10**12),
            "-o",
            str(tmp_path / "x.parquet"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    line = _one_line_error(proc.stderr)
    assert "would take about" in line and "1000000000000 stars" in line and "free there" in line
    assert time.monotonic() - start < 60 and list(tmp_path.iterdir()) == []


def test_too_little_free_space_is_refused_before_the_model_loads(tmp_path, capsys, monkeypatch, no_model):
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(checks.shutil, "disk_usage", lambda p: usage._replace(free=1_000_000))
    code, err = _run(capsys, "--cadence", "uniform", "-n", "1000", "-o", str(tmp_path / "x.csv"))
    assert code == 2 and "1000 stars x ~300 epochs x 205 bytes per epoch of csv" in _one_line_error(err)


@pytest.mark.parametrize("suffix", [".parquet", ".csv", ".ecsv", ".fits", ".h5"])
def test_the_size_estimate_covers_the_real_output_without_overstating_it(tmp_path, suffix):
    """On a real run, the estimate is at least the bytes on disk while writing, and at most 1.6x."""
    out = tmp_path / f"rr{suffix}"
    cadence = get_cadence("random", n_epochs=400)  # times differ per star, as in surveys
    estimate = checks.check_run(out, n_stars=300, cadence=cadence, id_prefix="RRLYR-1-", classes=("RRLYR",))
    write_lightcurves(out, StarRequest("RRLYR"), n=300, cadence=cadence, seed=1)
    on_disk = out.stat().st_size
    if format_for(out) in ("fits", "hdf5"):  # the Parquet spool of the same rows exists until the table is done
        spool = write_lightcurves(tmp_path / "spool.parquet", StarRequest("RRLYR"), n=300, cadence=cadence, seed=1)
        on_disk += Path(spool["path"]).stat().st_size
    assert on_disk <= estimate.bytes <= 1.6 * on_disk, (estimate, on_disk)


def test_runtime_failures_exit_1_in_one_line_and_v_anywhere_shows_the_traceback(tmp_path, capsys, monkeypatch):
    def disk_full(self, chunk):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(LightCurveWriter, "write", disk_full)
    args = ["--cadence", "uniform", "-n", "2", "-o", str(tmp_path / "x.parquet")]
    code, err = _run(capsys, *args)
    assert code == 1 and "No space left on device" in _one_line_error(err)
    code, err = _run(capsys, *args, "-v")  # -v after the subcommand
    assert code == 1 and "Traceback" in err and err.strip().splitlines()[-1].startswith("varsynth: error: ")
    assert main(["-v", "generate", "--class", "RRLYR", "--no-progress", *args]) == 1
    assert list(tmp_path.iterdir()) == []


_REFUSALS_WITHOUT_TORCH = """
import json, sys
from varsynth.cli import main
out = sys.argv[1]
refusals = [["--period", "-1", "-o", out + "/x.parquet"], ["-o", out + "/file.txt/x.parquet"], ["-o", out],
            ["--cadence", "ztf", "--cadence-file", out + "/c.txt", "-o", out + "/x.parquet"]]
codes = [main(["generate", "--class", "RRLYR", "--no-progress", *args]) for args in refusals]
refused_without = [name for name in ("torch", "matplotlib") if name in sys.modules]
ok = main(["generate", "--class", "RRLYR", "--cadence", "uniform", "--cadence-option", "n_epochs=5", "-n", "1",
           "--no-progress", "-o", out + "/ok.parquet"])
print(json.dumps({"codes": codes, "loaded": refused_without, "ok": ok, "torch_after_ok": "torch" in sys.modules}))
"""


def test_refusals_do_not_import_torch(tmp_path):
    """A bad period, an output under a file, a folder as output and two cadences are refused in a
    fresh process before torch (or matplotlib) is imported; a run that passes the checks does import it."""
    (tmp_path / "file.txt").write_text("not a folder")
    proc = subprocess.run(
        [sys.executable, "-c", _REFUSALS_WITHOUT_TORCH, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["codes"] == [2, 2, 2, 2], proc.stderr
    assert result["loaded"] == [], f"imported before the checks passed: {result['loaded']}"
    assert result["ok"] == 0 and result["torch_after_ok"]  # the probe can tell: a real run imports torch


def test_the_output_functions_load_the_embedded_model_by_default(tmp_path, monkeypatch):
    """``model`` defaults to ``"default"``, the embedded bundle, for both output functions."""
    asked = []

    def record(model):
        asked.append(model)
        raise RuntimeError("stop after the model was named")

    monkeypatch.setattr(output, "load_model", record)
    with pytest.raises(RuntimeError, match="stop after"):
        output.write_training_set(tmp_path / "t.parquet", per_class=1, classes=["RRLYR"])
    with pytest.raises(RuntimeError, match="stop after"):
        write_lightcurves(tmp_path / "l.parquet", StarRequest("RRLYR"), n=1)
    assert asked == ["default", "default"]


def test_the_size_estimate_is_logged_before_the_run(tmp_path, caplog):
    out = tmp_path / "x.csv"
    with caplog.at_level(logging.INFO, logger=checks.__name__):
        estimate = checks.check_run(out, n_stars=10, cadence=get_cadence("uniform", n_epochs=30))
    assert estimate.stars == 10 and estimate.epochs_per_star == 30
    assert f"output {out}: about " in caplog.text and "B (10 stars x ~30 epochs)" in caplog.text
