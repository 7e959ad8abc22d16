"""Atomic file writes: a temporary file beside the target, moved onto it only when complete.

Every file varsynth writes (datasets, bundles, generated light curves, period-search cache entries,
downloads) goes through here, so that a killed or failed run never leaves a half-written file
under a final name, and every output gets the permissions of a plain ``open()`` (``0o666`` less
the umask), not ``mkstemp``'s private ``0o600``. Temporary files are hidden and named
``.NAME.PID-XXXXXXXX.tmp``: the process id lets a later run remove those of killed runs
(:func:`remove_stale_temporaries`) and leave those of a run still writing.
"""

from __future__ import annotations

import glob
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "publish", "remove_stale_temporaries", "temp_file"]

log = logging.getLogger(__name__)


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
                log.warning(
                    "%s: a temporary file of an interrupted earlier run, perhaps; remove it if no run writes %s now",
                    candidate,
                    path,
                )
            continue
        pid = int(match.group(1))
        if _process_alive(pid):
            log.warning(
                "%s: temporary file of process %d, which still runs (another run writing %s?); left alone",
                candidate,
                pid,
                path,
            )
            continue
        candidate.unlink(missing_ok=True)
        log.warning("removed %s: temporary file of a killed run (process %d)", candidate, pid)
        removed.append(candidate)
    return removed


def publish(tmp: str | Path, path: str | Path, *, mtime: float | None = None) -> None:
    """Move the complete temporary file ``tmp`` onto ``path`` in one step, with a plain file's
    permissions; ``mtime`` (POSIX seconds) sets its modification time (a download keeps the
    remote copy's)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # the permissions of a plain open(), not mkstemp's private 0600
    if mtime is not None:
        os.utime(tmp, (time.time(), mtime))
    os.replace(tmp, path)


def atomic_write(
    path: str | Path, write: Callable[[Path], object], *, clean_stale: bool = True, mtime: float | None = None
) -> None:
    """Call ``write(tmp_path)`` then move the temporary file onto ``path`` in one step.

    What ``write`` returns (e.g. the character count of :meth:`Path.write_text`) is ignored.
    With ``clean_stale``, temporary files of ``path`` left by killed runs are removed first
    (:func:`remove_stale_temporaries`; a folder scan, which a cache of many small files skips);
    this one is removed when ``write`` raises or the run is interrupted.
    """
    path = Path(path)
    if clean_stale:
        remove_stale_temporaries(path)
    tmp = temp_file(path)
    try:
        write(tmp)
        publish(tmp, path, mtime=mtime)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
