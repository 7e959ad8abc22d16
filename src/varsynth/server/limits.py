"""Bounds of one request to the service: body size, stars, epochs, time and concurrency.

A request past a bound is refused with 413 (too large: body, stars, epochs, time) or 429 (the
service is busy: every worker taken and the queue full, or no worker freed within
``queue_seconds``), with a JSON message naming the field; it never exhausts the machine.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Limits"]


@dataclass(frozen=True)
class Limits:
    """Per-request bounds of the service.

    Attributes:
        max_body_bytes: largest request body (bytes).
        max_json_stars: most stars answered as JSON (built in memory).
        max_json_epochs: most epochs (rows, estimated from the cadence) answered as JSON.
        max_stars: most stars of a streamed Parquet, CSV or ECSV answer.
        max_epochs: most epochs (rows, estimated) of a streamed answer.
        max_infer_points: most observations posted to inference.
        max_candidates: most candidate physics per class in inference.
        request_seconds: wall-clock budget of one request's work (s); a streamed answer past it
            is cut (the client sees an incomplete body), a JSON one refused with 413.
        workers: JSON generations and inferences computed at once (threads; torch gets
            cpu_count / workers threads each).
        stream_workers: streamed (file) generations computed at once, apart from ``workers`` so
            that large downloads do not hold up the explorer's small requests.
        max_queue: requests waiting for a worker beyond which new ones get 429 at once.
        queue_seconds: longest wait for a worker (s) before 429.
    """

    max_body_bytes: int = 4 << 20
    max_json_stars: int = 64
    max_json_epochs: int = 200_000
    max_stars: int = 20_000
    max_epochs: int = 2_000_000
    max_infer_points: int = 100_000
    max_candidates: int = 2000
    request_seconds: float = 60.0
    workers: int = 2
    stream_workers: int = 1
    max_queue: int = 64
    queue_seconds: float = 30.0
