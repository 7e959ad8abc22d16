"""Benchmarks measured by ``varsynth bench`` (never by timed tests).

``generation_benchmark`` times drawing 100 light curves of 300 epochs with the default model
(flow prior + continuous periodic decoder) next to the paper's TCN configuration (a latent draw
+ its sequence decoder over 300 phase-sorted steps), in one process and one run, and reports
their ratio as ``speedup``; it also streams many light curves to a Parquet file end to end
(cadence, magnitudes, noise, writing) and reports light curves per second and peak memory.
``train_step_times`` times full training steps (forward, eq. 4 loss, backward, Adam) of each
architecture on real batches of a built dataset, in one process and one run, so that the
figures compare as ratios on a noisy machine.
"""

from __future__ import annotations

import math
import os
import resource
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from varsynth.data.tensors import load_split
from varsynth.models.cvae import CVAE
from varsynth.models.loss import pelsvae_loss
from varsynth.training.config import TrainConfig

__all__ = ["STREAM_CHUNK_SIZE", "train_step_times", "decode_seconds", "generation_benchmark"]

#: Stars per chunk of the streaming benchmark: the default of ``varsynth generate --chunk-size``.
STREAM_CHUNK_SIZE = 1000


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
            loss = pelsvae_loss(
                b["mag"],
                b["mag_err"],
                b["mask"],
                mag_hat,
                err_hat,
                mu,
                logvar,
                beta=cfg.optim.beta,
                min_err=cfg.model.min_err,
            )
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


def _median_seconds(fn: Any, repeats: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _interleaved_medians(fns: dict[str, Any], repeats: dict[str, int], warmup: int = 2) -> dict[str, float]:
    """Median seconds of each function, timed in alternation (round k times every function with
    more than k repeats), so that both sides of a ratio see the same machine load."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for k in range(max(repeats.values())):
        for name, fn in fns.items():
            if k < repeats[name]:
                start = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


#: Cadences drawn from a user's file (an epoch table, an OpSim database): not benchmarked.
_NEEDS_A_FILE = ("file", "opsim")


def cadence_draw_seconds(names: tuple[str, ...] | None = None, *, draws: int = 300, seed: int = 1) -> dict[str, float]:
    """Median seconds of one epoch draw (one star) of each built-in cadence (5 repeats of ``draws``
    draws; ``names`` ``None``: every registered cadence that needs no file)."""
    from varsynth.cadences import CADENCES, get_cadence

    out = {}
    for name in names or tuple(c for c in CADENCES if c not in _NEEDS_A_FILE):
        cadence, rng = get_cadence(name), np.random.default_rng(seed)
        out[name] = _median_seconds(lambda c=cadence, r=rng: [c.draw(r) for _ in range(draws)], 5, warmup=1) / draws
    return out


def _load() -> list[float]:
    """The machine's 1, 5 and 15-minute load averages (runnable processes; this machine has os.cpu_count() cores)."""
    return [round(x, 2) for x in os.getloadavg()]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kB


@torch.inference_mode()
def decode_seconds(model: CVAE, *, n: int = 100, epochs: int = 300, repeats: int = 5, seed: int = 0) -> float:
    """Median seconds for ``model`` to draw z ~ N(0, I) and decode ``n`` light curves at ``epochs``
    sorted phases each (the decoder's share of generation)."""
    return _median_seconds(_decode_job(model, n=n, epochs=epochs, seed=seed), repeats, 1)


def _decode_job(model: CVAE, *, n: int, epochs: int, seed: int) -> Any:
    """The job :func:`decode_seconds` times, as a function of no arguments."""
    rng = np.random.default_rng(seed)
    phase = torch.from_numpy(np.sort(rng.uniform(0, 1, (n, epochs)), axis=1).astype(np.float32))
    p = model.config.n_physics
    batch = {
        "class_index": torch.zeros(n, dtype=torch.long),
        "phys": torch.zeros(n, p),
        "phys_mask": torch.ones(n, p),
        "wave": torch.full((n,), 0.806),
    }
    cond = model.condition(batch, decoder=True)
    model.eval()

    def job() -> None:
        with torch.inference_mode():
            model.decode(torch.randn(n, model.config.latent_dim), cond, phase)

    return job


@torch.inference_mode()
def generation_benchmark(
    model: Any = "default",
    paper: TrainConfig | None = None,
    *,
    n: int = 100,
    epochs: int = 300,
    n_stream: int = 100_000,
    repeats: int = 51,
    seed: int = 0,
) -> dict[str, Any]:
    """Seconds to draw ``n`` light curves of ``epochs`` epochs, default model vs paper's TCN.

    Both sides do the same job: draw latent codes z ~ N(0, I) for ``n`` stars of one class and
    decode magnitudes and errors at ``epochs`` phases each: the default model with its Fourier
    decoder (at each light curve's own phases, as generation does), the paper's configuration
    (weights at initialisation: the cost does not depend on their values) with its TCN over the
    sorted phases. ``speedup`` is their ratio. The default model's full draw, with latent codes and
    amplitudes from its conditional flow prior instead of N(0, I), is reported too
    (``seconds_with_flow_prior``, ``speedup_with_flow_prior``; ``seconds_flow_prior`` is the
    flow's part). Both sides run in this process, with the same ``n``, ``epochs`` and torch
    threads, their repetitions interleaved so that they see the same machine load
    (``load_average`` before and after: 1, 5 and 15-minute).

    The streaming benchmark writes ``n_stream`` light curves end to end (physics, cadence, flow,
    decoder, photometry, noise, Arrow tables, Parquet) and reports each stage's seconds and
    share (``stream.stages``, from :mod:`varsynth.generation.stages`). It also reports CPU
    seconds, which a machine busy with other work inflates much less than wall-clock seconds:
    the whole process's (``stream.cpu_seconds``: every thread, the Parquet writer's included)
    and the generating thread's per stage (``stream.stages.*.cpu_seconds``; ``write`` is its
    share of writing, the rest runs on the writer's thread).

    Arguments:
        model: the generative model (name or folder, see :func:`varsynth.generation.load_model`).
        paper: the paper's training config (``configs/train/pelsvae-paper.yaml``).
        n, epochs: light curves and epochs per light curve of the timed draw.
        n_stream: light curves written end to end in the streaming benchmark (0: skip it).
        repeats: timed repetitions of the default model's draws (the paper's TCN: a fifth, at
            least 3; the median is reported).
        seed: seed of the draws.

    Returns:
        ``{"threads", "n", "epochs", "load_average", "default": {...}, "pelsvae_paper": {...},
        "speedup", "speedup_with_flow_prior", "stream": {...}}``; times in seconds.
    """
    from varsynth.generation import StarRequest, iter_generate, load_model
    from varsynth.generation.decode import decode_epochs
    from varsynth.generation.stages import recording
    from varsynth.generation.writers import LightCurveWriter
    from varsynth.taxonomy import CLASSES

    gm = load_model(model) if not hasattr(model, "cvae") else model
    rng = np.random.default_rng(seed)
    phase = np.sort(rng.uniform(0, 1, (n, epochs)), axis=1).astype(np.float32)
    curve = np.repeat(np.arange(n), epochs)
    cls = torch.full((n,), CLASSES.index("RRLYR"))
    phys = torch.zeros(n, gm.cvae.config.n_physics)
    batch = {"class_index": cls, "phys": phys, "phys_mask": torch.ones_like(phys), "wave": torch.full((n,), 0.806)}

    cond = gm.cvae.condition(batch, decoder=True)

    def default_decode() -> None:  # the same job as the paper's side: z ~ N(0, I), then decode
        decode_epochs(gm.cvae, torch.randn(n, gm.cvae.config.latent_dim), cond, phase.ravel(), curve)

    def flow_prior() -> torch.Tensor:  # z (and amplitude) from the conditional flow prior
        ctx = gm.flow.context(cls, phys, batch["phys_mask"], batch["wave"])
        return gm.flow.sample(ctx)[0]

    def default_with_prior() -> None:  # the full draw: flow prior, then decode
        decode_epochs(gm.cvae, flow_prior(), cond, phase.ravel(), curve)

    out: dict[str, Any] = {"threads": torch.get_num_threads(), "n": n, "epochs": epochs, "load_average": [_load()]}
    jobs: dict[str, Any] = {"decode": default_decode, "flow": flow_prior, "full": default_with_prior}
    counts = {"decode": repeats, "flow": repeats, "full": repeats}
    pm = None
    if paper is not None:
        torch.manual_seed(seed)
        pm = CVAE(paper.model.replace(phys_mean=(), phys_std=())).eval()
        jobs["paper"] = _decode_job(pm, n=n, epochs=epochs, seed=seed)
        counts["paper"] = max(3, repeats // 5)
    med = _interleaved_medians(jobs, counts)
    out["default"] = {
        "model": gm.name,
        "decoder": gm.cvae.config.decoder,
        "seconds": med["decode"],
        "seconds_with_flow_prior": med["full"],
        "seconds_flow_prior": med["flow"],
        "parameters": sum(p.numel() for p in gm.cvae.parameters()),
        "flow_parameters": sum(p.numel() for p in gm.flow.parameters()),
    }
    if pm is not None and paper is not None:
        out["pelsvae_paper"] = {
            "model": paper.name,
            "arch": pm.config.arch,
            "seconds": med["paper"],
            "parameters": sum(p.numel() for p in pm.parameters()),
        }
        out["speedup"] = med["paper"] / med["decode"]
        out["speedup_with_flow_prior"] = med["paper"] / med["full"]
    if n_stream > 0:
        request = StarRequest("RRLYR")
        options = {"n_epochs": epochs}
        with tempfile.TemporaryDirectory() as tmp, recording() as stages:
            start, start_cpu = time.perf_counter(), time.process_time()
            with LightCurveWriter(f"{tmp}/stream.parquet") as writer:
                for chunk in iter_generate(
                    request,
                    n=n_stream,
                    cadence="uniform",
                    cadence_options=options,
                    model=gm,
                    seed=seed,
                    chunk_size=STREAM_CHUNK_SIZE,
                ):
                    writer.write(chunk)
                stages.restart()
            stages.lap("write")  # the last row group and the footer
            seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - start_cpu
            rows = writer.rows_written
            size = Path(f"{tmp}/stream.parquet").stat().st_size
        out["stream"] = {
            "light_curves": n_stream,
            "epochs_each": epochs,
            "rows": rows,
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "light_curves_per_second": n_stream / seconds,
            "peak_rss_mb": _peak_rss_mb(),
            "file_mb": size / 2**20,
            "cadence": "uniform",
            "format": "parquet",
            "chunk_size": STREAM_CHUNK_SIZE,
            "stages": {
                name: {
                    "seconds": value,
                    "share": round(stages.shares()[name], 4),
                    "cpu_seconds": stages.cpu_seconds[name],
                }
                for name, value in stages.seconds.items()
            },
        }
    out["cadence_draw_seconds"] = cadence_draw_seconds()
    out["load_average"].append(_load())
    return out
