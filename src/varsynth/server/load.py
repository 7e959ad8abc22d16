"""A bounded load test of a running ``varsynth serve`` (not a unit test).

``python -m varsynth.server.load --url http://127.0.0.1:8000 --clients 16 64 --seconds 30``

Each of N concurrent clients (asyncio + httpx, one connection pool per client count) sends, for
a fixed time, a mix of requests: small JSON generations (the explorer's, 60%), streamed Parquet
generations of 200-500 stars (10%), bad requests that must be refused with 422 (15%), a request
past the limits that must get 413 (5%), and GET /health or /api/model (10%). It reports per
client count the throughput (requests/s), p50/p95/p99 latency (ms; a streamed answer until its
last byte), the answers by status, transport errors (dropped connections, timeouts) and the
server's resident memory (RSS, MB) at the start and end, read from /proc when ``--pid`` is given.
A 5xx, a transport error or an unexpected status counts as a failure (exit status 1).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["KINDS", "Outcome", "run_load", "main"]


@dataclass
class Outcome:
    """What the clients of one run saw."""

    clients: int
    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)  # per kind, seconds
    statuses: Counter = field(default_factory=Counter)
    unexpected: Counter = field(default_factory=Counter)
    transport_errors: Counter = field(default_factory=Counter)
    bytes: int = 0
    rss_mb: tuple[float, float | None] | None = None

    def row(self) -> dict[str, object]:
        every = np.concatenate([np.asarray(v) for v in self.latencies.values()]) if self.latencies else np.zeros(1)
        n = int(sum(self.statuses.values()))
        p50, p95, p99 = (np.percentile(every, [50, 95, 99]) * 1000).round(0).tolist()
        return {
            "clients": self.clients,
            "seconds": round(self.seconds, 1),
            "requests": n,
            "per_second": round(n / self.seconds, 1),
            "p50_ms": p50,
            "p95_ms": p95,
            "p99_ms": p99,
            "statuses": dict(sorted(self.statuses.items())),
            "5xx": sum(v for k, v in self.statuses.items() if k >= 500),
            "unexpected": dict(self.unexpected),
            "transport_errors": dict(self.transport_errors),
            "MB_received": round(self.bytes / 1e6, 1),
            "server_rss_mb": self.rss_mb,
            "p50_ms_by_kind": {k: round(float(np.median(v)) * 1000) for k, v in sorted(self.latencies.items())},
        }


_BAD: list[dict[str, Any]] = [
    {"vclass": "RRLYR", "period": 30},
    {"vclass": "NOPE"},
    {"vclass": "RRLYR", "teff": "hot"},
    {"vclass": "CEP", "bands": ["Q"]},
    {"vclass": "RRLYR", "cadence": "file"},
]
_CLASSES = [("RRLYR", (0.3, 0.9)), ("CEP", (1.5, 20.0)), ("DSCT", (0.05, 0.2)), ("LPV", None), ("ECL", None)]


def _request(rng: random.Random) -> tuple[str, str, str, dict | None, int]:
    """(kind, method, path, body, expected status) of one random request of the mix."""
    u = rng.random()
    if u < 0.60:
        vclass, periods = rng.choice(_CLASSES)
        body = {
            "vclass": vclass,
            "n": rng.randint(1, 8),
            "seed": rng.randint(0, 10**6),
            "cadence": rng.choice(["ogle3", "ztf", "gaia", "lsst-wfd"]),
        }
        if periods:
            body["period"] = round(rng.uniform(*periods), 4)
        return "small", "POST", "/api/generate", body, 200
    if u < 0.70:
        body = {"vclass": "RRLYR", "n": rng.randint(200, 500), "seed": rng.randint(0, 10**6), "format": "parquet"}
        return "large", "POST", "/api/generate", body, 200
    if u < 0.85:
        return "bad", "POST", "/api/generate", rng.choice(_BAD), 422
    if u < 0.90:
        return "too_large", "POST", "/api/generate", {"vclass": "RRLYR", "n": 5000}, 413
    return "info", "GET", rng.choice(["/health", "/api/model"]), None, 200


def _rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return None


KINDS = ("small", "large", "bad", "too_large", "info")


async def _client(
    http, url: str, rng: random.Random, until: float, out: Outcome, timeout: float, kinds: tuple[str, ...] = KINDS
) -> None:
    import httpx

    while time.monotonic() < until:
        kind, method, path, body, expected = _request(rng)
        if kind not in kinds:
            continue
        start = time.perf_counter()
        try:
            async with http.stream(method, url + path, json=body, timeout=timeout) as r:
                async for chunk in r.aiter_bytes():
                    out.bytes += len(chunk)
            status = r.status_code
        except httpx.HTTPError as err:
            out.transport_errors[type(err).__name__] += 1
            continue
        out.latencies.setdefault(kind, []).append(time.perf_counter() - start)
        out.statuses[status] += 1
        if status != expected and status != 429:
            out.unexpected[f"{kind}:{status}"] += 1


async def run_load(
    url: str,
    clients: int,
    seconds: float,
    pid: int | None = None,
    seed: int = 0,
    timeout: float = 120.0,
    kinds: tuple[str, ...] = KINDS,
) -> Outcome:
    """Run ``clients`` concurrent clients against ``url`` for ``seconds`` (s), sending only ``kinds``
    of the mix."""
    import httpx

    out = Outcome(clients)
    rss0 = _rss_mb(pid)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits) as http:
        start = time.monotonic()
        until = start + seconds
        await asyncio.gather(
            *(_client(http, url, random.Random(seed * 1000 + k), until, out, timeout, kinds) for k in range(clients))
        )
        out.seconds = time.monotonic() - start
    out.rss_mb = None if rss0 is None else (rss0, _rss_mb(pid))
    return out


def _table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| clients | s | requests | req/s | p50 ms | p95 ms | p99 ms | statuses | 5xx | transport errors "
        "| server RSS MB (start, end) |"
    )
    lines = [head, "|---" * (head.count("|") - 1) + "|"]
    for r in rows:
        lines.append(
            f"| {r['clients']} | {r['seconds']} | {r['requests']} | {r['per_second']} | {r['p50_ms']:.0f} | "
            f"{r['p95_ms']:.0f} | {r['p99_ms']:.0f} | {r['statuses']} | {r['5xx']} | "
            f"{sum(r['transport_errors'].values())} | {r['server_rss_mb']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", default="http://127.0.0.1:8000", help="the running service")
    p.add_argument("--clients", type=int, nargs="+", default=[16, 64], help="concurrent clients, one run each")
    p.add_argument("--seconds", type=float, default=30.0, help="length of each run (s)")
    p.add_argument("--pid", type=int, help="the server's process id, to report its resident memory")
    p.add_argument("--json", type=Path, help="also write the results as JSON here")
    p.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS), help="send only these kinds of the mix")
    args = p.parse_args(argv)
    rows = []
    for n in args.clients:
        row = asyncio.run(run_load(args.url, n, args.seconds, args.pid, kinds=tuple(args.kinds))).row()
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(_table(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    failed = any(r["5xx"] or r["unexpected"] or r["transport_errors"] for r in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
