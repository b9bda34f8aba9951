"""Load and statistics shared by the benchmarks: HTTP drivers and percentiles.

Two drivers: closed loop (`run_load`: N workers, each sends its next request when the last one
is answered, so a slow server is sent less) and open loop (`run_open_load`: requests start at a
fixed arrival rate whatever the answers, so queueing in a slow server shows in the latencies, as
it does for real clients). Both are aiohttp (cheaper per request than httpx, so the client is not
what is measured) in the benchmark's own process, separate from the services it loads. Every run
is bounded by a request count or a duration; only loopback addresses are accepted.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


# The percentiles of a latency curve: dense at the tail, where the differences are.
CURVE_PERCENTILES = (1, 5, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9)


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile of the samples."""
    ordered = sorted(samples)
    rank = max(1, round(fraction * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def latency_curve(samples: list[float]) -> dict[str, float]:
    """Latency in ms at each of CURVE_PERCENTILES (keys "p1" ... "p99.9")."""
    latencies = samples or [0.0]
    return {
        f"p{point:g}": round(percentile(latencies, point / 100) * 1000, 2)
        for point in CURVE_PERCENTILES
    }


@dataclass
class LoadResult:
    """What one bounded load run measured."""

    concurrency: int
    latencies: list[float] = field(default_factory=list)
    # Open loop: the arrival rate asked for (requests/s); None for a closed loop.
    rate: float | None = None
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    seconds: float = 0.0

    @property
    def succeeded(self) -> int:
        """Requests answered with a 2xx status."""
        return sum(count for status, count in self.statuses.items() if 200 <= status < 300)

    def figures(self) -> dict[str, Any]:
        """Requests/s, p50/p99/mean in ms, the latency curve, status counts."""
        latencies = self.latencies or [0.0]
        mode = {"arrival_rate": self.rate} if self.rate is not None else {}
        return {
            "concurrency": self.concurrency,
            **mode,
            "requests": len(self.latencies),
            "rps": round(len(self.latencies) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 2),
            "curve_ms": latency_curve(self.latencies),
            "statuses": {str(code): count for code, count in sorted(self.statuses.items())},
            "errors": self.errors,
        }


RequestFactory = Callable[[int], Mapping[str, Any]]
# Sends one request: True when it was answered as expected.
Send = Callable[[], Awaitable[bool]]


async def timed_one_at_a_time(send: Send, count: int) -> tuple[list[float], int]:
    """Seconds per answered request, `count` requests one at a time, and the count of failed
    ones."""
    samples: list[float] = []
    failed = 0
    for _ in range(count):
        failed += await _timed(send, samples)
    return samples, failed


async def timed_for(
    send: Send, *, concurrency: int, seconds: float
) -> tuple[float, list[float], int]:
    """`concurrency` senders for `seconds` (closed loop): answered requests per second, seconds
    per answered request, and the count of failed ones."""
    deadline = time.perf_counter() + seconds
    senders = [timed_until(send, deadline) for _ in range(concurrency)]
    started = time.perf_counter()
    runs = await asyncio.gather(*senders)
    samples = [took for run, _ in runs for took in run]
    return len(samples) / (time.perf_counter() - started), samples, sum(f for _, f in runs)


async def timed_until(send: Send, deadline: float) -> tuple[list[float], int]:
    """One sender's requests until `deadline` (a `time.perf_counter()` reading)."""
    samples: list[float] = []
    failed = 0
    while time.perf_counter() < deadline:
        failed += await _timed(send, samples)
    return samples, failed


@dataclass
class PathFigures:
    """What `interleaved_rounds` measured on one path: per round, the seconds per request one at
    a time and at concurrency, the rate at concurrency and the `probe`'s growth per request."""

    sequential: list[list[float]] = field(default_factory=list)
    concurrent: list[list[float]] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    probed: list[float] = field(default_factory=list)
    failed: int = 0

    def median_ms(self, fraction: float, *, concurrent: bool = False) -> float:
        """The median over the rounds of a percentile, in ms."""
        rounds = self.concurrent if concurrent else self.sequential
        return statistics.median(percentile(samples, fraction) for samples in rounds) * 1000


async def interleaved_rounds(
    sends: Mapping[str, Send],
    *,
    rounds: int,
    warmup: int,
    sequential: int,
    concurrency: int,
    seconds: float,
    probe: Callable[[str], float | None] | None = None,
) -> dict[str, PathFigures]:
    """Every path warmed up (`warmup` requests one at a time, half a second at concurrency),
    then `rounds` rounds, each `sequential` requests one at a time on every path and then
    `seconds` at `concurrency` on every path: rounds interleaved across paths, so that drift of
    the machine hits every path alike. `probe(path)`, when given, is read before and after each
    run at concurrency (e.g. the CPU time of the process answering it; None: not known)."""
    figures = {path: PathFigures() for path in sends}
    for send in sends.values():
        await timed_one_at_a_time(send, warmup)
        await timed_for(send, concurrency=concurrency, seconds=0.5)
    for _ in range(rounds):
        for path, send in sends.items():
            samples, failed = await timed_one_at_a_time(send, sequential)
            figures[path].sequential.append(samples)
            figures[path].failed += failed
        for path, send in sends.items():
            before = probe(path) if probe else None
            rate, samples, failed = await timed_for(send, concurrency=concurrency, seconds=seconds)
            after = probe(path) if probe else None
            figure = figures[path]
            figure.concurrent.append(samples)
            figure.rates.append(rate)
            figure.failed += failed
            if before is not None and after is not None and samples:
                figure.probed.append((after - before) / len(samples))
    return figures


async def _timed(send: Send, samples: list[float]) -> int:
    """Send once: its seconds added to `samples` when answered; 1 when it failed, else 0."""
    started = time.perf_counter()
    if await send():
        samples.append(time.perf_counter() - started)
        return 0
    return 1


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
            await _send(session, request(number), result)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.seconds = time.perf_counter() - started
    return result


async def run_open_load(
    session: aiohttp.ClientSession,
    request: RequestFactory,
    *,
    rate: float,
    requests: int,
    max_in_flight: int = 256,
) -> LoadResult:
    """Start `requests` requests at `rate` per second (open loop), each on schedule whether or
    not the earlier ones are answered; latency counts from the scheduled start, so a request
    that waits for a free connection is charged its wait. At most `max_in_flight` run at once
    (the run is bounded even when the server stops answering); `concurrency` in the result is
    the most that were in flight."""
    result = LoadResult(concurrency=0, rate=rate)
    in_flight = asyncio.Semaphore(max_in_flight)
    tasks: list[asyncio.Task[None]] = []
    busy = 0
    started = time.perf_counter()

    async def one(number: int, scheduled: float) -> None:
        nonlocal busy
        async with in_flight:
            busy += 1
            result.concurrency = max(result.concurrency, busy)
            try:
                await _send(session, request(number), result, sent=scheduled)
            finally:
                busy -= 1

    for number in range(requests):
        scheduled = started + number / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        tasks.append(asyncio.create_task(one(number, scheduled)))
    await asyncio.gather(*tasks)
    result.seconds = time.perf_counter() - started
    return result


async def _send(
    session: aiohttp.ClientSession,
    request: Mapping[str, Any],
    result: LoadResult,
    *,
    sent: float | None = None,
) -> None:
    arguments = dict(request)
    _check_loopback(arguments["url"])
    sent = time.perf_counter() if sent is None else sent
    try:
        async with session.request(**arguments) as response:
            await response.read()
            result.statuses[response.status] += 1
    except (aiohttp.ClientError, TimeoutError):
        result.errors += 1
        return
    result.latencies.append(time.perf_counter() - sent)


def new_session(*, concurrency: int) -> aiohttp.ClientSession:
    """A client session with a keep-alive pool big enough for the concurrency."""
    connector = aiohttp.TCPConnector(limit=max(concurrency * 2, 8), force_close=False)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60))
