"""Load and statistics shared by the benchmarks: a closed-loop HTTP driver and percentiles.

The driver is aiohttp (cheaper per request than httpx, so the client is not what is measured) in
the benchmark's own process, separate from the services it loads. Every run is bounded by a
request count or a duration; only loopback addresses are accepted.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile of the samples."""
    ordered = sorted(samples)
    rank = max(1, round(fraction * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class LoadResult:
    """What one bounded load run measured."""

    concurrency: int
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    seconds: float = 0.0

    def figures(self) -> dict[str, Any]:
        """Requests/s, p50/p99/mean in ms, status counts."""
        latencies = self.latencies or [0.0]
        return {
            "concurrency": self.concurrency,
            "requests": len(self.latencies),
            "rps": round(len(self.latencies) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
            "statuses": {str(code): count for code, count in sorted(self.statuses.items())},
            "errors": self.errors,
        }


RequestFactory = Callable[[int], Mapping[str, Any]]


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK_HOSTS:
        raise ValueError(f"benchmarks send load to loopback only, not to {host!r}")


async def run_load(
    session: aiohttp.ClientSession,
    request: RequestFactory,
    *,
    concurrency: int,
    requests: int,
    max_seconds: float = 60.0,
) -> LoadResult:
    """Send `requests` requests, `concurrency` at a time (closed loop), within `max_seconds`.

    `request(n)` gives the n-th request's `aiohttp` arguments: `method`, `url`, and optionally
    `headers`, `json`. Every worker stops at the count or the time limit, whichever comes first.
    """
    result = LoadResult(concurrency=concurrency)
    numbers = iter(range(requests))
    started = time.perf_counter()
    deadline = started + max_seconds

    async def worker() -> None:
        for number in numbers:
            if time.perf_counter() > deadline:
                return
            arguments = dict(request(number))
            _check_loopback(arguments["url"])
            sent = time.perf_counter()
            try:
                async with session.request(**arguments) as response:
                    await response.read()
                    result.statuses[response.status] += 1
            except (aiohttp.ClientError, TimeoutError):
                result.errors += 1
                continue
            result.latencies.append(time.perf_counter() - sent)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


def new_session(*, concurrency: int) -> aiohttp.ClientSession:
    """A client session with a keep-alive pool big enough for the concurrency."""
    connector = aiohttp.TCPConnector(limit=max(concurrency * 2, 8), force_close=False)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60))
