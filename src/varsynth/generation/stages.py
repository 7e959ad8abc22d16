"""Wall-clock and CPU seconds spent in each stage of generation, for ``varsynth bench``.

:func:`iter_generate <varsynth.generation.engine.iter_generate>` marks the end of each of its
stages with :func:`lap`; the marks cost two clock reads each and are recorded only inside a
:func:`recording` block (in the thread or task that opened it), so regressions of one stage
show in the benchmark without changing what generation does. The CPU seconds are the recording
thread's own (``time.thread_time``): on a machine busy with other work they change much less
than the wall-clock seconds, which include the time the thread waited for a core.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["STAGES", "StageTimes", "recording", "lap", "restart"]

#: The stages in the order a chunk goes through them.
STAGES: tuple[str, ...] = ("physics", "cadence", "flow", "decoder", "photometry", "noise", "table", "write")


class StageTimes:
    """Wall-clock and CPU seconds per stage, summed over chunks; a lap ends the stage started by the
    previous one."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self.cpu_seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()

    def restart(self) -> None:
        """Start timing anew (e.g. after time spent outside generation)."""
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()

    def lap(self, stage: str) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - self._last
        self.cpu_seconds[stage] = self.cpu_seconds.get(stage, 0.0) + cpu - self._last_cpu
        self._last, self._last_cpu = now, cpu

    def shares(self) -> dict[str, float]:
        """Each stage's fraction of the summed time."""
        total = sum(self.seconds.values()) or 1.0
        return {name: value / total for name, value in self.seconds.items()}


_active: ContextVar[StageTimes | None] = ContextVar("varsynth_stage_times", default=None)


@contextmanager
def recording() -> Iterator[StageTimes]:
    """Record the stages of the generation run inside the block."""
    times = StageTimes()
    token = _active.set(times)
    try:
        yield times
    finally:
        _active.reset(token)


def lap(stage: str) -> None:
    """End ``stage`` now (no-op outside :func:`recording`)."""
    times = _active.get()
    if times is not None:
        times.lap(stage)


def restart() -> None:
    """Start the next stage now (no-op outside :func:`recording`)."""
    times = _active.get()
    if times is not None:
        times.restart()
