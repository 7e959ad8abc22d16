"""Benchmarks measured by ``varsynth bench`` (never by timed tests).

``train_step_times`` times full training steps (forward, eq. 4 loss, backward, Adam) of each
architecture on real batches of a built dataset, in one process and one run, so that the
figures compare as ratios on a noisy machine.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from varsynth.models.cvae import CVAE
from varsynth.models.loss import pelsvae_loss
from varsynth.training.config import TrainConfig
from varsynth.training.data import load_split

__all__ = ["train_step_times"]


def train_step_times(
    cfg: TrainConfig, data_dir: str | Path, archs: Sequence[str], *, steps: int = 5, warmup: int = 1
) -> dict[str, Any]:
    """Seconds per training step and per full epoch (extrapolated) for each architecture.

    Arguments:
        cfg: the training config (batch size, model sizes); its ``arch`` is replaced in turn.
        data_dir: a built dataset; batches come from its training split.
        archs: architectures to time, e.g. ``("tcn", "gru", "lstm")``.
        steps: timed steps per architecture (the median is reported).
        warmup: untimed steps first (allocator and thread-pool warm-up).

    Returns:
        ``{"batch_size", "train_samples", "steps_per_epoch", "threads", "archs": {arch:
        {"seconds_per_step", "seconds_per_epoch", "parameters"}}}``.
    """
    ds = load_split(data_dir, "train", physics=cfg.model.physics, data_filter=cfg.data)
    bs = cfg.optim.batch_size
    steps_per_epoch = math.ceil(len(ds) / bs)
    out: dict[str, Any] = {
        "batch_size": bs,
        "train_samples": len(ds),
        "steps_per_epoch": steps_per_epoch,
        "threads": torch.get_num_threads(),
        "archs": {},
    }
    for arch in archs:
        torch.manual_seed(cfg.optim.seed)
        model = CVAE(cfg.model.replace(arch=arch)).train()
        opt = torch.optim.Adam(model.parameters(), lr=cfg.optim.lr)
        times = []
        for i in range(warmup + steps):
            b = ds.batch(slice((i * bs) % max(len(ds) - bs, 1), (i * bs) % max(len(ds) - bs, 1) + bs))
            start = time.perf_counter()
            mag_hat, err_hat, mu, logvar = model(b)
            loss = pelsvae_loss(b["mag"], b["mag_err"], b["mask"], mag_hat, err_hat, mu, logvar,
                                beta=cfg.optim.beta, min_err=cfg.model.min_err)
            opt.zero_grad()
            loss.total.backward()
            opt.step()
            if i >= warmup:
                times.append(time.perf_counter() - start)
        per_step = statistics.median(times)
        out["archs"][arch] = {
            "seconds_per_step": round(per_step, 4),
            "seconds_per_epoch": round(per_step * steps_per_epoch, 1),
            "parameters": sum(p.numel() for p in model.parameters()),
        }
    return out
