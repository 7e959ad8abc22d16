"""Reading and writing the dataset files, atomically.

A dataset folder holds ``train.parquet``, ``val.parquet``, ``test.parquet`` (one row per sample,
list columns for the light curve), ``stars.parquet`` (one row per star), ``data_card.json`` and
``data_card.md``. Each file is written to a temporary name in the same folder and moved into
place (:mod:`varsynth.atomic`, re-exported here), so a killed build never leaves a half-written
file under a final name.
"""

from __future__ import annotations

import json
import logging
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from varsynth.atomic import atomic_write, remove_stale_temporaries, temp_file

__all__ = [
    "OutputPathError",
    "atomic_write",
    "check_writable",
    "remove_stale_temporaries",
    "temp_file",
    "write_parquet",
    "read_split",
    "json_safe",
    "DATASET_FORMAT_VERSION",
    "dataset_wavelengths",
]

log = logging.getLogger(__name__)

#: Version of the dataset layout; bumped when columns change meaning.
DATASET_FORMAT_VERSION = 1


def dataset_wavelengths(dataset_dir: str | Path) -> str:
    """The convention of a built dataset's ``wave_eff`` (its ``data_card.json``'s
    ``wavelengths``: ``published`` or ``colour``, :attr:`varsynth.config.DataConfig.wavelengths`);
    ``published`` for datasets built before it was recorded."""
    card = Path(dataset_dir) / "data_card.json"
    if not card.is_file():
        return "published"
    return str(json.loads(card.read_text()).get("wavelengths", "published"))


class OutputPathError(ValueError):
    """An output path that cannot be written (a folder, under a file, in a read-only folder)."""


def check_writable(path: str | Path, option: str = "output") -> Path:
    """Refuse an output path that cannot be written, before any work: a folder, a file under a
    non-folder, a read-only file or a folder where no file can be created (tried with a temporary
    file in the nearest existing folder; missing folders are not created).

    Raises:
        OutputPathError: naming ``option``, the path and the reason.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputPathError(f"cannot write {option} {path}: it is a folder")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise OutputPathError(f"cannot write {option} {path}: {folder} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".probe", dir=folder)
    except OSError as err:
        raise OutputPathError(f"cannot write {option} {path}: {err.strerror or err} in {folder}") from None
    os.close(fd)
    os.unlink(probe)
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputPathError(f"cannot write {option} {path}: the file is read-only")
    return path


def write_parquet(table: pa.Table, path: str | Path) -> None:
    """Write ``table`` to Parquet (zstd) atomically; the same table always gives the same bytes."""
    atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def read_split(dataset_dir: str | Path, split: str) -> pa.Table:
    """Read one split (``train``, ``val`` or ``test``) of a built dataset as an Arrow table.

    Raises:
        FileNotFoundError: the folder holds no such split (the message names the file).
    """
    path = Path(dataset_dir) / f"{split}.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"dataset split {split!r} not found: {path}")
    return pq.read_table(path)


def json_safe(value: Any) -> Any:
    """``value`` with numpy scalars and arrays as Python numbers and lists, data frames as lists of
    records, paths as strings and NaN/inf as ``None``: ready for strict JSON (metadata, reports)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    if isinstance(value, pd.DataFrame):
        return json_safe(value.to_dict(orient="records"))
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    return value
