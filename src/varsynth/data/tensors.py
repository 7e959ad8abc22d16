"""Tensors and data loaders of a built dataset, for training and encoding.

Reads the Parquet splits written by ``varsynth data build``, pads every light curve to the
dataset's sequence length with a validity mask, and transforms the physical parameters
(log10 Teff [K], M_G [mag], log10 period [days]) standardised with the training split's mean
and standard deviation, so that missing values enter the model as 0 with a 0 mask bit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
from torch.utils.data import Dataset

from varsynth.config import _from_dict
from varsynth.data.io import read_split
from varsynth.lightcurve import PHYSICS_NAMES
from varsynth.physics.typical import light_curve_wavelengths

#: Column names of the physical parameters as the models see them (:func:`physics_matrix`): log10 of
#: Teff (K) and of the period (days), the absolute magnitude (mag) as is.
PHYS_COLUMNS: tuple[str, ...] = tuple(f"log10_{n}" if n in ("teff", "period") else n for n in PHYSICS_NAMES)

__all__ = [
    "PHYS_COLUMNS",
    "DataFilter",
    "LightCurveTensors",
    "load_split",
    "physics_matrix",
    "fit_standardisation",
    "table_wavelengths",
]


@dataclass(frozen=True)
class DataFilter:
    """Which rows of the dataset a model trains on (``None``: all).

    Attributes:
        surveys: keep these surveys only (e.g. ``[ogle3]``).
        bands: keep these passbands only (e.g. ``[I]``).
        classes: keep these classes only.
        real_only: drop augmented samples.
    """

    surveys: tuple[str, ...] | None = None
    bands: tuple[str, ...] | None = None
    classes: tuple[str, ...] | None = None
    real_only: bool = False

    def apply(self, table: pa.Table) -> pa.Table:
        """The rows of ``table`` that pass the filter."""
        mask = pa.array(np.ones(table.num_rows, dtype=bool))
        for column, allowed in (("survey", self.surveys), ("band", self.bands), ("vclass", self.classes)):
            if allowed is not None:
                mask = pc.and_(mask, pc.is_in(table[column], pa.array(list(allowed))))
        if self.real_only:
            mask = pc.and_(mask, pc.invert(table["augmented"]))
        return table.filter(mask)

    @classmethod
    def of_model(cls, metadata: dict[str, Any]) -> DataFilter:
        """The filter a model was trained with, from its bundle metadata (``train_config.data``);
        every row when the metadata holds none (models trained before the filter existed).

        Raises:
            ConfigError: the stored filter has unknown keys (named).
        """
        stored = (metadata.get("train_config") or {}).get("data")
        return cls() if stored is None else _from_dict(cls, stored, "train config.data")


def physics_matrix(table: pa.Table, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Transformed physical parameters (N, P) and their presence mask (N, P).

    Teff and period enter as log10 (K, days), the absolute magnitude as is; missing values are
    NaN in the values and 0 in the mask.
    """
    cols, masks = [], []
    for name in names:
        values = table[name].to_numpy(zero_copy_only=False).astype(np.float64)
        present = np.array([s != "missing" for s in table[f"{name}_source"].to_pylist()], dtype=bool)
        present &= np.isfinite(values) & ((values > 0) | (name == "abs_mag"))
        with np.errstate(divide="ignore", invalid="ignore"):
            values = np.log10(values) if name in ("teff", "period") else values
        cols.append(np.where(present, values, np.nan))
        masks.append(present)
    n = table.num_rows
    if not names:
        return np.zeros((n, 0)), np.zeros((n, 0))
    return np.stack(cols, axis=1), np.stack(masks, axis=1).astype(np.float64)


def fit_standardisation(values: np.ndarray, mask: np.ndarray) -> tuple[list[float], list[float]]:
    """Mean and standard deviation of each column over its present values (std >= 1e-6)."""
    means, stds = [], []
    for j in range(values.shape[1]):
        v = values[mask[:, j] > 0, j]
        means.append(float(v.mean()) if v.size else 0.0)
        stds.append(float(max(v.std(), 1e-6)) if v.size > 1 else 1.0)
    return means, stds


def _padded(column: pa.ChunkedArray, length: int) -> np.ndarray:
    """A list column as a zero-padded float32 array (N, length)."""
    arr = column.combine_chunks()
    if isinstance(arr, pa.ChunkedArray):  # an empty table combines to an empty chunked array
        arr = pa.concat_arrays(arr.chunks) if arr.num_chunks else pa.array([], pa.list_(pa.float32()))
    offsets = arr.offsets.to_numpy()
    offsets = offsets - offsets[0]
    flat = arr.flatten().to_numpy(zero_copy_only=False)
    lens = np.diff(offsets)
    rows = np.repeat(np.arange(len(arr)), lens)
    cols = np.arange(flat.size) - np.repeat(offsets[:-1], lens)
    out = np.zeros((len(arr), length), dtype=np.float32)
    out[rows, cols] = flat
    return out


@dataclass
class LightCurveTensors(Dataset):
    """A split as tensors; item ``i`` is a dict of one sample's tensors (see :data:`Batch`)."""

    phase: torch.Tensor  # (N, T)
    mag: torch.Tensor  # (N, T)
    mag_err: torch.Tensor  # (N, T)
    mask: torch.Tensor  # (N, T) bool
    class_index: torch.Tensor  # (N,)
    phys: torch.Tensor  # (N, P) standardised, 0 where missing
    phys_mask: torch.Tensor  # (N, P)
    wave: torch.Tensor  # (N,) micrometres
    sample_id: list[str]
    star_key: list[str]
    err_scale: torch.Tensor | None = None  # (N,) factor of the errors in the likelihood; None: ones

    def __post_init__(self) -> None:
        if self.err_scale is None:
            self.err_scale = torch.ones(self.phase.shape[0])

    def __len__(self) -> int:
        return int(self.phase.shape[0])

    def __getitem__(self, i: int | slice | np.ndarray | torch.Tensor) -> dict[str, torch.Tensor]:
        """One sample (``i`` an int) or several (a slice, an index array or an index tensor)."""
        return {
            "phase": self.phase[i],
            "mag": self.mag[i],
            "mag_err": self.mag_err[i],
            "mask": self.mask[i],
            "class_index": self.class_index[i],
            "phys": self.phys[i],
            "phys_mask": self.phys_mask[i],
            "wave": self.wave[i],
            "err_scale": self.err_scale[i],  # type: ignore[index]  # set in __post_init__
        }

    def batch(self, index: slice | np.ndarray) -> dict[str, torch.Tensor]:
        """Several samples at once (faster than a DataLoader for evaluation)."""
        return self.__getitem__(index)


def table_wavelengths(table: pa.Table, colour: bool | None) -> np.ndarray:
    """Each light curve's effective wavelength (nm) in a model's convention: its star's
    temperature (its class's typical one where unknown) through its band (``colour``), the
    band's published value (``False``) or the dataset's ``wave_eff`` as stored (``None``), so that
    a model trained on either convention is evaluated on the wavelengths it was trained with."""
    if colour is None:
        return np.asarray(table["wave_eff"].to_numpy(), dtype=np.float64)
    return light_curve_wavelengths(
        np.asarray(table["survey"].to_pylist(), dtype=object),
        np.asarray(table["band"].to_pylist(), dtype=object),
        table["teff"].to_numpy(zero_copy_only=False).astype(float),
        np.asarray(table["vclass"].to_pylist(), dtype=object),
        colour,
    )


def load_split(
    dataset_dir: str | Path,
    split: str,
    *,
    physics: Sequence[str],
    phys_mean: Sequence[float] | None = None,
    phys_std: Sequence[float] | None = None,
    data_filter: DataFilter | None = None,
    err_scale: Mapping[str, Mapping[str, float]] | None = None,
    colour_wavelengths: bool | None = None,
) -> LightCurveTensors:
    """Load one split of a built dataset as :class:`LightCurveTensors`.

    Arguments:
        dataset_dir: folder written by ``varsynth data build``.
        split: ``train``, ``val`` or ``test``.
        physics: physical parameters to load, e.g. ``("teff", "abs_mag", "period")``.
        phys_mean, phys_std: standardisation (from the training split); ``None``: none.
        data_filter: which rows to keep.
        err_scale: ``{survey: {band: factor}}``, each sample's ``err_scale`` (1 where not given).
        colour_wavelengths: the wavelength convention of the model the tensors are for
            (:func:`table_wavelengths`); ``None``: the dataset's own ``wave_eff``.
    """
    table = read_split(dataset_dir, split)
    if data_filter is not None:
        table = data_filter.apply(table)
    n_points = table["n_points"].to_numpy()
    length = int(n_points.max()) if table.num_rows else 1
    values, present = physics_matrix(table, physics)
    if phys_mean is not None and phys_std is not None and len(physics):
        values = (values - np.asarray(phys_mean)) / np.asarray(phys_std)
    values = np.where(present > 0, values, 0.0)
    return LightCurveTensors(
        phase=torch.from_numpy(_padded(table["phase"], length)),
        mag=torch.from_numpy(_padded(table["mag"], length)),
        mag_err=torch.from_numpy(_padded(table["mag_err"], length)),
        mask=torch.from_numpy(np.arange(length)[None, :] < n_points[:, None]),
        class_index=torch.from_numpy(table["class_index"].to_numpy().astype(np.int64)),
        phys=torch.from_numpy(values.astype(np.float32)),
        phys_mask=torch.from_numpy(present.astype(np.float32)),
        wave=torch.from_numpy(table_wavelengths(table, colour_wavelengths).astype(np.float32) / 1000.0),
        sample_id=table["sample_id"].to_pylist(),
        star_key=table["star_key"].to_pylist(),
        err_scale=torch.tensor(
            [
                float((err_scale or {}).get(survey, {}).get(band, 1.0))
                for survey, band in zip(table["survey"].to_pylist(), table["band"].to_pylist())
            ],
            dtype=torch.float32,
        ),
    )
