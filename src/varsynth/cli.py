"""The ``varsynth`` command line: a thin face over the Python API (no science here).

Subcommands:
    varsynth data build --config configs/data/default.yaml --out DIR
    varsynth data download COLLECTION --dest DIR
    varsynth data collections
    varsynth train --config configs/train/pelsvae-paper.yaml --data DATASET_DIR --out RUN_DIR
    varsynth bench --config configs/train/pelsvae-paper.yaml --data DATASET_DIR
    varsynth sweep --config configs/train/pelsvae-paper.yaml --data DATASET_DIR --out SWEEP_DIR --trials N
    varsynth regress --run RUN_DIR --data DATASET_DIR [--regressors linear rf mlp]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main", "default_cache_dir"]


def default_cache_dir() -> Path:
    """Where period-search results are cached: ``$XDG_CACHE_HOME/varsynth`` or ``~/.cache``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "varsynth" / "periods"


def _data_build(args: argparse.Namespace) -> int:
    from varsynth.config import load_data_config
    from varsynth.data.build import build_dataset

    cfg = load_data_config(
        args.config, data_root=args.data_root, seed=args.seed, limit_per_class=args.limit_per_class
    )
    cache = None if args.no_cache else (args.cache_dir or default_cache_dir())
    result = build_dataset(cfg, args.out, progress=not args.no_progress, cache_dir=cache)
    print(f"dataset {result.card['dataset_id']} written to {result.out_dir}")
    for split, n in result.n_samples.items():
        print(f"  {split}: {n} samples")
    print(f"  data card: {result.out_dir / 'data_card.md'}")
    return 0


def _data_download(args: argparse.Namespace) -> int:
    from varsynth.surveys.download import DEFAULT_BASE_URL, download_ogle

    report = download_ogle(
        args.collection,
        args.dest,
        base_url=args.base_url or DEFAULT_BASE_URL,
        bands=tuple(args.bands),
        limit=args.limit,
        progress=not args.no_progress,
    )
    print(report.summary())
    return 0 if not report.failed else 1


def _data_collections(args: argparse.Namespace) -> int:
    from varsynth.surveys.download import list_collections

    print("\n".join(list_collections()))
    return 0


def _train(args: argparse.Namespace) -> int:
    from varsynth.training.config import load_train_config
    from varsynth.training.fit import fit

    cfg = load_train_config(args.config).with_overrides(arch=args.arch)
    result = fit(
        cfg,
        args.data,
        args.out,
        resume=args.resume,
        max_epochs=args.max_epochs,
        progress=not args.no_progress,
        limit_train_batches=args.limit_train_batches,
        limit_val_batches=args.limit_val_batches,
    )
    print(
        f"{cfg.name} ({result.config.model.arch}): best validation loss {result.best_val_loss:.4f} "
        f"after {result.epochs} epochs, {result.seconds_per_epoch:.1f} s per epoch"
    )
    print(f"  model bundle: {result.bundle_dir}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from collections import Counter

    from varsynth.training.config import load_train_config
    from varsynth.training.sweep import load_search_space, run_sweep

    study = run_sweep(
        load_train_config(args.config),
        args.data,
        args.out,
        n_trials=args.trials,
        space=load_search_space(args.space) if args.space else None,
        storage=args.storage,
        study_name=args.study_name,
        sampler_seed=args.seed,
        max_epochs=args.max_epochs,
        limit_train_batches=args.limit_train_batches,
        limit_val_batches=args.limit_val_batches,
        timeout=args.timeout,
        progress=not args.no_progress,
    )
    states = Counter(t.state.name.lower() for t in study.get_trials(deepcopy=False))
    print(f"study {study.study_name}: {sum(states.values())} trials ("
          + ", ".join(f"{n} {s}" for s, n in sorted(states.items())) + ")")
    if not states["complete"]:
        print("  no trial completed yet")
        return 1
    best = study.best_trial
    print(f"  best: trial {best.number}, validation loss {best.value:.4f}")
    for name, value in best.params.items():
        print(f"    {name}: {value}")
    print(f"  best config: {args.out / 'best_config.yaml'}")
    return 0


def _regress(args: argparse.Namespace) -> int:
    from varsynth.latent.regressors import RegressionSettings, format_table, regress_bundle, save_regressors

    bundle = args.run if (args.run / "model.json").exists() else args.run / "bundle"
    regressors, report = regress_bundle(
        bundle, args.data, names=args.regressors, settings=RegressionSettings(seed=args.seed)
    )
    print(format_table(report))
    print(f"  regressors: {save_regressors(bundle, regressors, report)}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    import json

    from varsynth.bench import train_step_times
    from varsynth.training.config import load_train_config

    result = train_step_times(load_train_config(args.config), args.data, args.archs, steps=args.steps)
    print(json.dumps(result, indent=2))
    return 0


def _parser() -> argparse.ArgumentParser:
    from varsynth import __version__

    p = argparse.ArgumentParser(prog="varsynth", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"varsynth {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress messages")
    sub = p.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="build training datasets, download survey data")
    dsub = data.add_subparsers(dest="data_command", required=True)

    b = dsub.add_parser("build", help="build a versioned training dataset from real survey files")
    b.add_argument("--config", required=True, type=Path, help="data config YAML")
    b.add_argument("--out", required=True, type=Path, help="output folder")
    b.add_argument("--data-root", help="folder with the survey folders (overrides the config)")
    b.add_argument("--seed", type=int, help="seed (overrides the config)")
    b.add_argument("--limit-per-class", type=int, help="at most N stars per survey class label")
    b.add_argument("--cache-dir", type=Path, help="period-search cache folder")
    b.add_argument("--no-cache", action="store_true", help="do not cache period searches")
    b.add_argument("--no-progress", action="store_true", help="hide progress bars")
    b.set_defaults(func=_data_build)

    d = dsub.add_parser("download", help="download an OGLE-III collection (needs internet)")
    d.add_argument("collection", help="collection name, see `varsynth data collections`")
    d.add_argument("--dest", required=True, type=Path, help="destination folder")
    d.add_argument("--bands", nargs="+", default=["I", "V"], help="passbands (default: I V)")
    d.add_argument("--limit", type=int, help="download at most N stars")
    d.add_argument("--base-url", help="archive URL (default: the OGLE archive)")
    d.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    d.set_defaults(func=_data_download)

    c = dsub.add_parser("collections", help="list the OGLE-III collections known to download")
    c.set_defaults(func=_data_collections)

    t = sub.add_parser("train", help="train a PELS-VAE model on a built dataset")
    t.add_argument("--config", required=True, type=Path, help="train config YAML")
    t.add_argument("--data", required=True, type=Path, help="dataset folder (varsynth data build)")
    t.add_argument("--out", required=True, type=Path, help="run folder")
    t.add_argument("--arch", choices=["tcn", "gru", "lstm"], help="override the architecture")
    t.add_argument("--max-epochs", type=int, help="override the number of epochs")
    t.add_argument("--resume", action="store_true", help="continue the run in --out")
    t.add_argument("--limit-train-batches", type=int, help="batches per training epoch (quick runs)")
    t.add_argument("--limit-val-batches", type=int, help="batches per validation (quick runs)")
    t.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    t.set_defaults(func=_train)

    bn = sub.add_parser("bench", help="time training steps of each architecture (JSON)")
    bn.add_argument("--config", required=True, type=Path, help="train config YAML")
    bn.add_argument("--data", required=True, type=Path, help="dataset folder")
    bn.add_argument("--archs", nargs="+", default=["tcn", "gru", "lstm"], help="architectures")
    bn.add_argument("--steps", type=int, default=5, help="timed steps per architecture")
    bn.set_defaults(func=_bench)

    w = sub.add_parser("sweep", help="search hyperparameters with Optuna (the paper's Table 2)")
    w.add_argument("--config", required=True, type=Path, help="base train config YAML")
    w.add_argument("--data", required=True, type=Path, help="dataset folder (varsynth data build)")
    w.add_argument("--out", required=True, type=Path, help="sweep folder")
    w.add_argument("--trials", required=True, type=int, help="trials this worker runs")
    w.add_argument("--space", type=Path, help="search space YAML (default: the paper's Table 2)")
    w.add_argument("--storage", help="SQLAlchemy URL of the study (default: sqlite in --out)")
    w.add_argument("--study-name", help="study name (default: the config's name)")
    w.add_argument("--seed", type=int, default=0, help="sampler seed (differ between workers)")
    w.add_argument("--max-epochs", type=int, help="epochs per trial (overrides the config)")
    w.add_argument("--limit-train-batches", type=int, help="batches per training epoch (quick runs)")
    w.add_argument("--limit-val-batches", type=int, help="batches per validation (quick runs)")
    w.add_argument("--timeout", type=float, help="start no trial after this many seconds")
    w.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    w.set_defaults(func=_sweep)

    r = sub.add_parser("regress", help="fit the physics-to-latent regressors of a run (the paper's Table 3)")
    r.add_argument("--run", required=True, type=Path, help="run folder (or its bundle folder)")
    r.add_argument("--data", required=True, type=Path, help="dataset folder the run was trained on")
    r.add_argument("--regressors", nargs="+", choices=["linear", "rf", "mlp"], default=["linear", "rf", "mlp"],
                   help="regressors to fit (default: all three)")
    r.add_argument("--seed", type=int, default=13, help="seed of latent draws, dummy values and regressors")
    r.set_defaults(func=_regress)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``varsynth`` command; returns the exit status."""
    from varsynth.config import ConfigError

    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s"
    )
    try:
        return int(args.func(args))
    except (ConfigError, FileNotFoundError, KeyError, ValueError) as err:
        print(f"varsynth: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
