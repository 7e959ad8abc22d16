"""Running a block of small torch operations on one intra-op thread.

Generation's hot loops (the flow prior's inverse, the periodic decoder's Fourier series) are
many operations on a few hundred to a few ten thousand numbers each. Split over torch's
threads, every operation ends by waiting for all of them; on a machine whose cores are busy
with other work a thread waits for its turn on a core (milliseconds), so the wait costs far
more than the operation. Measured on the project's 2-core machine at load 10-12
(docs/generation.md): streaming 10^4 light curves took 140-164 s with torch's 2 threads, 13-25 s
with these operations on one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import torch

__all__ = ["one_thread"]

_lock = threading.Lock()
_depth = 0  # blocks open, in any thread
_saved = 1  # torch's setting when the first of them opened


@contextmanager
def one_thread() -> Iterator[None]:
    """Run torch's operations in this block on one intra-op thread, then restore torch's setting.

    torch's thread count is shared by the process's threads, so blocks open in several threads
    at once (e.g. generation on Dask worker threads) count themselves: the first sets one thread,
    the last restores the setting found by the first. While a block is open, torch operations
    of other threads run on one thread too.
    """
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = torch.get_num_threads()
            if _saved != 1:
                torch.set_num_threads(1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _saved != 1:
                torch.set_num_threads(_saved)
