"""``varsynth evaluate``: the fidelity report of one or more generative models, side by side.

Every check of :data:`SECTIONS` runs on every model with the same held-out data and seed; the
report folder gets ``report.md`` (each model's training budget, the bars of issue #11 with the
model's values, a summary table of the headline numbers, then each section with its tables and
figures, model by model), ``report.json`` (every number, so that runs can be compared; the bars
under ``targets``, the budgets under ``models.<label>.budget``) and ``figures/<model>/*.png``.
"""

from __future__ import annotations

import importlib
import json
import logging
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from varsynth.config import ConfigError
from varsynth.data.io import atomic_write, json_safe
from varsynth.evaluation.budget import budget_sentence, training_budget
from varsynth.evaluation.context import EvalContext, Section
from varsynth.evaluation.targets import issue_targets, targets_frame, targets_tally
from varsynth.generation.model import GenerativeModel, load_model

log = logging.getLogger(__name__)

__all__ = ["SECTIONS", "evaluate_models", "report_markdown", "markdown_table"]

#: The checks, in report order: name -> (module, function taking an EvalContext).
SECTIONS: dict[str, tuple[str, str]] = {
    "reconstruction": ("varsynth.evaluation.reconstruction_report", "evaluate_reconstruction"),
    "shapes": ("varsynth.evaluation.shapes", "evaluate_shapes"),
    "physics": ("varsynth.evaluation.known_physics", "evaluate_known_physics"),
    "recovery": ("varsynth.evaluation.recovery", "evaluate_recovery"),
    "classifier": ("varsynth.evaluation.classify", "evaluate_classifier"),
    "memorisation": ("varsynth.evaluation.memorisation", "evaluate_memorisation"),
    "latent": ("varsynth.evaluation.latent_space", "evaluate_latent"),
}


#: Column of the summary table holding what each headline number should be compared with.
_REFERENCE_COLUMN = "real data or baseline"


def _section_function(name: str) -> Callable[[EvalContext], Section]:
    module, function = SECTIONS[name]
    return getattr(importlib.import_module(module), function)


def _cell(value: Any) -> str:
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return "–"
        return f"{value:.3g}" if abs(float(value)) < 1e5 else f"{value:.3e}"
    return str(value).replace("|", "\\|")


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (floats to 3 significant digits, NaN as a dash)."""
    frame = frame.reset_index() if not isinstance(frame.index, pd.RangeIndex) else frame
    lines = [
        "| " + " | ".join(str(c) for c in frame.columns) + " |",
        "|" + "|".join("---" for _ in frame.columns) + "|",
    ]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def _headline_table(results: dict[str, dict[str, Section]]) -> pd.DataFrame:
    """Rows (section, metric), one column per model, from each section's ``summary["headline"]``, and
    the value to compare with (real data or baseline) from ``summary["headline_reference"]``."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for label, sections in results.items():
        for name, section in sections.items():
            reference = section.summary.get("headline_reference", {})
            for metric, value in section.summary.get("headline", {}).items():
                row = rows.setdefault((name, metric), {_REFERENCE_COLUMN: []})
                row[label] = value
                if metric in reference and reference[metric] not in row[_REFERENCE_COLUMN]:
                    row[_REFERENCE_COLUMN].append(reference[metric])
    for row in rows.values():  # a reference that depends on the model shows one value per model, in order
        row[_REFERENCE_COLUMN] = (
            " / ".join(_cell(v) for v in row[_REFERENCE_COLUMN])
            if len(row[_REFERENCE_COLUMN]) > 1
            else (row[_REFERENCE_COLUMN] or [""])[0]
        )
    frame = pd.DataFrame(
        [
            {"check": s, "metric": m, **{k: v.get(k, "") for k in [*results, _REFERENCE_COLUMN]}}
            for (s, m), v in rows.items()
        ]
    )
    return frame if len(frame) else pd.DataFrame(columns=["check", "metric", *results, _REFERENCE_COLUMN])


def _targets_markdown(targets: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The targets section: per model, a count and the table of bars."""
    out = [
        "## Targets (issue #11)",
        "",
        "Every bar of issue #11 with this report's value, read from the sections below. 's.e.': the value's "
        "bootstrap standard error over the light curves or stars it was measured on (200 resamples; where a "
        "section measures one), the error of this measurement alone: another evaluation or training seed "
        "moves a value further (docs/training.md). 'miss': how far the value lies beyond the bar, in the "
        "value's units, and in standard errors; 'not measured': the section did not run or lacks the number.",
        "",
    ]
    for label, rows in targets.items():
        out += [f"### {label}", "", targets_tally(rows), "", markdown_table(targets_frame(rows)), ""]
    return out


def report_markdown(
    results: dict[str, dict[str, Section]],
    settings: dict[str, Any],
    budgets: dict[str, dict[str, Any]] | None = None,
    targets: dict[str, list[dict[str, Any]]] | None = None,
) -> str:
    """The report page: settings and training budgets, the issue's targets, headline table, then every
    section model by model."""
    labels = list(results)
    out = [
        "# Fidelity report: " + ", ".join(labels),
        "",
        f"Written by `{settings['command']}` in {settings['seconds']:.0f} s "
        f"({'quick mode, small samples' if settings['quick'] else 'full mode'}; seed {settings['seed']}; "
        f"dataset `{settings['dataset_id']}`, held-out `test` split). Every number below is measured by "
        "that command, except values labelled as quoted; `report.json` holds them all.",
        "",
    ]
    if budgets:
        out += [
            "Training budgets (from each bundle's fit summary and training config):",
            "",
            *(f"- {budget_sentence(label, budget, settings.get('dataset_id'))}" for label, budget in budgets.items()),
            "",
        ]
    out += [
        *(
            [f"**Checks that failed** (the report is incomplete): {', '.join(settings['failed'])}.", ""]
            if settings.get("failed")
            else []
        ),
        *(_targets_markdown(targets) if targets else []),
        "## Summary",
        "",
        markdown_table(_headline_table(results)),
        "",
    ]
    names = [n for n in SECTIONS if any(n in s for s in results.values())]
    for name in names:
        first = next(s[name] for s in results.values() if name in s)
        out += [f"## {first.title}", ""]
        for label in labels:
            section = results[label].get(name)
            if section is None:
                continue
            out += [f"### {label}", ""]
            if section.text:
                out += [section.text, ""]
            for caption, table in section.tables:
                out += [f"**{caption}**", "", markdown_table(table), ""]
            for caption, path in section.figures:
                out += [f"![{caption}]({path})", "", f"*{caption}*", ""]
    return "\n".join(out)


def evaluate_models(
    models: Sequence[str | Path | GenerativeModel],
    dataset_dir: str | Path,
    report_dir: str | Path,
    *,
    data_root: str | Path = "../shared/data",
    quick: bool = False,
    seed: int = 0,
    sections: Sequence[str] | None = None,
    command: str = "varsynth evaluate",
    progress: bool = True,
) -> dict[str, Any]:
    """Run the fidelity checks on each model and write ``report.md``, ``report.json`` and figures.

    Arguments:
        models: ``default``, bundle or run folders, or loaded models; evaluated side by side.
        dataset_dir: the dataset the models were trained on (its ``test`` split is held out).
        report_dir: output folder.
        data_root: folder of the shared survey data (the OGLE-III catalog); checks needing it
            say so in the report when it is absent.
        quick: small samples (CI) instead of the full evaluation.
        seed: seed of every random draw.
        sections: names of :data:`SECTIONS` to run (default all).
        command: the command line, quoted in the report.

    Returns:
        The report's JSON content; ``settings["failed"]`` names the checks that raised (their
        error is in the report, the other checks still ran).
    """
    if seed < 0:
        raise ConfigError(f"seed must be >= 0, got {seed}")
    chosen = list(sections) if sections else list(SECTIONS)
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        raise ConfigError(f"sections {unknown} are unknown; valid: {list(SECTIONS)}")
    dataset_dir, report_dir, data_root = Path(dataset_dir), Path(report_dir), Path(data_root)
    if not (dataset_dir / "test.parquet").exists():
        raise FileNotFoundError(f"{dataset_dir}: no test.parquet; build the dataset with varsynth data build")
    started = time.perf_counter()
    results: dict[str, dict[str, Section]] = {}
    record: dict[str, Any] = {}
    failed: list[str] = []
    for model in models:
        gm = model if isinstance(model, GenerativeModel) else load_model(model)
        label = gm.name if gm.name not in results else f"{gm.name}-{len(results)}"
        ctx = EvalContext(gm, label, dataset_dir, data_root, report_dir, quick=quick, seed=seed)
        results[label], seconds = {}, {}
        for name in tqdm(chosen, desc=f"evaluating {label}", unit="check", disable=not progress):
            t0 = time.perf_counter()
            try:
                results[label][name] = _section_function(name)(ctx)
            except Exception as err:  # one failing check must not lose the others' results
                log.exception("check %s failed for %s", name, label)
                failed.append(f"{name} ({label})")
                results[label][name] = Section(
                    name,
                    name,
                    {"error": f"{type(err).__name__}: {err}"},
                    text=f"This check failed: `{type(err).__name__}: {err}`.",
                )
            seconds[name] = time.perf_counter() - t0
        record[label] = {
            "model": str(gm.path),
            "budget": training_budget(gm.metadata),
            "seconds": seconds,
            "sections": {n: s.summary for n, s in results[label].items()},
        }
    card = dataset_dir / "data_card.json"
    settings = {
        "command": command,
        "quick": quick,
        "seed": seed,
        "dataset": str(dataset_dir),
        "dataset_id": json.loads(card.read_text()).get("dataset_id", "?") if card.exists() else "?",
        "seconds": time.perf_counter() - started,
        "failed": failed,
    }
    content = json_safe({"settings": settings, "models": record})
    # the bars, read from the numbers as written to report.json
    content["targets"] = json_safe(
        {label: issue_targets(model["sections"]) for label, model in content["models"].items()}
    )
    budgets = {label: model["budget"] for label, model in content["models"].items()}
    page = report_markdown(results, settings, budgets, content["targets"])
    atomic_write(report_dir / "report.json", lambda p: p.write_text(json.dumps(content, indent=1) + "\n"))
    atomic_write(report_dir / "report.md", lambda p: p.write_text(page + "\n"))
    return content
