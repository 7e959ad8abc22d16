"""The ``varsynth`` command line: a thin face over the Python API (no science here).

Subcommands:
    varsynth data build --config configs/data/default.yaml --out DIR
    varsynth data crossmatch --config configs/data/default.yaml [--dataset DIR] [--json FILE]
    varsynth data download COLLECTION --dest DIR
    varsynth data collections
    varsynth train --config configs/train/pelsvae-paper.yaml --data DATASET_DIR --out RUN_DIR
    varsynth generate --class RRLYR --period 0.55 --cadence lsst-wfd -n 1000 --seed 1 -o rr.parquet
    varsynth training-set --per-class 5000 --cadence ztf -o train.parquet
    varsynth generate --class RRLYR -n 100 --format nested -o rr.parquet   (one row per star, epochs nested)
    varsynth training-set --per-class 100000 --cadence gaia --workers 2 -o train/   (partitioned, resumable)
    varsynth export --format lclib --class RRLYR -n 100 --bands u g r i z --phases 100 --seed 1 -o rrl.LCLIB
    varsynth bench [--json [FILE]] [--config C --data DATASET_DIR]
    varsynth sweep --config configs/train/pelsvae-paper.yaml --data DATASET_DIR --out SWEEP_DIR --trials N
    varsynth infer LIGHTCURVE.csv [--period P] [--survey ogle3 --band I]
    varsynth calibrate --model default --data DATASET_DIR
    varsynth compare --runs RUN_A RUN_B ... --data DATASET_DIR [--latent-run RUN] --out docs/comparison.md
    varsynth card --model RUN_DIR --data DATASET_DIR
    varsynth evaluate --model default --model RUN_DIR --data DATASET_DIR --report DIR [--json F] [--quick]
    varsynth regress --run RUN_DIR --data DATASET_DIR [--regressors linear rf mlp]
    varsynth serve [--host 127.0.0.1] [--port 8000] [--model default]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # the CLI imports the package lazily, so that --help starts fast
    from varsynth.generation import StarRequest

__all__ = ["main", "default_cache_dir"]


def default_cache_dir() -> Path:
    """Where period-search results are cached: ``$XDG_CACHE_HOME/varsynth`` or ``~/.cache``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "varsynth" / "periods"


def _data_build(args: argparse.Namespace) -> int:
    from varsynth.config import load_data_config
    from varsynth.data.build import build_dataset

    cfg = load_data_config(
        args.config,
        data_root=args.data_root,
        seed=args.seed,
        limit_per_class=args.limit_per_class,
        wavelengths=args.wavelengths,
    )
    cache = None if args.no_cache else (args.cache_dir or default_cache_dir())
    result = build_dataset(cfg, args.out, progress=not args.no_progress, cache_dir=cache)
    print(f"dataset {result.card['dataset_id']} written to {result.out_dir}")
    for split, n in result.n_samples.items():
        print(f"  {split}: {n} samples")
    print(f"  data card: {result.out_dir / 'data_card.md'}")
    return 0


def _data_crossmatch(args: argparse.Namespace) -> int:
    import json

    import pyarrow.parquet as pq

    from varsynth.config import load_data_config
    from varsynth.data.build import identify_lightcurves, read_lightcurves
    from varsynth.data.crossmatch_report import crossmatch_summary, split_leaks
    from varsynth.data.io import atomic_write, json_safe
    from varsynth.surveys.skips import SkipLog

    stars_file = None if args.dataset is None else args.dataset / "stars.parquet"
    if stars_file is not None and not stars_file.is_file():
        raise FileNotFoundError(f"--dataset: {stars_file} not found (a folder of varsynth data build)")
    cfg = load_data_config(args.config, data_root=args.data_root, limit_per_class=args.limit_per_class)
    cache = None if args.no_cache else (args.cache_dir or default_cache_dir())
    lcs = read_lightcurves(cfg, skips=SkipLog(), progress=not args.no_progress, cache_dir=cache)
    ident = identify_lightcurves(cfg, lcs)
    report: dict = {"read": crossmatch_summary(ident, [s.key for s in ident.stars])}
    print(
        f"{len(ident.stars)} stars read, {report['read']['dataset_objects']} physical stars, "
        f"{report['read']['dataset_objects_several_surveys']} in 2+ surveys; "
        f"{report['read']['rejected_by_period']} candidate pairs rejected by the period check"
    )
    for row in report["read"]["dataset_survey_pairs"]:
        print(f"  {row['surveys']}: {row['objects']} physical stars")
    if stars_file is not None:
        stars = pq.read_table(stars_file, columns=["star_key", "split"]).to_pylist()
        leaks = split_leaks(ident, {r["star_key"]: r["split"] for r in stars})
        report["dataset"] = {"path": str(args.dataset), **leaks}
        print(
            f"dataset {args.dataset}: {leaks['objects_in_several_splits']} of {leaks['objects']} "
            "physical stars have light curves in more than one split"
        )
        for row in cast(list[dict[str, Any]], leaks["star_pairs_split_apart"]):
            print(f"  {row['surveys']}: {row['pairs']} star pairs split apart")
    if args.json is not None:
        text = json.dumps(json_safe(report), indent=2, sort_keys=True) + "\n"
        atomic_write(args.json, lambda tmp: tmp.write_text(text))
    return 0


def _data_download(args: argparse.Namespace) -> int:
    from varsynth.surveys.ogle.download import DEFAULT_BASE_URL, download_ogle

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
    from varsynth.surveys.ogle.download import list_collections

    print("\n".join(list_collections()))
    return 0


def _train(args: argparse.Namespace) -> int:
    from varsynth.training.config import load_train_config
    from varsynth.training.fit import fit

    cfg = load_train_config(args.config).with_overrides(arch=args.arch)
    if args.no_flow:
        cfg = replace(cfg, flow=None)
    result = fit(
        cfg,
        args.data,
        args.out,
        resume=args.resume,
        max_epochs=args.max_epochs,
        progress=not args.no_progress,
        limit_train_batches=args.limit_train_batches,
        limit_val_batches=args.limit_val_batches,
        max_minutes=args.max_minutes,
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
    print(
        f"study {study.study_name}: {sum(states.values())} trials ("
        + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
        + ")"
    )
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
    from varsynth.bundle import find_bundle
    from varsynth.latent.regressors import RegressionSettings, format_table, regress_bundle, save_regressors

    bundle = find_bundle(args.run)
    regressors, report = regress_bundle(
        bundle, args.data, names=args.regressors, settings=RegressionSettings(seed=args.seed)
    )
    print(format_table(report))
    print(f"  regressors: {save_regressors(bundle, regressors, report)}")
    return 0


def _write_text(path: str | Path, text: str) -> None:
    """Write a text file atomically (a killed command leaves no half-written file)."""
    from varsynth.data.io import atomic_write

    atomic_write(Path(path), lambda tmp: tmp.write_text(text))


def _option_value(value: str) -> object:
    """A ``--cadence-option`` value: bool for true/false, int when integral, float, else the text."""
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() and "." not in value and "e" not in value.lower() else number


def _cadence_options(args: argparse.Namespace) -> tuple[str, dict[str, object]]:
    """The cadence name and options from ``--cadence``, ``--cadence-file``, ``--opsim``, ``--cadence-option``."""
    from varsynth.generation.checks import resolve_cadence

    options: dict[str, object] = {}
    for item in args.cadence_option or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--cadence-option must be KEY=VALUE, got {item!r}")
        options[key] = _option_value(value)
    return resolve_cadence(
        args.cadence, options, cadence_file=args.cadence_file, opsim=args.opsim, ra=args.ra, dec=args.dec
    )


def _generation_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    name, options = _cadence_options(args)
    return {
        "cadence": name,
        "cadence_options": options,
        "model": args.model,
        "seed": args.seed,
        "fmt": args.format,
        "plot": args.plot,
        "allow_extrapolation": args.allow_extrapolation,
        "noise": not args.no_noise,
        "bands": tuple(args.bands) if args.bands else None,
        "chunk_size": args.chunk_size,
        "progress": not args.no_progress,
    }


def _print_report(report: dict[str, object]) -> None:
    print(f"{report['stars']} stars, {report['rows']} epochs written to {report['path']}")
    if report.get("plot"):
        print(f"  plot: {report['plot']}")


def _distributed(args: argparse.Namespace) -> bool:
    """Whether ``--workers`` or ``--scheduler`` asks for a partitioned dataset (conflicts refused)."""
    if args.workers is not None and args.scheduler is not None:
        raise ValueError("--workers starts a local Dask cluster and --scheduler uses a running one; give one of them")
    wanted = args.workers is not None or args.scheduler is not None
    if args.partition_size is not None and not wanted:
        raise ValueError("--partition-size sets the files of a partitioned dataset: give --workers or --scheduler too")
    return wanted


def _write_dataset(args: argparse.Namespace, write: object, classes: Sequence[str], n_stars: int) -> int:
    """Run ``write`` (a distributed writer) on the cluster of ``--workers`` / ``--scheduler``,
    after the checks that need neither the model nor the cluster."""
    from varsynth.cadences import as_cadence
    from varsynth.generation.distributed import DEFAULT_PARTITION_SIZE, check_dataset_run, dask_client, dataset_id_chars

    kwargs = _generation_kwargs(args)
    fmt = kwargs.pop("fmt")
    size = args.partition_size if args.partition_size is not None else DEFAULT_PARTITION_SIZE
    check_dataset_run(
        args.out,
        n_stars=n_stars,
        cadence=as_cadence(kwargs["cadence"], kwargs["cadence_options"]),
        fmt=fmt,
        plot=args.plot,
        bands=kwargs["bands"],
        seed=args.seed,
        partition_size=size,
        id_chars=dataset_id_chars(classes, args.seed, n_stars),
    )
    with dask_client(args.workers, args.scheduler) as client:
        report = write(client=client, partition_size=size, **kwargs)  # type: ignore[operator]
    print(
        f"{report['stars']} stars, {report['rows']} epochs in {report['partitions']} partitions "
        f"({report['generated']} generated, {report['kept']} kept from an earlier run) written to {report['path']}"
    )
    peak = report["worker_peak_rss"].values()
    print(f"  peak memory per worker: {min(peak) / 2**20:.0f}-{max(peak) / 2**20:.0f} MiB")
    if report.get("plot"):
        print(f"  plot: {report['plot']}")
    return 0


def _star_request(args: argparse.Namespace) -> StarRequest:
    """The star request of ``generate`` or ``export`` (class, subtype, physics in K, mag, days,
    distance modulus, mean magnitude and A_V in mag, and for ``generate`` the MJD of phase 0),
    checked when made."""
    from varsynth.generation import StarRequest

    return StarRequest(
        args.vclass,
        args.subtype,
        args.teff,
        args.abs_mag,
        args.period,
        args.distance_modulus,
        args.mean_mag,
        args.extinction,
        getattr(args, "epoch", None),
    )


def _generate(args: argparse.Namespace) -> int:
    from functools import partial

    from varsynth.generation import write_lightcurves

    request = _star_request(args)
    if _distributed(args):
        from varsynth.generation.distributed import write_lightcurves_dataset

        return _write_dataset(
            args, partial(write_lightcurves_dataset, args.out, request, n=args.n), [args.vclass], args.n
        )
    _print_report(write_lightcurves(args.out, request, n=args.n, **_generation_kwargs(args)))
    return 0


def _export(args: argparse.Namespace) -> int:
    from varsynth.generation.lclib import check_export, write_lclib

    request = _star_request(args)
    check_export(
        args.out,
        n=args.n,
        phases=args.phases,
        survey=args.survey,
        bands=args.bands,
        seed=args.seed,
        chunk_size=args.chunk_size,
    )  # before the model
    report = write_lclib(
        args.out,
        request,
        n=args.n,
        survey=args.survey,
        bands=args.bands,
        phases=args.phases,
        model=args.model,
        seed=args.seed,
        allow_extrapolation=args.allow_extrapolation,
        chunk_size=args.chunk_size,
        progress=not args.no_progress,
    )
    print(
        f"{report['stars']} templates ({args.phases} phases + the closing row, filters {report['filters']}) "
        f"written to {report['path']} ({report['bytes']} bytes)"
    )
    return 0


def _training_set(args: argparse.Namespace) -> int:
    from functools import partial

    from varsynth.generation import write_training_set
    from varsynth.taxonomy import CLASSES

    if _distributed(args):
        from varsynth.generation.distributed import write_training_set_dataset

        if args.per_class < 1:
            raise ValueError(f"--per-class must be >= 1, got {args.per_class}")
        chosen = args.classes or CLASSES  # the model's classes are known once it loads
        return _write_dataset(
            args,
            partial(write_training_set_dataset, args.out, per_class=args.per_class, classes=args.classes),
            chosen,
            args.per_class * len(chosen),
        )
    _print_report(
        write_training_set(args.out, per_class=args.per_class, classes=args.classes, **_generation_kwargs(args))
    )
    return 0


def _infer(args: argparse.Namespace) -> int:
    import json

    from varsynth.data.io import json_safe
    from varsynth.generation import load_model
    from varsynth.inference import infer, read_observations
    from varsynth.inference.observations import check_writable, usable_points

    if args.json:
        check_writable(args.json)  # before the work
    obs = read_observations(
        args.lightcurve,
        time_column=args.time_column,
        mag_column=args.mag_column,
        err_column=args.err_column,
        band=args.band,
    )
    used = ", ".join(f"{role} = {name}" for role, name in obs.columns.items())
    print(
        f"read {args.lightcurve} as {obs.format} ({'header' if obs.header else 'no header'}): {used}; "
        f"{obs.time.size} rows" + "".join(f"; {note}" for note in obs.notes)
    )
    lc = obs.lightcurve(args.survey, args.band)
    usable_points(lc.time, lc.mag, lc.mag_err)  # refuse before loading the model
    post = infer(
        load_model(args.model),
        lc,
        period=args.period,
        n_candidates=args.candidates,
        seed=args.seed,
    )
    result = {"input": {"file": str(args.lightcurve), **obs.describe()}, **post.to_dict()}
    text = json.dumps(json_safe(result), indent=2, allow_nan=False)
    if args.json:
        _write_text(args.json, text + "\n")
    print(
        f"most probable class: {post.best_class} (P = {post.class_probabilities[post.best_class]:.2f}); "
        f"period used {post.period:.6g} d; {post.points['used']} of {post.points['given']} rows used"
    )
    for name, unit in (("teff", "K"), ("abs_mag", "mag"), ("period", "d")):
        q = post.quantiles[name]
        print(f"  {name}: {q[2]:.4g} {unit}  (68%: {q[1]:.4g} .. {q[3]:.4g}; 95%: {q[0]:.4g} .. {q[4]:.4g})")
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    import json

    from varsynth.bundle import record_if_in_bundle
    from varsynth.generation import load_model
    from varsynth.inference.calibration import calibrate

    result = calibrate(
        load_model(args.model),
        args.data,
        n_stars=args.stars,
        seed=args.seed,
        fit=not args.no_fit,
        progress=not args.no_progress,
    )
    text = json.dumps(result, indent=2)
    if args.json:
        _write_text(args.json, text + "\n")
        record_if_in_bundle(args.json)  # a calibration.json inside a bundle is one of its files
    print(text)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from varsynth.evaluation.compare import write_comparison

    write_comparison(args.runs, args.data, args.out, latent_run=args.latent_run)
    print(Path(args.out).read_text())
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import json
    import shlex

    from varsynth.data.io import atomic_write
    from varsynth.evaluation.report import evaluate_models
    from varsynth.evaluation.targets import targets_tally

    command = (
        "varsynth " + " ".join(shlex.quote(a) for a in sys.argv[1:])
        if sys.argv[1:2] == ["evaluate"]
        else "varsynth evaluate"
    )
    content = evaluate_models(
        args.model or ["default"],
        args.data,
        args.report,
        data_root=args.shared,
        quick=args.quick,
        seed=args.seed,
        sections=args.sections,
        command=command,
        progress=not args.no_progress,
    )
    if args.json:
        atomic_write(args.json, lambda p: p.write_text(json.dumps(content, indent=1) + "\n"))
    print(f"report: {Path(args.report) / 'report.md'} ({content['settings']['seconds']:.0f} s)")
    for label, rows in content["targets"].items():
        print(f"targets of issue #11, {label}: {targets_tally(rows)}")
    if content["settings"]["failed"]:
        print(f"varsynth: error: checks failed: {', '.join(content['settings']['failed'])}", file=sys.stderr)
        return 1
    return 0


def _card(args: argparse.Namespace) -> int:
    from varsynth.evaluation.card import write_model_card

    print(f"model card: {write_model_card(args.model, args.data)}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    import json

    from varsynth.bench import generation_benchmark, train_step_times
    from varsynth.training.config import load_train_config

    if not args.paper_config.exists():
        raise FileNotFoundError(
            f"{args.paper_config}: the paper's train config is needed for the comparison; run from "
            "the repository root or pass --paper-config configs/train/pelsvae-paper.yaml"
        )
    if args.threads is not None:
        if args.threads < 1:
            raise ValueError(f"--threads must be >= 1, got {args.threads}")
        import torch

        torch.set_num_threads(args.threads)
    result = generation_benchmark(args.model, load_train_config(args.paper_config), n_stream=args.n_stream)
    if args.data is not None:
        cfg = load_train_config(args.config or args.paper_config)
        result["training"] = train_step_times(cfg, args.data, args.archs, steps=args.steps)
    text = json.dumps(result, indent=2)
    if args.json and args.json != "-":
        _write_text(args.json, text + "\n")
    if args.json == "-" or not args.json:
        print(text)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from varsynth.server import INSTALL_HINT, missing_dependency

    if missing_dependency():
        print(f"varsynth: error: {INSTALL_HINT}", file=sys.stderr)
        return EXIT_USAGE
    from varsynth.generation.model import bundle_path
    from varsynth.server.app import run
    from varsynth.server.limits import Limits

    bundle_path(args.model)  # an unknown model is refused before the server starts
    if not 0 < args.port < 65536:
        raise ValueError(f"--port must be in 1..65535, got {args.port}")
    if args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    run(args.host, args.port, args.model, Limits(workers=args.workers))
    return 0


def _add_star_options(p: argparse.ArgumentParser, extinction_help: str) -> None:
    """Options shared by ``generate`` and ``export``: the class, its physics and its brightness."""
    from varsynth.taxonomy import CLASSES

    p.add_argument("--class", dest="vclass", required=True, choices=CLASSES, help="variability class")
    p.add_argument("--subtype", help="subtype (e.g. RRab, F), restricts the drawn physics")
    p.add_argument("--teff", type=float, help="effective temperature (K); default: drawn for the class")
    p.add_argument("--abs-mag", type=float, help="absolute G magnitude (mag); default: drawn")
    p.add_argument("--period", type=float, help="period (days); default: drawn")
    p.add_argument("--distance-modulus", type=float, help="distance modulus (mag; default: the LMC's 18.477)")
    p.add_argument("--mean-mag", type=float, help="apparent mean G magnitude (mag), instead of a distance modulus")
    p.add_argument("--extinction", type=float, default=0.0, help=extinction_help)


def _add_generation_options(p: argparse.ArgumentParser) -> None:
    """Options shared by ``generate`` and ``training-set``: cadence, model, output."""
    from varsynth.cadences import CADENCES

    p.add_argument("--cadence", choices=CADENCES, help="survey cadence (default: ogle3)")
    p.add_argument(
        "--cadence-option", action="append", metavar="KEY=VALUE", help="cadence option, e.g. n_epochs=300 (repeatable)"
    )
    p.add_argument("--cadence-file", type=Path, help="CSV/ECSV file with a time column (MJD): cadence 'file'")
    p.add_argument("--opsim", type=Path, help="LSST OpSim SQLite database: cadence 'opsim'")
    p.add_argument("--ra", type=float, help="right ascension (deg) for --opsim")
    p.add_argument("--dec", type=float, help="declination (deg) for --opsim")
    p.add_argument("--bands", nargs="+", help="only these bands of the cadence")
    p.add_argument("--model", default="default", help="'default' (embedded) or a bundle / run folder")
    p.add_argument("--seed", type=int, default=0, help="seed: the same seed gives the same output")
    p.add_argument(
        "-o",
        "--out",
        required=True,
        type=Path,
        help="output file: .parquet, .csv, .ecsv, .fits or .h5 (long format); a folder with --workers/--scheduler",
    )
    p.add_argument(
        "--format",
        help="output format, if not given by the suffix: parquet, csv, ecsv, fits, hdf5, or nested "
        "(a .parquet file of one row per star, its epochs nested, as nested-pandas reads)",
    )
    p.add_argument("--plot", type=Path, help="also draw a PNG grid of generated light curves")
    p.add_argument(
        "--allow-extrapolation",
        action="store_true",
        help="generate physics or bands outside the training range, flagged",
    )
    p.add_argument("--no-noise", action="store_true", help="noiseless magnitudes (errors still reported)")
    p.add_argument(
        "--chunk-size", type=int, default=1000, help="most stars per streamed chunk (fewer when their epochs pass 2^20)"
    )
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument(
        "--workers",
        type=int,
        help="generate on a local Dask cluster of N worker processes into a "
        "partitioned Parquet dataset (-o is a folder; a rerun resumes it)",
    )
    p.add_argument("--scheduler", metavar="ADDRESS", help="the same on a running Dask cluster, e.g. tcp://host:8786")
    p.add_argument(
        "--partition-size", type=int, help="stars per partition file with --workers/--scheduler (default: 1000)"
    )


class _Parser(argparse.ArgumentParser):
    """A parser that takes ``-v`` / ``--verbose`` too, so that it works anywhere on the line
    (every subcommand's parser is one; the default comes from the top-level parser)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            default=argparse.SUPPRESS,
            help="log progress messages; a failure also prints its traceback",
        )


def _parser() -> argparse.ArgumentParser:
    from varsynth import __version__

    p = _Parser(prog="varsynth", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"varsynth {__version__}")
    p.set_defaults(verbose=False)
    sub = p.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="build training datasets, download survey data")
    dsub = data.add_subparsers(dest="data_command", required=True)

    b = dsub.add_parser("build", help="build a versioned training dataset from real survey files")
    b.add_argument("--config", required=True, type=Path, help="data config YAML")
    b.add_argument("--out", required=True, type=Path, help="output folder")
    b.add_argument("--data-root", help="folder with the survey folders (overrides the config)")
    b.add_argument("--seed", type=int, help="seed (overrides the config)")
    b.add_argument("--limit-per-class", type=int, help="at most N stars per survey class label")
    b.add_argument(
        "--wavelengths",
        choices=["published", "colour"],
        help="each light curve's effective wavelength: its band's published one, or its star's "
        "temperature through the band (EROS-1, Gaia G); overrides the config",
    )
    b.add_argument("--cache-dir", type=Path, help="period-search cache folder")
    b.add_argument("--no-cache", action="store_true", help="do not cache period searches")
    b.add_argument("--no-progress", action="store_true", help="hide progress bars")
    b.set_defaults(func=_data_build)

    x = dsub.add_parser("crossmatch", help="which light curves are one physical star; leaks of a dataset")
    x.add_argument("--config", required=True, type=Path, help="data config YAML (surveys, crossmatch)")
    x.add_argument("--dataset", type=Path, help="also count physical stars in 2+ splits of this dataset")
    x.add_argument("--json", type=Path, help="write the full report as JSON to this file")
    x.add_argument("--data-root", help="folder with the survey folders (overrides the config)")
    x.add_argument("--limit-per-class", type=int, help="at most N stars per survey class label")
    x.add_argument("--cache-dir", type=Path, help="period-search cache folder")
    x.add_argument("--no-cache", action="store_true", help="do not cache period searches")
    x.add_argument("--no-progress", action="store_true", help="hide progress bars")
    x.set_defaults(func=_data_crossmatch)

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
    t.add_argument(
        "--max-minutes",
        type=float,
        help="wall-clock budget of the network's training in minutes (compare models at one budget)",
    )
    t.add_argument("--resume", action="store_true", help="continue the run in --out")
    t.add_argument("--no-flow", action="store_true", help="skip the config's flow prior (network only)")
    t.add_argument("--limit-train-batches", type=int, help="batches per training epoch (quick runs)")
    t.add_argument("--limit-val-batches", type=int, help="batches per validation (quick runs)")
    t.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    t.set_defaults(func=_train)

    from varsynth.taxonomy import CLASSES

    g = sub.add_parser("generate", help="generate light curves of one class (real units, any cadence)")
    _add_star_options(g, extinction_help="V-band extinction A_V (mag)")
    g.add_argument("--epoch", type=float, help="MJD of phase 0 (default: random)")
    g.add_argument("-n", type=int, default=1, help="number of stars")
    _add_generation_options(g)
    g.set_defaults(func=_generate)

    ex = sub.add_parser("export", help="write noiseless one-cycle templates as an SNANA LCLIB library")
    ex.add_argument("--format", required=True, choices=["lclib"], help="library format (lclib: SNANA LCLIB text)")
    _add_star_options(
        ex, extinction_help="V-band extinction A_V (mag; default 0: SNANA adds Milky Way extinction itself)"
    )
    ex.add_argument("-n", type=int, default=1, help="number of stars (events)")
    ex.add_argument("--survey", default="lsst", help="photometric system of the bands (default: lsst)")
    ex.add_argument(
        "--bands",
        nargs="+",
        help="bands, e.g. u g r i z Y (default: the survey's within the model's trained wavelength range)",
    )
    ex.add_argument("--phases", type=int, default=100, help="phases per cycle (rows per event: phases + 1)")
    ex.add_argument("--model", default="default", help="'default' (embedded) or a bundle / run folder")
    ex.add_argument("--seed", type=int, default=0, help="seed: the same seed gives the same output")
    ex.add_argument("-o", "--out", required=True, type=Path, help="output file, e.g. rrl.LCLIB")
    ex.add_argument(
        "--allow-extrapolation",
        action="store_true",
        help="generate physics or bands outside the training range, flagged (EXTRAP 1)",
    )
    ex.add_argument("--chunk-size", type=int, default=1000, help="most stars per generated chunk")
    ex.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    ex.set_defaults(func=_export)

    ts = sub.add_parser("training-set", help="write a balanced labelled set: N light curves per class")
    ts.add_argument("--per-class", type=int, required=True, help="stars per class")
    ts.add_argument("--classes", nargs="+", choices=CLASSES, help="classes (default: all the model knows)")
    _add_generation_options(ts)
    ts.set_defaults(func=_training_set)

    inf = sub.add_parser("infer", help="posterior over class and physics of an observed light curve")
    inf.add_argument(
        "lightcurve",
        type=Path,
        help="light curve: OGLE .dat (time mag err, no header), CSV/text with or without header, ECSV, FITS or Parquet",
    )
    inf.add_argument("--survey", default="ogle3", help="photometric system of the band (default: ogle3)")
    inf.add_argument("--band", default="I", help="passband (default: I)")
    inf.add_argument("--period", type=float, help="period (days); default: Lomb-Scargle search")
    inf.add_argument(
        "--time-column",
        help="time column (days); default: time, mjd, hjd, ... or the 1st of a headerless file ('column N' names one)",
    )
    inf.add_argument("--mag-column", help="magnitude column; default: mag, magnitude, ... or the 2nd")
    inf.add_argument("--err-column", help="magnitude error column; default: mag_err, magerr, err, ... or the 3rd")
    inf.add_argument("--model", default="default", help="'default' or a bundle / run folder")
    inf.add_argument("--candidates", type=int, default=1000, help="candidate physics per class")
    inf.add_argument("--seed", type=int, default=0, help="seed of undersampling and candidates")
    inf.add_argument("--json", help="also write the posterior and the columns used as strict JSON to this file")
    inf.set_defaults(func=_infer)

    cal = sub.add_parser(
        "calibrate",
        help="fit the physics posterior's settings on validation stars and measure its coverage on test stars",
    )
    cal.add_argument("--model", default="default", help="'default' or a bundle / run folder")
    cal.add_argument("--data", required=True, type=Path, help="dataset folder the model was trained on")
    cal.add_argument("--stars", type=int, default=300, help="light curves used from each split")
    cal.add_argument(
        "--no-fit", action="store_true", help="measure the model's current settings, do not fit them on validation"
    )
    cal.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    cal.add_argument("--seed", type=int, default=0, help="seed of the star choice and candidates")
    cal.add_argument(
        "--json",
        help="also write the result to this JSON file (as calibration.json in a bundle, infer then uses the fit)",
    )
    cal.set_defaults(func=_calibrate)

    cmp = sub.add_parser(
        "compare", help="compare decoders and physics-to-latent links on one dataset (Markdown + JSON)"
    )
    cmp.add_argument("--runs", nargs="+", required=True, type=Path, help="run or bundle folders")
    cmp.add_argument("--data", required=True, type=Path, help="dataset folder they were trained on")
    cmp.add_argument("--latent-run", type=Path, help="run whose regressors and flow are compared")
    cmp.add_argument("--out", required=True, type=Path, help="Markdown output (JSON beside it)")
    cmp.set_defaults(func=_compare)

    cd = sub.add_parser("card", help="write the model card (MODEL_CARD.md) of a trained generative bundle")
    cd.add_argument("--model", required=True, help="run or bundle folder (or 'default')")
    cd.add_argument("--data", required=True, type=Path, help="dataset folder the model was trained on")
    cd.set_defaults(func=_card)

    ev = sub.add_parser("evaluate", help="fidelity report: generated vs held-out real light curves and known physics")
    ev.add_argument(
        "--model", action="append", help="'default', a bundle or run folder; repeat to compare side by side"
    )
    ev.add_argument(
        "--data", required=True, type=Path, help="dataset folder the models were trained on (test split held out)"
    )
    ev.add_argument(
        "--report", type=Path, default=Path("evaluation"), help="report folder (report.md, report.json, figures/)"
    )
    ev.add_argument("--json", type=Path, help="also write the report's numbers to this JSON file")
    ev.add_argument("--shared", type=Path, default=Path("../shared/data"), help="shared survey data (OGLE-III catalog)")
    ev.add_argument("--quick", action="store_true", help="small samples (a few minutes; for CI)")
    ev.add_argument("--seed", type=int, default=0, help="seed of every random draw")
    ev.add_argument("--sections", nargs="+", help="run only these checks (default: all)")
    ev.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    ev.set_defaults(func=_evaluate)

    bn = sub.add_parser("bench", help="generation speed vs the paper's model; training steps with --data (JSON)")
    bn.add_argument("--json", nargs="?", const="-", help="write the JSON to this file ('-' or no value: stdout)")
    bn.add_argument("--model", default="default", help="generative model to time (default: embedded)")
    bn.add_argument(
        "--paper-config",
        type=Path,
        default=Path("configs/train/pelsvae-paper.yaml"),
        help="the paper's train config (the TCN baseline)",
    )
    bn.add_argument("--n-stream", type=int, default=100_000, help="light curves in the streaming benchmark")
    bn.add_argument("--threads", type=int, help="torch threads of both sides (default: torch's, one per core)")
    bn.add_argument("--config", type=Path, help="train config for training-step times (default: --paper-config)")
    bn.add_argument("--data", type=Path, help="dataset folder: also time training steps")
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
    r.add_argument(
        "--regressors",
        nargs="+",
        choices=["linear", "rf", "mlp"],
        default=["linear", "rf", "mlp"],
        help="regressors to fit (default: all three)",
    )
    r.add_argument("--seed", type=int, default=13, help="seed of latent draws, dummy values and regressors")
    r.set_defaults(func=_regress)

    sv = sub.add_parser("serve", help="web explorer and HTTP generation service (needs the 'serve' extra)")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    sv.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    sv.add_argument("--model", default="default", help="'default' (embedded) or a bundle / run folder")
    sv.add_argument("--workers", type=int, default=2, help="requests computed at once (default: 2)")
    sv.set_defaults(func=_serve)
    return p


#: Exit status of a successful command.
EXIT_OK = 0
#: Exit status of a failure while working (an I/O error, an interruption, a bug).
EXIT_FAILURE = 1
#: Exit status of a usage or input error (bad options, values, files or paths; also argparse's).
EXIT_USAGE = 2


def _fail(err: BaseException, verbose: bool, status: int) -> int:
    """Print ``err`` as one line (after its traceback with ``-v``) and return ``status``."""
    if verbose:
        traceback.print_exception(err)
    message = " ".join(str(err).split()) or type(err).__name__
    print(f"varsynth: error: {message}", file=sys.stderr)
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``varsynth`` command; returns the exit status (0, 1 or 2, see ``EXIT_*``).

    A failure prints one line, ``varsynth: error: ...``, and its traceback only with ``-v``.
    SIGTERM and Ctrl-C end a command as a failure (status 1) after removing its temporary files.
    """
    from varsynth.config import ConfigError
    from varsynth.signals import Terminated, terminate_as_interrupt

    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        with terminate_as_interrupt():
            return int(args.func(args))
    except (ConfigError, FileNotFoundError, KeyError, ValueError) as err:
        return _fail(err, args.verbose, EXIT_USAGE)
    except (KeyboardInterrupt, Terminated) as err:
        return _fail(err if str(err) else Terminated("interrupted"), args.verbose, EXIT_FAILURE)
    except Exception as err:  # noqa: BLE001 - any other failure: one line, status 1
        return _fail(err, args.verbose, EXIT_FAILURE)


if __name__ == "__main__":
    sys.exit(main())
