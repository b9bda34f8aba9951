"""What one extra service hop costs, on httpx's own transport (httpcore) and on the aiohttp
transport that `trivium.http_client` uses by default.

A target service and, per transport, a relay service run as separate uvicorn processes on
loopback. The load comes from aiohttp in this process (not httpx), so that the load generator is
the same for every figure and is not itself the transport under test. Figures: p50/p99 latency at
concurrency 1 straight to the target and through the relay (the difference is the hop), and
small-POST throughput through the relay at concurrency 50. Medians of several rounds after warm-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from trivium.testing.services import RunningService, start_service

BENCH_DIR = Path(__file__).resolve().parent
ROUNDS = 3
SEQUENTIAL_REQUESTS = 400
CONCURRENCY = 50
CONCURRENT_REQUESTS = 3_000
PAYLOAD = {"sku": "MAT-0001", "quantity": 3}


async def latencies(session: aiohttp.ClientSession, url: str, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        async with session.post(url, json=PAYLOAD) as response:
            await response.read()
        samples.append(time.perf_counter() - started)
    return samples


async def throughput(session: aiohttp.ClientSession, url: str) -> float:
    remaining = CONCURRENT_REQUESTS

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            async with session.post(url, json=PAYLOAD) as response:
                await response.read()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return CONCURRENT_REQUESTS / (time.perf_counter() - started)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(int(len(ordered) * fraction), len(ordered) - 1)]


async def measure(
    target: RunningService, relays: dict[str, RunningService]
) -> dict[str, dict[str, float]]:
    connector = aiohttp.TCPConnector(limit=CONCURRENCY * 2)
    figures: dict[str, dict[str, float]] = {}
    async with aiohttp.ClientSession(connector=connector) as session:
        for url in [target.url, *(relay.url for relay in relays.values())]:
            await latencies(session, url + "/echo", 100)
        direct = [
            await latencies(session, target.url + "/echo", SEQUENTIAL_REQUESTS)
            for _ in range(ROUNDS)
        ]
        direct_p50 = statistics.median(percentile(r, 0.5) for r in direct)
        direct_p99 = statistics.median(percentile(r, 0.99) for r in direct)
        figures["direct"] = {"p50_ms": direct_p50 * 1000, "p99_ms": direct_p99 * 1000}
        for name, relay in relays.items():
            rounds = [
                await latencies(session, relay.url + "/echo", SEQUENTIAL_REQUESTS)
                for _ in range(ROUNDS)
            ]
            p50 = statistics.median(percentile(r, 0.5) for r in rounds)
            p99 = statistics.median(percentile(r, 0.99) for r in rounds)
            rates = [await throughput(session, relay.url + "/echo") for _ in range(ROUNDS)]
            figures[name] = {
                "p50_ms": p50 * 1000,
                "p99_ms": p99 * 1000,
                "hop_p50_ms": (p50 - direct_p50) * 1000,
                "posts_per_s_at_50": statistics.median(rates),
            }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    env = {"PYTHONPATH": str(BENCH_DIR)}
    with tempfile.TemporaryDirectory(prefix="trivium-hop-") as folder:
        logs = Path(folder)
        target = start_service("_hop_apps:create_target", name="target", log_dir=logs, env=env)
        relays = {
            name: start_service(
                "_hop_apps:create_relay",
                name=f"relay-{name}",
                log_dir=logs,
                env={**env, "HOP_TRANSPORT": name, "HOP_TARGET_URL": target.url},
            )
            for name in ("aiohttp", "httpcore")
        }
        try:
            figures = asyncio.run(measure(target, relays))
        finally:
            for service in (*relays.values(), target):
                service.stop()
    out = sys.stdout
    out.write(f"{'path':<10} {'p50 ms':>8} {'p99 ms':>8} {'hop p50 ms':>11} {'POST/s @50':>11}\n")
    for name, figure in figures.items():
        hop = f"{figure['hop_p50_ms']:>11.2f}" if "hop_p50_ms" in figure else f"{'-':>11}"
        rate = (
            f"{figure['posts_per_s_at_50']:>11.0f}"
            if "posts_per_s_at_50" in figure
            else f"{'-':>11}"
        )
        out.write(f"{name:<10} {figure['p50_ms']:>8.2f} {figure['p99_ms']:>8.2f} {hop} {rate}\n")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
