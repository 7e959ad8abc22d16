"""Train a PELS-VAE model on a built dataset (``varsynth train``), with checkpoints and resume.

A run folder holds ``train_config.yaml`` (the resolved config, including the standardisation of
the physical parameters fitted on the training split), ``checkpoints/last.ckpt`` and
``checkpoints/best.ckpt`` (Lightning, loaded back with ``weights_only=True``), ``logs/version_N/``
(every loss term per epoch, CSV or TensorBoard; one version per start or resume), ``bundle/``
(the best model as safetensors + JSON, with the survey noise record ``noise.json``, listed in
its manifest ``model.json``; with a ``flow:`` section in the config also the
conditional flow prior ``flow.safetensors`` and the training physics ``catalog.parquet``, so
the bundle can generate light curves) and ``fit.json`` (best validation loss, epochs, seconds per epoch,
``train_wall_seconds``: wall time of the whole call including the flow fit, ``torch_threads``, dataset id).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import lightning as L
import numpy as np
import pandas as pd
import torch
import yaml
from lightning.pytorch.callbacks import Callback, EarlyStopping, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger, TensorBoardLogger
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, SequentialSampler, WeightedRandomSampler

from varsynth.bundle import save_bundle
from varsynth.config import ConfigError
from varsynth.data.io import atomic_write, dataset_wavelengths, read_split
from varsynth.data.tensors import fit_standardisation, load_split, physics_matrix
from varsynth.latent.catalog import build_catalog, save_catalog
from varsynth.latent.flow import base_codes, catalog_amplitude_data, fit_flow, flow_data, save_flow
from varsynth.training.config import TrainConfig
from varsynth.training.module import PELSVAEModule
from varsynth.training.noise import fit_survey_noise, likelihood_error_scales

__all__ = ["FitResult", "fit", "EpochTimer"]

log = logging.getLogger(__name__)


@dataclass
class FitResult:
    """Outcome of a training run."""

    run_dir: Path
    bundle_dir: Path
    best_val_loss: float
    epochs: int
    seconds_per_epoch: float
    config: TrainConfig


class EpochTimer(Callback):
    """Measures the wall time of every training epoch (seconds), logged as ``time/epoch``."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self._start = 0.0

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._start = time.perf_counter()

    def on_train_epoch_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self.times.append(time.perf_counter() - self._start)
        pl_module.log("time/epoch", self.times[-1], on_epoch=True)


def _standardised(cfg: TrainConfig, data_dir: Path) -> TrainConfig:
    """The config with the physical-parameter standardisation of the training split."""
    if not cfg.model.physics:
        return cfg
    table = cfg.data.apply(read_split(data_dir, "train"))
    values, mask = physics_matrix(table, cfg.model.physics)
    mean, std = fit_standardisation(values, mask)
    return replace(cfg, model=cfg.model.replace(phys_mean=tuple(mean), phys_std=tuple(std)))


def _check_resumable(run_dir: Path, cfg: TrainConfig, resume: bool) -> Path | None:
    """The checkpoint to resume from; refuses to overwrite a run or resume a different one."""
    last = run_dir / "checkpoints" / "last.ckpt"
    saved = run_dir / "train_config.yaml"
    if not resume:
        if last.exists():
            raise ConfigError(f"{run_dir} already holds a run; pass --resume to continue it or choose another --out")
        return None
    if not last.exists():
        log.warning("no checkpoint in %s: starting a new run", run_dir)
        return None
    old = TrainConfig.from_dict(yaml.safe_load(saved.read_text()))
    if old.model != cfg.model or old.data != cfg.data:
        raise ConfigError(f"{run_dir} was trained with another model or data filter; cannot resume it")
    return last


def _loader(ds: Any, batch_size: int, shuffle: bool, seed: int, class_balance: float = 0.0) -> DataLoader:
    """Batches of ``ds`` gathered by one tensor index per batch (no per-sample collation).

    ``shuffle``: a seeded random order each epoch (the same order as ``DataLoader(shuffle=True)``);
    ``class_balance`` > 0: weighted sampling with replacement, weights count(class)^-class_balance.
    """
    gen = torch.Generator().manual_seed(seed)
    sampler: Any
    if shuffle and class_balance > 0:
        counts = torch.bincount(ds.class_index).double()
        weights = counts[ds.class_index] ** -class_balance
        # torch takes any sequence of weights (torch.as_tensor inside); its hint says Sequence[float]
        sampler = WeightedRandomSampler(
            weights,  # type: ignore[arg-type]
            num_samples=len(ds),
            replacement=True,
            generator=gen,
        )
    elif shuffle:
        sampler = RandomSampler(ds, generator=gen)
    else:
        sampler = SequentialSampler(ds)
    return DataLoader(ds, sampler=BatchSampler(sampler, batch_size, drop_last=False), batch_size=None, num_workers=0)


def _logged_epoch_seconds(run_dir: Path) -> float:
    """Mean epoch time (s) of a run from its ``fit.json`` or, for a run killed before writing
    it, from the ``time/epoch`` values logged in ``logs/*/metrics.csv``; NaN when neither has it."""
    if (run_dir / "fit.json").exists():
        return float(json.loads((run_dir / "fit.json").read_text()).get("seconds_per_epoch", float("nan")))
    times = [
        t
        for path in sorted(run_dir.glob("logs/*/metrics.csv"))
        for t in pd.read_csv(path).get("time/epoch", pd.Series(dtype=float)).dropna()
    ]
    return float(np.mean(times)) if times else float("nan")


def fit(
    cfg: TrainConfig,
    data_dir: str | Path,
    run_dir: str | Path,
    *,
    resume: bool = False,
    max_epochs: int | None = None,
    progress: bool = True,
    limit_train_batches: int | float | None = None,
    limit_val_batches: int | float | None = None,
    callbacks: Sequence[Callback] = (),
    max_minutes: float | None = None,
) -> FitResult:
    """Train ``cfg`` on the dataset in ``data_dir``, writing everything to ``run_dir``.

    Arguments:
        cfg: the training configuration.
        data_dir: a folder written by ``varsynth data build``.
        run_dir: the run folder (created).
        resume: continue the run in ``run_dir`` from its last checkpoint.
        max_epochs: override ``cfg.optim.max_epochs`` (the cosine schedule follows it).
        progress: show Lightning's progress bar.
        limit_train_batches, limit_val_batches: use only part of each epoch (quick runs, tests).
        callbacks: extra Lightning callbacks (e.g. Optuna pruning).
        max_minutes: wall-clock budget of the network's training (minutes; the flow fit comes
            after it); training stops at the first batch past it, and a run stopped inside its
            first epoch keeps the weights it has (to compare models at one budget).

    Returns:
        A :class:`FitResult`; the best model is saved as a bundle in ``run_dir/bundle``.
    """
    started = time.perf_counter()
    data_dir, run_dir = Path(data_dir), Path(run_dir)
    if max_epochs is not None:
        cfg = replace(cfg, optim=replace(cfg.optim, max_epochs=max_epochs))
    cfg = _standardised(cfg, data_dir)
    # the wavelength convention of the dataset (colour: each star's temperature through its band)
    colour = dataset_wavelengths(data_dir) == "colour"
    cfg = replace(cfg, model=cfg.model.replace(colour_wavelengths=True if colour else None))
    ckpt = _check_resumable(run_dir, cfg, resume)
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write(run_dir / "train_config.yaml", lambda t: t.write_text(yaml.safe_dump(cfg.to_dict(), sort_keys=False)))

    L.seed_everything(cfg.optim.seed, workers=True, verbose=False)
    kw: dict[str, Any] = {
        "physics": cfg.model.physics,
        "phys_mean": cfg.model.phys_mean or None,
        "phys_std": cfg.model.phys_std or None,
        "data_filter": cfg.data,
    }
    # how real points scatter beyond their errors, per survey and band (generation's noise; with
    # optim.likelihood_errors "survey", also the errors of the training likelihood)
    noise = fit_survey_noise(data_dir, replace(cfg.data, real_only=True))
    if cfg.optim.likelihood_errors == "survey":
        kw["err_scale"] = likelihood_error_scales(noise)
    train_ds = load_split(data_dir, "train", **kw)
    val_ds = load_split(data_dir, "val", **kw)
    if len(train_ds) == 0 or len(val_ds) == 0:
        raise ConfigError(
            f"{data_dir}: the data filter leaves {len(train_ds)} training and {len(val_ds)} validation samples"
        )

    module = PELSVAEModule(cfg.model.to_dict(), cfg.to_dict()["optim"])
    best_cb = ModelCheckpoint(
        dirpath=run_dir / "checkpoints",
        filename="best",
        monitor="val/loss",
        mode="min",
        save_top_k=1,
        enable_version_counter=False,
        save_on_train_epoch_end=True,
    )
    # every epoch, whether or not it improved: what --resume continues from
    last_cb = ModelCheckpoint(
        dirpath=run_dir / "checkpoints",
        filename="last",
        save_top_k=1,
        enable_version_counter=False,
        save_on_train_epoch_end=True,
    )
    timer = EpochTimer()
    # a resumed run logs into the next logs/version_N, so no earlier row is overwritten
    logger = CSVLogger(run_dir, name="logs") if cfg.optim.logger == "csv" else TensorBoardLogger(run_dir, name="logs")
    trainer = L.Trainer(
        accelerator="cpu",
        max_epochs=cfg.optim.max_epochs,
        callbacks=[
            best_cb,
            last_cb,
            EarlyStopping("val/loss", patience=cfg.optim.early_stopping_patience),
            timer,
            *callbacks,
        ],
        logger=logger,
        enable_progress_bar=progress,
        enable_model_summary=False,
        deterministic=True,
        log_every_n_steps=1,
        limit_train_batches=limit_train_batches,
        limit_val_batches=limit_val_batches,
        num_sanity_val_steps=0,
        max_time=timedelta(seconds=max_minutes * 60.0) if max_minutes else None,
        gradient_clip_val=cfg.optim.gradient_clip,
        gradient_clip_algorithm="norm" if cfg.optim.gradient_clip else None,
    )
    trainer.fit(
        module,
        train_dataloaders=_loader(train_ds, cfg.optim.batch_size, True, cfg.optim.seed, cfg.optim.class_balance),
        val_dataloaders=_loader(val_ds, cfg.optim.batch_size, False, cfg.optim.seed),
        ckpt_path=ckpt,
        weights_only=True,
    )
    best_path = Path(best_cb.best_model_path or run_dir / "checkpoints" / "last.ckpt")
    if best_path.exists():
        state = torch.load(best_path, map_location="cpu", weights_only=True)["state_dict"]
        module.load_state_dict(state)
    else:  # the wall-clock budget ran out inside the first epoch: keep the weights reached
        log.warning(
            "no checkpoint: the budget of %s min ended inside the first epoch; keeping the last weights", max_minutes
        )
    best = float(best_cb.best_model_score) if best_cb.best_model_score is not None else float("nan")
    seconds = sum(timer.times) / len(timer.times) if timer.times else float("nan")
    if not timer.times:  # resumed after the last epoch: keep the timing of the epochs already run
        seconds = _logged_epoch_seconds(run_dir)
    card = json.loads((data_dir / "data_card.json").read_text()) if (data_dir / "data_card.json").exists() else {}
    summary: dict[str, Any] = {
        "name": cfg.name,
        "best_val_loss": best,
        "epochs": int(trainer.current_epoch),
        "seconds_per_epoch": seconds,
        "train_samples": len(train_ds),
        "val_samples": len(val_ds),
        "dataset_id": card.get("dataset_id"),
        "max_minutes": max_minutes,
        "optimizer_steps": int(trainer.global_step),
        "torch_threads": torch.get_num_threads(),
    }
    module.model.eval()
    if cfg.flow is not None:
        # real samples only: augmented copies are phase-shifted, and generation relies on phase 0
        # being maximum light (primary minimum for binaries) as in the real folded light curves
        real = replace(cfg.data, real_only=True)
        flow_train = flow_data(module.model, data_dir, "train", real)
        flow, summary["flow"] = fit_flow(
            module.model,
            flow_train,
            flow_data(module.model, data_dir, "val", real),
            cfg.flow,
            progress=progress,
        )
        save_flow(run_dir / "bundle", flow, summary["flow"])
        # the physics catalog: the training light curves, then (optionally) their stars' OGLE-III
        # catalog I-band amplitudes as I-band rows, each with its base point under the fitted flow
        rows, classes = flow_train, cfg.flow.catalog_amplitudes
        if classes:
            rows = flow_train.joined(catalog_amplitude_data(module.model, flow_train, data_dir, "train", real, classes))
        catalog = build_catalog(data_dir, cfg.data, base_codes(flow, rows), catalog_amplitudes=classes)
        save_catalog(run_dir / "bundle", catalog)
    summary["noise"] = noise
    # wall time of this call (network and flow; a resumed run counts its last start only)
    summary["train_wall_seconds"] = time.perf_counter() - started
    bundle = save_bundle(run_dir / "bundle", module.model, train_config=cfg.to_dict(), fit=summary)
    atomic_write(run_dir / "fit.json", lambda t: t.write_text(json.dumps(summary, indent=2) + "\n"))
    return FitResult(run_dir, bundle, best, summary["epochs"], seconds, cfg)
