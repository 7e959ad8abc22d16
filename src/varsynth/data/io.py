"""Reading and writing the dataset files, atomically.

A dataset folder holds ``train.parquet``, ``val.parquet``, ``test.parquet`` (one row per sample,
list columns for the light curve), ``stars.parquet`` (one row per star), ``data_card.json`` and
``data_card.md``. Each file is written to a temporary name in the same folder and moved into
place, so a killed build never leaves a half-written file under a final name.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["atomic_write", "write_parquet", "read_split", "json_safe", "DATASET_FORMAT_VERSION"]

#: Version of the dataset layout; bumped when columns change meaning.
DATASET_FORMAT_VERSION = 1


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp_path)`` then move the temporary file onto ``path`` in one step."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # the permissions of a plain open(), not mkstemp's private 0600
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
