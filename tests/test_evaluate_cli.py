"""``varsynth evaluate --quick`` end to end: every check, the report page, its JSON and figures."""

from __future__ import annotations

import json
import re

import pytest
from helpers import write_tiny_dataset

from varsynth.cli import main
from varsynth.evaluation.report import SECTIONS


def test_quick_evaluation_writes_a_complete_report(tmp_path, capsys):
    data = write_tiny_dataset(tmp_path / "data")
    report = tmp_path / "report"
    code = main(
        [
            "evaluate",
            "--model",
            "default",
            "--data",
            str(data),
            "--report",
            str(report),
            "--quick",
            "--shared",
            str(tmp_path / "no-shared-data"),
            "--json",
            str(tmp_path / "copy.json"),
            "--no-progress",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "report.md" in out and "targets of issue #11, default:" in out
    content = json.loads((report / "report.json").read_text())
    assert content == json.loads((tmp_path / "copy.json").read_text())
    assert content["settings"]["quick"] is True
    sections = content["models"]["default"]["sections"]
    assert list(sections) == list(SECTIONS)
    assert all(sections[name].get("headline") for name in SECTIONS)
    page = (report / "report.md").read_text()
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page)
    assert figures and all((report / f).stat().st_size > 1000 for f in figures)
    assert "## Summary" in page and page.count("### default") == len(SECTIONS) + 1  # the sections and the targets
    # the issue's bars come first, read from the sections' numbers; the budget says what the bundle lacks
    assert page.index("## Targets (issue #11)") < page.index("## Summary")
    rows = content["targets"]["default"]
    auc = next(r for r in rows if r["bar"] == "real-vs-generated AUC")
    assert auc["value"] == sections["classifier"]["discriminator"]["auc"] and auc["passed"] is (auc["value"] <= 0.65)
    catalog = next(r for r in rows if r["bar"].endswith("OGLE-III catalog"))
    assert catalog["passed"] is None  # no catalog under --shared
    from varsynth.generation.model import load_model

    fit = load_model("default").metadata["fit"]  # the embedded model's recorded budget
    assert content["models"]["default"]["budget"]["epochs"] == fit["epochs"]
    assert f"training wall time {fit['train_wall_seconds']:.0f} s" in page
    assert f"torch threads {fit['torch_threads']}" in page
    assert "bars met" in out


def test_unknown_section_and_missing_dataset_are_refused(tmp_path, capsys):
    data = write_tiny_dataset(tmp_path / "data", stars_per_class=5)
    assert main(["evaluate", "--data", str(data), "--report", str(tmp_path / "r"), "--sections", "vibes"]) == 2
    assert "sections ['vibes'] are unknown" in capsys.readouterr().err
    assert main(["evaluate", "--data", str(tmp_path / "nowhere"), "--report", str(tmp_path / "r")]) == 2
    assert "no test.parquet" in capsys.readouterr().err
    assert not (tmp_path / "r" / "report.json").exists()


@pytest.mark.parametrize("bad", [["--seed", "-1"]])
def test_negative_seed_is_refused(tmp_path, capsys, bad):
    data = write_tiny_dataset(tmp_path / "data", stars_per_class=5)
    assert main(["evaluate", "--data", str(data), "--report", str(tmp_path / "r"), *bad]) == 2
    assert "seed must be >= 0" in capsys.readouterr().err
