"""Encode a dataset split into the latent space of a trained PELS-VAE model.

The regressors of section 4.2 of Martinez-Palomera et al. (2022) map physical parameters to the
latent space, so they need, for every light curve of a split, the encoder's latent mean and
standard deviation next to the sample's identity, class and physical parameters. The physical
parameters are always all three (log10 Teff [K], M_G [mag], log10 period [days], the transforms
of :func:`varsynth.data.tensors.physics_matrix`), also for the class-only cVAE whose encoder
does not see them: the paper compares the regression for both models.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import torch

from varsynth.data.io import read_split
from varsynth.data.tensors import PHYS_COLUMNS, DataFilter, load_split, physics_matrix
from varsynth.models.config import PHYSICS_CHOICES
from varsynth.models.cvae import CVAE

__all__ = ["PHYS_COLUMNS", "EncodedSplit", "encode_split"]

# PHYS_COLUMNS (from the dataset tensors): the columns of EncodedSplit.table with the transformed
# physical parameters, in the order of varsynth.models.config.PHYSICS_CHOICES (NaN where missing).


class EncodedSplit(NamedTuple):
    """The latent distribution of every sample of a split.

    Attributes:
        mu: latent means (N, Z).
        sigma: latent standard deviations (N, Z), ``exp(logvar / 2)``.
        table: one row per sample, aligned with ``mu``: ``sample_id``, ``star_key``, ``band``,
            ``vclass``, ``class_index``, ``augmented`` and the :data:`PHYS_COLUMNS`.
    """

    mu: np.ndarray
    sigma: np.ndarray
    table: pd.DataFrame


def _sample_table(dataset_dir: str | Path, split: str, data_filter: DataFilter | None) -> pd.DataFrame:
    """Identity, class and transformed physics of the rows ``load_split`` returns, in its order."""
    table = read_split(dataset_dir, split)
    if data_filter is not None:
        table = data_filter.apply(table)
    values, _ = physics_matrix(table, PHYSICS_CHOICES)  # NaN where missing
    out = table.select(["sample_id", "star_key", "band", "vclass", "class_index", "augmented"]).to_pandas()
    for j, column in enumerate(PHYS_COLUMNS):
        out[column] = values[:, j]
    return out


@torch.no_grad()
def encode_split(
    model: CVAE,
    dataset_dir: str | Path,
    split: str,
    *,
    batch_size: int = 512,
    data_filter: DataFilter | None = None,
) -> EncodedSplit:
    """Latent means and standard deviations of every sample of one split.

    The encoder gets the physical parameters standardised with the model config's
    ``phys_mean`` / ``phys_std`` (the training split's), exactly as in training.

    Arguments:
        model: a trained model (put in eval mode here: no dropout).
        dataset_dir: folder written by ``varsynth data build``.
        split: ``train``, ``val`` or ``test``.
        batch_size: samples per encoder call.
        data_filter: which rows to encode (e.g. the model's training filter with
            ``real_only=True``); ``None``: all rows.

    Returns:
        An :class:`EncodedSplit` (unpacks as ``mu, sigma, table``).
    """
    cfg = model.config
    tensors = load_split(
        dataset_dir,
        split,
        physics=cfg.physics,
        phys_mean=cfg.phys_mean or None,
        phys_std=cfg.phys_std or None,
        data_filter=data_filter,
        colour_wavelengths=bool(cfg.colour_wavelengths),
    )
    table = _sample_table(dataset_dir, split, data_filter)
    if table["sample_id"].tolist() != tensors.sample_id:
        raise ValueError(f"{dataset_dir}/{split}: sample order differs between the table and the tensors")
    model.eval()
    mus: list[np.ndarray] = []
    logvars: list[np.ndarray] = []
    for start in range(0, len(tensors), batch_size):
        # item access slices every tensor (LightCurveTensors.batch slices twice: wrong after
        # the first batch)
        mu_batch, logvar_batch = model.encode(tensors[slice(start, start + batch_size)])
        mus.append(mu_batch.double().numpy())
        logvars.append(logvar_batch.double().numpy())
    z = cfg.latent_dim
    mu = np.concatenate(mus) if mus else np.zeros((0, z))
    logvar = np.concatenate(logvars) if logvars else np.zeros((0, z))
    return EncodedSplit(mu, np.exp(0.5 * logvar), table)
