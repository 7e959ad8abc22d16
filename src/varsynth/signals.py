"""SIGTERM as an exception, so that a terminated run cleans up as an interrupted one does.

Python turns SIGINT (Ctrl-C) into :class:`KeyboardInterrupt`, which unwinds the stack: the
atomic writers (:class:`~varsynth.generation.writers.LightCurveWriter`,
:func:`~varsynth.data.io.atomic_write`) then remove their temporary files. SIGTERM (``kill``,
a batch system's time limit) ends the process at once by default and leaves them behind;
inside :func:`terminate_as_interrupt` it raises :class:`Terminated` instead, with the same effect.
A process killed with SIGKILL cannot clean up: the next run on the same target removes its
temporary files (:func:`~varsynth.data.io.remove_stale_temporaries`).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Terminated", "terminate_as_interrupt"]


class Terminated(BaseException):
    """The process received SIGTERM (a :class:`BaseException`, like :class:`KeyboardInterrupt`)."""


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Terminated(f"terminated by {signal.Signals(signum).name}")


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated`; the previous handler is restored after.

    Only the main thread may set signal handlers; elsewhere the block runs unchanged.
    """
    try:
        previous = signal.signal(signal.SIGTERM, _raise)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
