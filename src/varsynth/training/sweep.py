"""Hyperparameter search of the PELS-VAE family with Optuna (``varsynth sweep``).

The paper tunes its models over the grid of its Table 2 and keeps the lowest validation loss;
:func:`run_sweep` does the same with a seeded TPE sampler and a median pruner that stops trials
whose per-epoch ``val/loss`` falls behind. The search space is a YAML file
(``configs/sweep/pelsvae-table2.yaml``, see :class:`SearchSpace`) whose parameters are dotted
fields of a :class:`~varsynth.training.config.TrainConfig` (``model.hidden``, ``optim.lr``);
a parameter with ``when`` is only sampled for the named values of an earlier one (the TCN
sizes for ``tcn``, the RNN layers for ``gru`` and ``lstm``).

The study lives in an SQLAlchemy storage, by default ``sqlite:///SWEEP_DIR/optuna.db``; give
every worker the same storage URL and study name (PostgreSQL or MySQL across machines) and
they share one study. A sweep folder holds ``optuna.db``, ``trials/<number>/`` (one
``varsynth train`` run folder per trial), ``trials.csv`` and ``trials.json`` (every trial of the
study) and ``best_config.yaml`` (the best trial as a train config), rewritten after each trial.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, cast, get_type_hints

import numpy as np
import optuna
import pandas as pd
import yaml
from optuna.trial import FrozenTrial, TrialState
from optuna_integration import PyTorchLightningPruningCallback

from varsynth.config import ConfigError
from varsynth.data.io import atomic_write
from varsynth.models.config import ModelConfig
from varsynth.training.config import OptimConfig, TrainConfig
from varsynth.training.fit import fit

__all__ = [
    "ParamSpec",
    "SearchSpace",
    "load_search_space",
    "table2_space",
    "apply_params",
    "write_results",
    "run_sweep",
]

PARAM_TYPES: tuple[str, ...] = ("categorical", "int", "float")
#: Fields a sweep may not tune: the epoch budget is the sweep's (``max_epochs``), the others
#: are not hyperparameters.
UNTUNABLE: frozenset[str] = frozenset({"optim.max_epochs", "optim.logger", "model.n_classes"})
#: The median pruner waits for this many finished trials, and compares trials only after this
#: many epochs (the first epochs of a VAE are too noisy to rank models).
PRUNER_STARTUP_TRIALS = 5
PRUNER_WARMUP_EPOCHS = 5
#: Random trials before TPE models the space (Optuna's default).
SAMPLER_STARTUP_TRIALS = 10
MONITOR = "val/loss"


def _tunable_fields() -> dict[str, type]:
    """Every scalar field of the model and optimiser configs, by dotted name, with its type."""
    out: dict[str, type] = {}
    for section, cls in (("model", ModelConfig), ("optim", OptimConfig)):
        hints = get_type_hints(cls)
        for f in fields(cls):
            name = f"{section}.{f.name}"
            if hints[f.name] in (int, float, str, bool) and name not in UNTUNABLE:
                out[name] = hints[f.name]
    return out


@dataclass(frozen=True)
class ParamSpec:
    """One searched parameter.

    Attributes:
        name: dotted field of the train config, e.g. ``model.hidden`` or ``optim.lr``.
        type: ``categorical`` (``choices``), ``int`` or ``float`` (``low``, ``high``, ``log``,
            ``step``).
        choices: the values of a categorical parameter.
        low, high: inclusive bounds of an int or float parameter.
        log: sample uniformly in log space (``low`` > 0).
        step: spacing of an int parameter (e.g. 2 for odd kernel sizes from an odd ``low``).
        when: sample only if these earlier categorical parameters took one of the listed
            values; otherwise the base config's value stays.
    """

    name: str
    type: str
    choices: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: int = 1
    when: tuple[tuple[str, tuple[Any, ...]], ...] = ()

    def active(self, sampled: Mapping[str, Any]) -> bool:
        """Whether the parameter is sampled, given the values sampled so far."""
        return all(name in sampled and sampled[name] in allowed for name, allowed in self.when)

    def suggest(self, trial: optuna.Trial) -> Any:
        """Draw a value from ``trial``."""
        if self.type == "categorical":
            return trial.suggest_categorical(self.name, list(self.choices))
        assert self.low is not None and self.high is not None  # the parser sets both for int and float
        if self.type == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high), step=self.step, log=self.log)
        return trial.suggest_float(self.name, float(self.low), float(self.high), log=self.log)

    def extremes(self) -> tuple[Any, ...]:
        """The values a config must accept: every choice, or both bounds."""
        return self.choices if self.type == "categorical" else (self.low, self.high)

    def to_dict(self) -> dict[str, Any]:
        """The YAML form (see :meth:`SearchSpace.from_dict`)."""
        out: dict[str, Any] = {"type": self.type}
        if self.type == "categorical":
            out["choices"] = list(self.choices)
        else:
            out.update(low=self.low, high=self.high, log=self.log)
            if self.type == "int":
                out["step"] = self.step
        if self.when:
            out["when"] = {name: list(allowed) for name, allowed in self.when}
        return out


def _param(name: str, raw: Any, earlier: Mapping[str, ParamSpec]) -> ParamSpec:
    """Validate one entry of the ``params`` mapping."""
    where = f"sweep space: params.{name}"
    tunable = _tunable_fields()
    if name not in tunable:
        raise ConfigError(f"{where}: not a tunable field; valid: {sorted(tunable)}")
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a mapping with a 'type' key")
    kind = raw.get("type")
    if kind not in PARAM_TYPES:
        raise ConfigError(f"{where}.type must be one of {list(PARAM_TYPES)}, got {kind!r}")
    keys = {
        "categorical": {"type", "choices", "when"},
        "int": {"type", "low", "high", "log", "step", "when"},
        "float": {"type", "low", "high", "log", "when"},
    }[kind]
    unknown = sorted(set(raw) - keys)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {unknown} for type {kind}; valid keys: {sorted(keys)}")
    field_type = tunable[name]
    spec = _spec_values(name, kind, raw, field_type, where)
    return replace(spec, when=_when(raw.get("when") or {}, earlier, where))


def _spec_values(name: str, kind: str, raw: dict[str, Any], field_type: type, where: str) -> ParamSpec:
    """The type-specific values of one parameter, checked against the field's type."""
    if kind == "categorical":
        choices = raw.get("choices")
        if not isinstance(choices, list) or not choices:
            raise ConfigError(f"{where}.choices must be a non-empty list")
        bad = [c for c in choices if not _fits(c, field_type)]
        if bad or len(set(choices)) != len(choices):
            raise ConfigError(f"{where}.choices must be distinct {field_type.__name__} values, got {choices!r}")
        return ParamSpec(name, kind, choices=tuple(choices))
    if field_type not in (int, float) or (kind == "float" and field_type is int):
        raise ConfigError(f"{where}: a field of type {field_type.__name__} cannot have type {kind}")
    low: Any = raw.get("low")
    high: Any = raw.get("high")
    number = int if kind == "int" else (int, float)
    if not all(isinstance(v, number) and not isinstance(v, bool) for v in (low, high)) or not low < high:
        raise ConfigError(f"{where}: low and high must be {kind} values with low < high, got {low!r}, {high!r}")
    log_scale = raw.get("log", False)
    step = raw.get("step", 1)
    if not isinstance(log_scale, bool) or (log_scale and low <= 0):
        raise ConfigError(f"{where}.log must be true or false, and needs low > 0, got {log_scale!r}")
    if not isinstance(step, int) or step < 1 or (log_scale and step != 1):
        raise ConfigError(f"{where}.step must be an integer >= 1 (1 with log), got {step!r}")
    return ParamSpec(name, kind, low=low, high=high, log=log_scale, step=step)


def _fits(value: Any, field_type: type) -> bool:
    if field_type is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if field_type is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, field_type)


def _when(raw: Any, earlier: Mapping[str, ParamSpec], where: str) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """The ``when`` conditions: earlier categorical parameters and some of their choices."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}.when must map an earlier parameter to its value(s)")
    out = []
    for name, allowed in raw.items():
        parent = earlier.get(name)
        if parent is None or parent.type != "categorical":
            raise ConfigError(
                f"{where}.when: {name!r} must be a categorical parameter listed before this one; "
                f"earlier: {sorted(earlier)}"
            )
        allowed = tuple(allowed) if isinstance(allowed, list) else (allowed,)
        bad = [v for v in allowed if v not in parent.choices]
        if bad:
            raise ConfigError(f"{where}.when: {bad!r} not among the choices of {name} {list(parent.choices)}")
        out.append((name, allowed))
    return tuple(out)


@dataclass(frozen=True)
class SearchSpace:
    """An ordered set of :class:`ParamSpec` (a parameter's ``when`` refers to earlier ones)."""

    name: str
    params: tuple[ParamSpec, ...]

    @classmethod
    def from_dict(cls, raw: Any) -> SearchSpace:
        """Build from the YAML form::

            name: my-space
            params:
              model.arch: {type: categorical, choices: [tcn, gru]}
              model.tcn_blocks: {type: categorical, choices: [5, 7], when: {model.arch: tcn}}
              optim.lr: {type: float, low: 5.0e-5, high: 0.1, log: true}

        Raises:
            ConfigError: the offending entry is named with the rule it breaks.
        """
        if not isinstance(raw, dict):
            raise ConfigError("sweep space must be a mapping with keys 'name' and 'params'")
        unknown = sorted(set(raw) - {"name", "params"})
        if unknown:
            raise ConfigError(f"sweep space: unknown key(s) {unknown}; valid keys: ['name', 'params']")
        params = raw.get("params")
        if not isinstance(params, dict) or not params:
            raise ConfigError("sweep space: params must be a non-empty mapping of parameter name to spec")
        specs: dict[str, ParamSpec] = {}
        for name, spec in params.items():
            specs[name] = _param(name, spec, specs)
        return cls(str(raw.get("name", "space")), tuple(specs.values()))

    def to_dict(self) -> dict[str, Any]:
        """The YAML form."""
        return {"name": self.name, "params": {p.name: p.to_dict() for p in self.params}}

    def sample(self, trial: optuna.Trial) -> dict[str, Any]:
        """Draw every active parameter, in order; returns ``{dotted name: value}``."""
        sampled: dict[str, Any] = {}
        for p in self.params:
            if p.active(sampled):
                sampled[p.name] = p.suggest(trial)
        return sampled

    def check(self, base: TrainConfig) -> None:
        """Refuse a space with a choice or bound that ``base`` cannot take, before any trial.

        Raises:
            ConfigError: names the parameter, the value and the config's own complaint.
        """
        for p in self.params:
            for value in p.extremes():
                try:
                    apply_params(base, {p.name: value})
                except ConfigError as err:
                    raise ConfigError(f"sweep space: params.{p.name}: value {value!r} is invalid: {err}") from err


def load_search_space(path: str | Path) -> SearchSpace:
    """Read a search space from YAML (see :meth:`SearchSpace.from_dict`).

    Raises:
        ConfigError: unreadable file or an invalid entry (named).
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"cannot read sweep space {path}: {err}") from err
    try:
        return SearchSpace.from_dict(raw)
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from err


def table2_space() -> SearchSpace:
    """The paper's Table 2 search space (``configs/sweep/pelsvae-table2.yaml`` holds the same).

    The TCN dilation is fixed at 2 by the model (block i dilates by 2**i), so it is not searched.
    """
    tcn = {"model.arch": "tcn"}
    rnn = {"model.arch": ["gru", "lstm"]}
    return SearchSpace.from_dict(
        {
            "name": "pelsvae-table2",
            "params": {
                "optim.batch_size": {"type": "categorical", "choices": [32, 64, 128]},
                "optim.lr": {"type": "float", "low": 5e-5, "high": 0.1, "log": True},
                "optim.scheduler": {"type": "categorical", "choices": ["none", "exponential", "cosine", "plateau"]},
                "optim.beta": {"type": "float", "low": 0.0, "high": 1.0},
                "model.latent_dim": {"type": "categorical", "choices": [4, 6, 8, 12]},
                "model.dropout": {"type": "float", "low": 0.0, "high": 0.5},
                "model.arch": {"type": "categorical", "choices": ["tcn", "gru", "lstm"]},
                "model.hidden": {"type": "categorical", "choices": [16, 32, 48, 64]},
                "model.tcn_blocks": {"type": "categorical", "choices": [5, 7, 9], "when": tcn},
                "model.kernel_size": {"type": "categorical", "choices": [3, 5, 7, 9], "when": tcn},
                "model.rnn_layers": {"type": "categorical", "choices": [1, 2, 3], "when": rnn},
            },
        }
    )


def apply_params(base: TrainConfig, params: Mapping[str, Any]) -> TrainConfig:
    """``base`` with the dotted ``params`` set (validated again).

    Raises:
        ConfigError: a value the config refuses (the key is named).
    """
    model = {k.split(".", 1)[1]: v for k, v in params.items() if k.startswith("model.")}
    optim = {k.split(".", 1)[1]: v for k, v in params.items() if k.startswith("optim.")}
    try:
        return replace(base, model=replace(base.model, **model), optim=replace(base.optim, **optim))
    except TypeError as err:  # an unknown field name
        raise ConfigError(f"sweep parameters {sorted(params)}: {err}") from err


def _storage(url: str) -> optuna.storages.RDBStorage:
    """An RDB storage with heartbeats, so the trials of a killed worker are marked failed."""
    engine_kwargs = {"connect_args": {"timeout": 60}} if url.startswith("sqlite") else {}
    with warnings.catch_warnings():
        # heartbeats are "experimental" in Optuna 5 but unchanged since 2.x
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RDBStorage(url, heartbeat_interval=60, grace_period=180, engine_kwargs=engine_kwargs)


def _sampler(seed: int) -> optuna.samplers.TPESampler:
    """TPE modelling parameters jointly (``group`` splits the conditional TCN/RNN subspaces)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        # constant_liar: parallel workers do not all propose the point that looks best now
        return optuna.samplers.TPESampler(
            seed=seed,
            multivariate=True,
            group=True,
            constant_liar=True,
            n_startup_trials=SAMPLER_STARTUP_TRIALS,
        )


def _differences(old: Any, new: Any, where: str) -> list[str]:
    """Dotted keys where two JSON-like values differ (``where`` itself for non-mappings)."""
    if isinstance(old, dict) and isinstance(new, dict):
        return [
            d
            for k in sorted(set(old) | set(new), key=str)
            for d in _differences(old.get(k), new.get(k), f"{where}.{k}")
        ]
    return [] if old == new else [f"{where} ({old!r}, now {new!r})"]


def _check_study(study: optuna.Study, identity: dict[str, Any]) -> None:
    """Tag a new study with what its values depend on; refuse to continue it with other settings."""
    stored = study.user_attrs
    for key, value in identity.items():
        if key not in stored:
            study.set_user_attr(key, value)
        elif value is not None and stored[key] is not None and stored[key] != value:
            diff = "; ".join(_differences(stored[key], value, key)[:5])
            raise ConfigError(
                f"study {study.study_name!r} was run with another {key}: {diff}; its trials would "
                "not compare with these: use another --study-name, or the same settings"
            )


def _dataset_id(data_dir: Path) -> str | None:
    card = data_dir / "data_card.json"
    return json.loads(card.read_text()).get("dataset_id") if card.is_file() else None


def _objective(
    base: TrainConfig, space: SearchSpace, data_dir: Path, out_dir: Path, fit_kw: dict[str, Any]
) -> Callable[[optuna.Trial], float]:
    def objective(trial: optuna.Trial) -> float:
        params = space.sample(trial)
        run_dir = out_dir / "trials" / str(trial.number)
        trial.set_user_attr("run_dir", str(run_dir))
        try:
            cfg = replace(apply_params(base, params), name=f"{base.name}-trial{trial.number}")
            # the config exactly as trained (max_epochs included), for best_config.yaml
            trial.set_user_attr("train_config", cfg.to_dict())
            result = fit(cfg, data_dir, run_dir, callbacks=[PyTorchLightningPruningCallback(trial, MONITOR)], **fit_kw)
        except (ConfigError, RuntimeError) as err:
            trial.set_user_attr("error", f"{type(err).__name__}: {err}")
            raise
        trial.set_user_attr("epochs", result.epochs)
        trial.set_user_attr("seconds_per_epoch", result.seconds_per_epoch)
        # NaN (a diverged run) is recorded by Optuna as a failed trial
        return result.best_val_loss

    return objective


def _finite(value: float | None) -> float | None:
    """``value``, or ``None`` for a missing or non-finite one (JSON has no NaN)."""
    return value if value is not None and math.isfinite(value) else None


def _trial_record(t: FrozenTrial) -> dict[str, Any]:
    return {
        "number": t.number,
        "state": t.state.name,
        "value": _finite(t.value),
        "duration_s": t.duration.total_seconds() if t.duration else None,
        "epochs_reported": len(t.intermediate_values),
        "epochs": t.user_attrs.get("epochs"),
        "seconds_per_epoch": _finite(t.user_attrs.get("seconds_per_epoch")),
        "params": t.params,
        "intermediate": {str(k): _finite(v) for k, v in sorted(t.intermediate_values.items())},
        "run_dir": t.user_attrs.get("run_dir"),
        "error": t.user_attrs.get("error") or t.system_attrs.get("fail_reason"),
    }


def write_results(study: optuna.Study, out_dir: str | Path) -> None:
    """Write ``trials.json``, ``trials.csv`` and ``best_config.yaml`` (if a trial completed)."""
    out_dir = Path(out_dir)
    records = [_trial_record(t) for t in study.get_trials(deepcopy=False)]
    atomic_write(out_dir / "trials.json", lambda p: p.write_text(json.dumps(records, indent=2) + "\n"))
    flat = [
        {
            **{k: v for k, v in r.items() if k not in ("params", "intermediate")},
            **{f"params.{k}": v for k, v in r["params"].items()},
        }
        for r in records
    ]
    atomic_write(out_dir / "trials.csv", lambda p: pd.DataFrame(flat).to_csv(p, index=False))
    done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)) if _finite(t.value) is not None]
    if not done:
        return
    best = min(done, key=lambda t: cast(float, t.value))  # done: trials with a finite value
    cfg = TrainConfig.from_dict(best.user_attrs["train_config"])
    header = (
        f"# best trial {best.number} of study {study.study_name!r}: "
        f"validation loss {best.value:.6g}\n# train it with: varsynth train --config best_config.yaml\n"
    )
    text = header + yaml.safe_dump(cfg.to_dict(), sort_keys=False)
    atomic_write(out_dir / "best_config.yaml", lambda p: p.write_text(text))


def run_sweep(
    base: TrainConfig,
    data_dir: str | Path,
    out_dir: str | Path,
    *,
    n_trials: int,
    space: SearchSpace | None = None,
    storage: str | None = None,
    study_name: str | None = None,
    sampler_seed: int = 0,
    max_epochs: int | None = None,
    limit_train_batches: int | float | None = None,
    limit_val_batches: int | float | None = None,
    timeout: float | None = None,
    progress: bool = False,
    pruner: optuna.pruners.BasePruner | None = None,
) -> optuna.Study:
    """Search ``space`` around ``base``, minimising the best validation loss of each trial.

    Arguments:
        base: the train config every trial starts from (the fields not searched stay).
        data_dir: a folder written by ``varsynth data build``.
        out_dir: the sweep folder (created), see the module docstring.
        n_trials: trials this call runs (each worker of a shared study runs its own).
        space: the search space (default: the paper's Table 2, :func:`table2_space`).
        storage: SQLAlchemy URL of the study (default ``sqlite:///OUT_DIR/optuna.db``).
        study_name: the study in ``storage`` (default: ``base.name``); created or continued.
        sampler_seed: TPE seed; mixed with the number of trials already in the study so that a
            continued study does not repeat its first proposals. Workers started together on
            an empty study need different seeds.
        max_epochs: epochs per trial (default ``base.optim.max_epochs``).
        limit_train_batches, limit_val_batches: part of each epoch (quick sweeps, tests).
        timeout: stop starting new trials after this many seconds.
        progress: show Lightning's progress bar.
        pruner: pruner (default: median pruner after 5 trials, from epoch 5).

    Returns:
        The Optuna study (``study.best_trial`` among every worker's trials).

    Raises:
        ConfigError: an invalid space, or a study run with another space, base config, epoch
            budget or dataset.
        FileNotFoundError: ``data_dir`` lacks the training or validation split.
    """
    if n_trials < 1:
        raise ConfigError(f"n_trials must be >= 1, got {n_trials}")
    space = space or table2_space()
    space.check(base)
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    for split in ("train", "val"):  # before the study: a wrong folder adds no failed trial to it
        if not (data_dir / f"{split}.parquet").is_file():
            raise FileNotFoundError(f"dataset split {split!r} not found: {data_dir / f'{split}.parquet'}")
    out_dir.mkdir(parents=True, exist_ok=True)
    url = storage or f"sqlite:///{(out_dir / 'optuna.db').resolve()}"
    pruner = pruner or optuna.pruners.MedianPruner(
        n_startup_trials=PRUNER_STARTUP_TRIALS, n_warmup_steps=PRUNER_WARMUP_EPOCHS
    )
    study = optuna.create_study(
        storage=_storage(url),
        study_name=study_name or base.name,
        direction="minimize",
        load_if_exists=True,
        pruner=pruner,
    )
    _check_study(
        study,
        {
            "space": space.to_dict(),
            "base_config": json.loads(json.dumps(base.to_dict())),
            "budget": {
                "max_epochs": max_epochs,
                "limit_train_batches": limit_train_batches,
                "limit_val_batches": limit_val_batches,
            },
            "dataset_id": _dataset_id(data_dir),
        },
    )
    # seeded by the trials already there: a continued study must not replay the random
    # start-up proposals of its first worker
    n_before = len(study.get_trials(deepcopy=False))
    study.sampler = _sampler(int(np.random.SeedSequence([sampler_seed, n_before]).generate_state(1)[0]))
    if max_epochs is not None:
        base = replace(base, optim=replace(base.optim, max_epochs=max_epochs))
    fit_kw = {"progress": progress, "limit_train_batches": limit_train_batches, "limit_val_batches": limit_val_batches}
    study.optimize(
        _objective(base, space, data_dir, out_dir, fit_kw),
        n_trials=n_trials,
        timeout=timeout,
        # a sampled combination that the model refuses (ConfigError) or cannot run (torch's
        # RuntimeError, e.g. out of memory) fails its trial, not the sweep
        catch=(ConfigError, RuntimeError),
        callbacks=[lambda s, _t: write_results(s, out_dir)],
    )
    write_results(study, out_dir)
    return study
