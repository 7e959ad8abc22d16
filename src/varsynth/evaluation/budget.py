"""The training budget of a model, as its bundle recorded it, for the report's header.

Read from the bundle's metadata (of its manifest ``model.json``, as ``load_bundle`` returns it):
the fit summary of :func:`varsynth.training.fit.fit` (``fit``) and the training config
(``train_config``). A field the bundle does not hold is ``None`` and printed as "not recorded";
nothing is estimated (a missing wall time is not replaced by epochs times seconds per epoch).
"""

from __future__ import annotations

from typing import Any

__all__ = ["NOT_RECORDED", "training_budget", "budget_sentence"]

#: How the report prints a field the bundle does not hold.
NOT_RECORDED = "not recorded"


def _get(mapping: Any, *keys: str) -> Any:
    """``mapping[k1][k2]...``, ``None`` where a level is missing or not a dict."""
    for key in keys:
        if not isinstance(mapping, dict) or key not in mapping:
            return None
        mapping = mapping[key]
    return mapping


def training_budget(metadata: dict[str, Any]) -> dict[str, Any]:
    """The training budget recorded in a bundle's metadata.

    Returns:
        ``epochs`` (network epochs run), ``max_epochs`` (the config's), ``seconds_per_epoch`` (s),
        ``train_wall_seconds`` (wall time of the whole training call including the flow fit, s),
        ``torch_threads``, ``flow_epochs``, ``train_samples`` and ``dataset_id``; ``None`` for each
        field the bundle does not hold.
    """
    fit = _get(metadata, "fit") or {}
    return {
        "epochs": _get(fit, "epochs"),
        "max_epochs": _get(metadata, "train_config", "optim", "max_epochs"),
        "seconds_per_epoch": _get(fit, "seconds_per_epoch"),
        "train_wall_seconds": _get(fit, "train_wall_seconds"),
        "torch_threads": _get(fit, "torch_threads"),
        "flow_epochs": _get(fit, "flow", "epochs"),
        "train_samples": _get(fit, "train_samples"),
        "dataset_id": _get(fit, "dataset_id"),
    }


def _or_not_recorded(value: Any, fmt: str = "{}") -> str:
    return NOT_RECORDED if value is None else fmt.format(value)


def budget_sentence(label: str, budget: dict[str, Any], evaluated_on: str | None = None) -> str:
    """One line of the report header: the model's epochs, wall time, threads and training dataset;
    ``evaluated_on``: the report's dataset id, to say when the model was trained on another one."""
    wall = budget.get("train_wall_seconds")
    wall_text = (
        f"{wall:.0f} s"
        if wall is not None
        else NOT_RECORDED
        + (
            f" ({budget['seconds_per_epoch']:.1f} s per network epoch recorded)"
            if budget.get("seconds_per_epoch") is not None
            else ""
        )
    )
    dataset = budget.get("dataset_id")
    note = (
        f" (not this report's `{evaluated_on}`)"
        if dataset is not None and evaluated_on not in (None, "?", dataset)
        else ""
    )
    return (
        f"`{label}`: {_or_not_recorded(budget.get('epochs'))} epochs (network; config maximum "
        f"{_or_not_recorded(budget.get('max_epochs'))}; flow {_or_not_recorded(budget.get('flow_epochs'))}), "
        f"training wall time {wall_text}, torch threads {_or_not_recorded(budget.get('torch_threads'))}, "
        f"trained on dataset {_or_not_recorded(dataset, '`{}`')}{note}."
    )
