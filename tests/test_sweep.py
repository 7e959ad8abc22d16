"""Optuna sweeps on a tiny dataset the test writes itself: trials, storage, pruning, the space."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import optuna
import pytest
import yaml
from optuna.trial import TrialState
from test_samples import make_lc

from varsynth.cli import main
from varsynth.config import ConfigError, DataConfig
from varsynth.data.build import make_samples, samples_table
from varsynth.data.io import write_parquet
from varsynth.data.samples import clean_lightcurve
from varsynth.data.split import split_stars
from varsynth.surveys.skips import SkipLog
from varsynth.training.config import TrainConfig, load_train_config
from varsynth.training.sweep import (
    SearchSpace,
    apply_params,
    load_search_space,
    run_sweep,
    table2_space,
)

CONFIGS = Path(__file__).resolve().parents[1] / "configs"

# tiny models so that a trial takes a second on two CPU cores
SMALL_SPACE = {
    "name": "tiny",
    "params": {
        "optim.batch_size": {"type": "categorical", "choices": [16]},
        "optim.lr": {"type": "float", "low": 1e-3, "high": 1e-2, "log": True},
        "optim.scheduler": {"type": "categorical", "choices": ["none", "cosine"]},
        "optim.beta": {"type": "float", "low": 0.1, "high": 1.0},
        "model.latent_dim": {"type": "categorical", "choices": [2]},
        "model.arch": {"type": "categorical", "choices": ["tcn", "gru"]},
        "model.hidden": {"type": "categorical", "choices": [8]},
        "model.tcn_blocks": {"type": "int", "low": 1, "high": 2, "when": {"model.arch": "tcn"}},
        "model.kernel_size": {"type": "int", "low": 3, "high": 5, "step": 2, "when": {"model.arch": "tcn"}},
        "model.rnn_layers": {"type": "categorical", "choices": [1], "when": {"model.arch": ["gru"]}},
    },
}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    """About 50 samples of 100 points (two classes), in the layout of ``varsynth data build``."""
    out = tmp_path_factory.mktemp("dataset")
    cfg = DataConfig.from_dict(
        {"seq_len": 100, "augment": {"large_class_threshold": 1000, "target_small": 24, "target_large": 24}}
    )
    lcs = [
        make_lc(f"{c}{i}", c, period=1.0 + 0.37 * i, teff=6000.0 + 100 * i if i % 2 else None, seed=i)
        for c in ("CEP", "RRLYR")
        for i in range(12)
    ]
    clean = [clean_lightcurve(lc, cfg.clean) for lc in lcs]
    split_of = split_stars(((c.lc.key, c.lc.vclass) for c in clean), (0.6, 0.2, 0.2), cfg.seed)
    for split, samples in make_samples(clean, split_of, cfg, SkipLog(), progress=False).items():
        write_parquet(samples_table(samples, split), out / f"{split}.parquet")
    return out


@pytest.fixture(scope="module")
def base() -> TrainConfig:
    return load_train_config(CONFIGS / "train" / "pelsvae-paper.yaml")


class AlwaysPrune(optuna.pruners.BasePruner):
    def prune(self, study: optuna.Study, trial: optuna.trial.FrozenTrial) -> bool:
        return True


def _storage_url(out: Path) -> str:
    return f"sqlite:///{(out / 'optuna.db').resolve()}"


def test_sweep_runs_persists_and_continues(dataset, base, tmp_path, capsys):
    out = tmp_path / "sweep"
    space = SearchSpace.from_dict(SMALL_SPACE)
    study = run_sweep(base, dataset, out, n_trials=2, space=space, max_epochs=2, limit_train_batches=2)
    trials = study.get_trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 2
    for t in trials:
        assert (out / "trials" / str(t.number) / "fit.json").is_file()
        assert len(t.intermediate_values) == 2  # val/loss reported every epoch
        tcn = t.params["model.arch"] == "tcn"
        assert ("model.tcn_blocks" in t.params) == tcn and ("model.rnn_layers" in t.params) != tcn

    best = load_train_config(out / "best_config.yaml")
    expected = apply_params(replace(base, optim=replace(base.optim, max_epochs=2)), study.best_params)
    assert best == replace(expected, name=f"{base.name}-trial{study.best_trial.number}")
    assert best.model.hidden == 8 and best.optim.max_epochs == 2 and best.model.physics == base.model.physics
    assert best.optim.lr == pytest.approx(study.best_params["optim.lr"])
    assert len((out / "trials.csv").read_text().strip().splitlines()) == 3

    # the study lives in SQLite: the command line continues it
    space_file = tmp_path / "space.yaml"
    space_file.write_text(yaml.safe_dump(SMALL_SPACE, sort_keys=False))
    argv = [
        "sweep",
        "--config",
        str(CONFIGS / "train" / "pelsvae-paper.yaml"),
        "--data",
        str(dataset),
        "--out",
        str(out),
        "--trials",
        "1",
        "--space",
        str(space_file),
        "--max-epochs",
        "2",
        "--limit-train-batches",
        "2",
        "--no-progress",
    ]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "3 trials" in printed and "best: trial" in printed and "optim.lr" in printed
    loaded = optuna.load_study(study_name=base.name, storage=_storage_url(out))
    assert len(loaded.trials) == 3
    # the continuation does not replay the first proposal
    assert loaded.trials[2].params != loaded.trials[0].params

    # another epoch budget would make the values incomparable: refused before any trial
    with pytest.raises(ConfigError, match=r"another budget: budget.max_epochs \(2, now 3\)"):
        run_sweep(base, dataset, out, n_trials=1, space=space, max_epochs=3, limit_train_batches=2)


def test_invalid_combination_fails_the_trial_not_the_sweep(dataset, base, tmp_path):
    out = tmp_path / "sweep"
    out.mkdir()
    space = SearchSpace.from_dict({"params": {"model.kernel_size": {"type": "int", "low": 3, "high": 5}}})
    # a worker elsewhere asked for an even kernel, which the model refuses
    optuna.create_study(storage=_storage_url(out), study_name="odd").enqueue_trial({"model.kernel_size": 4})
    study = run_sweep(base, dataset, out, n_trials=1, space=space, study_name="odd", max_epochs=1)
    (trial,) = study.trials
    assert trial.state == TrialState.FAIL
    assert "model.kernel_size must be an odd integer" in trial.user_attrs["error"]
    assert not (out / "best_config.yaml").exists()
    records = yaml.safe_load((out / "trials.json").read_text())
    assert records[0]["state"] == "FAIL" and "kernel_size" in records[0]["error"]


def test_pruned_trials_stop_after_the_reported_epoch(dataset, base, tmp_path):
    gru = {k: v for k, v in SMALL_SPACE["params"].items() if k not in ("model.tcn_blocks", "model.kernel_size")}
    gru["model.arch"] = {"type": "categorical", "choices": ["gru"]}
    space = SearchSpace.from_dict({"params": gru})
    study = run_sweep(
        base, dataset, tmp_path, n_trials=1, space=space, max_epochs=3, limit_train_batches=1, pruner=AlwaysPrune()
    )
    (trial,) = study.trials
    assert trial.state == TrialState.PRUNED
    assert list(trial.intermediate_values) == [0]
    assert not (tmp_path / "trials" / "0" / "fit.json").exists()


def test_shipped_space_is_the_papers_table2(base):
    space = load_search_space(CONFIGS / "sweep" / "pelsvae-table2.yaml")
    assert space == table2_space()
    space.check(base)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    seen = set()
    for _ in range(40):
        params = space.sample(study.ask())
        arch = params["model.arch"]
        seen.add(arch)
        assert ("model.kernel_size" in params) == (arch == "tcn")
        assert ("model.rnn_layers" in params) == (arch != "tcn")
        assert 5e-5 <= params["optim.lr"] <= 0.1 and params["optim.batch_size"] in (32, 64, 128)
        apply_params(base, params)
    assert seen == {"tcn", "gru", "lstm"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"model.hiden": {"type": "categorical", "choices": [8]}}, "params.model.hiden: not a tunable field"),
        ({"optim.max_epochs": {"type": "int", "low": 1, "high": 9}}, "optim.max_epochs: not a tunable"),
        ({"model.hidden": {"type": "uniform", "low": 1, "high": 9}}, "type must be one of"),
        ({"model.hidden": {"type": "int", "low": 9, "high": 1}}, "low < high"),
        ({"model.hidden": {"type": "float", "low": 1.0, "high": 9.0}}, "field of type int cannot have type float"),
        ({"model.arch": {"type": "float", "low": 1.0, "high": 9.0}}, "field of type str cannot have type float"),
        ({"optim.lr": {"type": "float", "low": 0.0, "high": 0.1, "log": True}}, "needs low > 0"),
        ({"optim.lr": {"type": "float", "low": 1e-4, "high": 0.1, "step": 2}}, "unknown key.*step"),
        ({"model.hidden": {"type": "categorical", "choices": []}}, "non-empty list"),
        ({"model.hidden": {"type": "categorical", "choices": [8, 8.5]}}, "distinct int values"),
        (
            {
                "model.tcn_blocks": {"type": "categorical", "choices": [5], "when": {"model.arch": "tcn"}},
                "model.arch": {"type": "categorical", "choices": ["tcn"]},
            },
            "listed before this one",
        ),
        (
            {
                "model.arch": {"type": "categorical", "choices": ["tcn"]},
                "model.tcn_blocks": {"type": "categorical", "choices": [5], "when": {"model.arch": "gru"}},
            },
            "not among the choices of model.arch",
        ),
        ({}, "non-empty mapping"),
    ],
)
def test_bad_spaces_are_refused_with_the_entry_named(params, message):
    with pytest.raises(ConfigError, match=message):
        SearchSpace.from_dict({"name": "bad", "params": params})


def test_values_the_config_refuses_are_caught_before_the_sweep(base, tmp_path):
    space = SearchSpace.from_dict({"params": {"model.kernel_size": {"type": "categorical", "choices": [3, 4]}}})
    with pytest.raises(ConfigError, match="model.kernel_size: value 4 is invalid.*odd integer"):
        run_sweep(base, tmp_path, tmp_path / "sweep", n_trials=1, space=space)
    with pytest.raises(FileNotFoundError, match="split 'train' not found"):
        run_sweep(base, tmp_path / "nowhere", tmp_path / "sweep", n_trials=1, space=table2_space())
    assert not (tmp_path / "sweep").exists()
    path = tmp_path / "space.yaml"
    path.write_text("params: [1, 2]\n")
    with pytest.raises(ConfigError, match="space.yaml.*non-empty mapping"):
        load_search_space(path)
    with pytest.raises(ConfigError, match="cannot read sweep space"):
        load_search_space(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="unknown key.*'spaces'"):
        SearchSpace.from_dict({"spaces": {}})
