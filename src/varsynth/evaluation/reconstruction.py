"""Reconstruction of held-out real light curves, next to a least-squares Fourier baseline.

A light curve of the test split (stars the model never saw) is encoded to its latent mean,
decoded at its own phases and restored to magnitudes with its min-max scale. Per light curve we
report the error-weighted chi^2 per point and the RMS residual (mmag), and the same two numbers
for an order-4 Fourier series fitted by weighted least squares to the same points: the simple
baseline a generative model should match. :func:`reconstructed_curves` gives the reconstructions
themselves, to draw them.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import torch

from varsynth.data.io import read_split
from varsynth.data.tensors import DataFilter, LightCurveTensors, load_split
from varsynth.generation.decode import decode_epochs
from varsynth.lightcurve.folding import fourier_design
from varsynth.models.cvae import CVAE

__all__ = ["fourier_fit", "reconstruction_table", "reconstructed_curves", "summarise_reconstruction"]


def fourier_fit(
    phase: np.ndarray, mag: np.ndarray, err: np.ndarray, order: int = 4, at: np.ndarray | None = None
) -> np.ndarray:
    """Weighted least-squares Fourier series of ``order`` harmonics fitted to (``phase``, ``mag``)
    with errors ``err``, evaluated at ``phase`` (or at the phases ``at``)."""
    w = 1.0 / np.maximum(err, 1e-6)
    coef, *_ = np.linalg.lstsq(fourier_design(phase, order) * w[:, None], mag * w, rcond=None)
    return fourier_design(phase if at is None else np.asarray(at, dtype=np.float64), order) @ coef


def _real_rows(
    model: CVAE, dataset_dir: str | Path, split: str, data_filter: DataFilter | None, sample_ids: Collection[str] | None
) -> tuple[LightCurveTensors, pa.Table, np.ndarray]:
    """The real light curves of ``split`` passing the filter as tensors and table, and the rows to use
    (those of ``sample_ids`` when given, in split order)."""
    cfg = model.config
    base = replace(data_filter or DataFilter(), real_only=True)
    tensors = load_split(
        dataset_dir,
        split,
        physics=cfg.physics,
        phys_mean=cfg.phys_mean or None,
        phys_std=cfg.phys_std or None,
        data_filter=base,
        colour_wavelengths=bool(cfg.colour_wavelengths),
    )
    table = base.apply(read_split(dataset_dir, split))
    if sample_ids is None:
        return tensors, table, np.arange(len(tensors))
    wanted = set(sample_ids)
    return tensors, table, np.flatnonzero([s in wanted for s in tensors.sample_id])


@torch.inference_mode()
def reconstruction_table(
    model: CVAE,
    dataset_dir: str | Path,
    split: str = "test",
    *,
    data_filter: DataFilter | None = None,
    batch_size: int = 256,
    fourier_order: int = 4,
    sample_ids: Collection[str] | None = None,
) -> pd.DataFrame:
    """One row per real (not augmented) light curve of ``split`` (only those of ``sample_ids`` when
    given): class, survey, band, number of points, and model / Fourier chi^2 per point and RMS
    residual (mmag)."""
    tensors, table, keep = _real_rows(model, dataset_dir, split, data_filter, sample_ids)
    span = table["mag_max"].to_numpy() - table["mag_min"].to_numpy()
    model.eval()
    rows = []
    for start in range(0, len(keep), batch_size):
        b = tensors[torch.from_numpy(keep[start : start + batch_size])]
        mu, _ = model.encode(b)
        mag_hat, _ = model.decode(mu, model.condition(b, decoder=True), b["phase"])
        for i in range(mag_hat.shape[0]):
            j = int(keep[start + i])
            valid = b["mask"][i].numpy()
            ph, m, e = (b[k][i].numpy()[valid].astype(np.float64) for k in ("phase", "mag", "mag_err"))
            m, e = m * span[j], np.maximum(e * span[j], 1e-4)  # magnitudes relative to the minimum
            model_res = m - mag_hat[i].numpy()[valid] * span[j]
            fourier_res = m - fourier_fit(ph, m, e, fourier_order)
            rows.append(
                {
                    "sample_id": tensors.sample_id[j],
                    "n_points": int(valid.sum()),
                    "model_chi2": float(np.mean((model_res / e) ** 2)),
                    "model_rms_mmag": 1000 * float(np.sqrt(np.mean(model_res**2))),
                    "fourier_chi2": float(np.mean((fourier_res / e) ** 2)),
                    "fourier_rms_mmag": 1000 * float(np.sqrt(np.mean(fourier_res**2))),
                }
            )
    out = pd.DataFrame(
        rows, columns=["sample_id", "n_points", "model_chi2", "model_rms_mmag", "fourier_chi2", "fourier_rms_mmag"]
    )
    for column in ("vclass", "survey", "band"):
        out[column] = table.take(pa.array(keep, pa.int64()))[column].to_pylist()
    return out


@torch.inference_mode()
def reconstructed_curves(
    model: CVAE,
    dataset_dir: str | Path,
    sample_ids: Collection[str],
    split: str = "test",
    *,
    data_filter: DataFilter | None = None,
    n_phase: int = 200,
    fourier_order: int = 4,
) -> pd.DataFrame:
    """Reconstructions of the real light curves ``sample_ids`` of ``split``, to draw them.

    Each light curve is encoded to its latent mean and decoded on ``n_phase`` phases evenly spaced
    in [0, 1) by the periodic decoder; the paper's sequence decoders, whose output depends on the
    phase steps they are given, decode the light curve's own phases (those its chi^2 is scored on).
    The order-``fourier_order`` Fourier fit to the light curve's points is evaluated there too.

    Returns:
        One row per light curve (split order): ``sample_id``, ``grid`` (phases), ``model_mag`` and
        ``fourier_mag`` (magnitudes at the grid, on the light curve's own magnitude scale).
    """
    if n_phase < 2:
        raise ValueError(f"n_phase must be >= 2, got {n_phase}")
    tensors, table, keep = _real_rows(model, dataset_dir, split, data_filter, sample_ids)
    out = pd.DataFrame({"sample_id": [tensors.sample_id[j] for j in keep]})
    if not len(keep):
        return out.assign(grid=[], model_mag=[], fourier_mag=[])
    model.eval()
    b = tensors[torch.from_numpy(keep)]
    mu, _ = model.encode(b)
    cond = model.condition(b, decoder=True)
    periodic = model.config.decoder == "periodic"
    dense = np.arange(n_phase) / n_phase
    if periodic:
        flat, _, _ = decode_epochs(model, mu, cond, np.tile(dense, len(keep)), np.repeat(np.arange(len(keep)), n_phase))
        scaled = flat.reshape(len(keep), n_phase)
    else:
        scaled = model.decode(mu, cond, b["phase"])[0].numpy()
    lo, hi = table["mag_min"].to_numpy()[keep], table["mag_max"].to_numpy()[keep]
    grids, model_mag, fourier_mag = [], [], []
    for i in range(len(keep)):
        valid = b["mask"][i].numpy()
        ph, m, e = (b[k][i].numpy()[valid].astype(np.float64) for k in ("phase", "mag", "mag_err"))
        span = hi[i] - lo[i]
        order = np.argsort(ph, kind="stable")
        grid, s = (dense, scaled[i]) if periodic else (ph[order], scaled[i][valid][order])
        grids.append(grid.copy())
        model_mag.append(lo[i] + span * s.astype(np.float64))
        fourier_mag.append(lo[i] + fourier_fit(ph, m * span, np.maximum(e * span, 1e-4), fourier_order, at=grid))
    return out.assign(grid=grids, model_mag=model_mag, fourier_mag=fourier_mag)


def summarise_reconstruction(rows: pd.DataFrame, by: str = "vclass") -> pd.DataFrame:
    """Medians per group (and ``all``) of the model's and the Fourier baseline's metrics."""
    metrics = ["model_chi2", "model_rms_mmag", "fourier_chi2", "fourier_rms_mmag"]
    per = rows.groupby(by)[metrics].median()
    per["n"] = rows.groupby(by).size()
    total = rows[metrics].median().to_frame().T
    total["n"] = len(rows)
    total.index = ["all"]
    return pd.concat([per, total]).round(2)
