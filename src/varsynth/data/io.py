"""Reading and writing the dataset files, atomically.

A dataset folder holds ``train.parquet``, ``val.parquet``, ``test.parquet`` (one row per sample,
list columns for the light curve), ``stars.parquet`` (one row per star), ``data_card.json`` and
``data_card.md``. Each file is written to a temporary name in the same folder and moved into
place, so a killed build never leaves a half-written file under a final name.
"""

from __future__ import annotations

import glob
import logging
import math
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["OutputPathError", "atomic_write", "check_writable", "remove_stale_temporaries", "temp_file", "write_parquet", "read_split",
           "json_safe", "DATASET_FORMAT_VERSION"]

log = logging.getLogger(__name__)

#: Version of the dataset layout; bumped when columns change meaning.
DATASET_FORMAT_VERSION = 1


class OutputPathError(ValueError):
    """An output path that cannot be written (a folder, under a file, in a read-only folder)."""


def temp_file(path: str | Path) -> Path:
    """A new empty hidden temporary file beside ``path``: ``.NAME.PID-XXXXXXXX.tmp``.

    The process id in the name lets a later run tell a temporary file of a killed run (its
    process is gone) from one a running process still writes (:func:`remove_stale_temporaries`).
    The parent folder is created if needed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    return Path(tmp)


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (on this machine; a reused id counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by another user
        return True
    return True


def remove_stale_temporaries(path: str | Path) -> list[Path]:
    """Remove the temporary files of ``path`` left by killed runs; return the removed ones.

    Temporary files are ``.NAME.PID-XXXXXXXX.tmp`` (:func:`temp_file`), and a FITS writer's
    ``.NAME.PID-XXXXXXXX.tmp.YYYYYYYY.spool`` beside them. One whose process no longer runs is
    removed, with a warning naming it; one of a running process (another run on the same target)
    is left alone and reported. Hidden ``.NAME.XXXXXXXX.tmp`` files without a process id, from
    versions before this naming, are reported only.
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        return []
    ours = re.compile(rf"\.{re.escape(path.name)}\.(\d+)-\w+\.tmp(\.\w+\.spool)?")
    older = re.compile(rf"\.{re.escape(path.name)}\.\w{{8}}\.tmp(\.\w+\.spool)?")
    removed = []
    for candidate in sorted(folder.glob(f".{glob.escape(path.name)}.*.tmp*")):
        match = ours.fullmatch(candidate.name)
        if match is None:
            if older.fullmatch(candidate.name):
                log.warning("%s: a temporary file of an interrupted earlier run, perhaps; remove it if no run "
                            "writes %s now", candidate, path)
            continue
        pid = int(match.group(1))
        if _process_alive(pid):
            log.warning("%s: temporary file of process %d, which still runs (another run writing %s?); left alone",
                        candidate, pid, path)
            continue
        candidate.unlink(missing_ok=True)
        log.warning("removed %s: temporary file of a killed run (process %d)", candidate, pid)
        removed.append(candidate)
    return removed


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


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp_path)`` then move the temporary file onto ``path`` in one step.

    What ``write`` returns (e.g. the character count of :meth:`Path.write_text`) is ignored.

    Temporary files of ``path`` left by killed runs are removed first
    (:func:`remove_stale_temporaries`); this one is removed when ``write`` raises or the run is
    interrupted.
    """
    path = Path(path)
    remove_stale_temporaries(path)
    tmp = temp_file(path)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # the permissions of a plain open(), not mkstemp's private 0600
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
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
