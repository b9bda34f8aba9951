"""What one extra service hop costs, on the aiohttp transport that `trivium.http_client` uses by
default and on httpx's own transport (httpcore).

Set-up: a target service and, per transport, a relay service run as separate uvicorn processes
(one worker each) on 127.0.0.1; a relay forwards every `POST /echo` to the target through a client
from `create_http_client` (see `_hop_apps.py`). The load comes from aiohttp in this process, not
from httpx: the load generator is then the same for every figure, is not itself the transport
under test, and costs little CPU per request (the `direct` row's throughput is its ceiling with
the target, well above what the relays reach).

Figures, each the median of several rounds after a warm-up, rounds interleaved across paths so
that drift of the machine hits every path alike:
- p50/p99 latency at concurrency 1, straight to the target and through each relay; the difference
  of the medians is the cost of one hop;
- small-POST throughput at concurrency 50 for a fixed time, with the relay's CPU time per request
  (from /proc) and any non-200 answers.
On a 2-core machine the load generator, the target and the relay share the cores: compare the rows
with each other rather than with another machine. The whole run takes about 40 s.

Run: `.venv/bin/python bench/transport_hop.py [--json PATH]`.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import aiohttp
from _load import interleaved_rounds

from trivium_testing.services import RunningService, start_service

BENCH_DIR = Path(__file__).resolve().parent
TRANSPORTS = ("aiohttp", "httpcore")
ROUNDS = 3
WARMUP_REQUESTS = 200
SEQUENTIAL_REQUESTS = 400
CONCURRENCY = 50
THROUGHPUT_SECONDS = 3.0
PAYLOAD = {"sku": "MAT-0001", "quantity": 3}

Figures = dict[str, dict[str, float]]


async def answered_ok(session: aiohttp.ClientSession, url: str) -> bool:
    """Post the payload once: True when the relay answered 200."""
    try:
        async with session.post(url, json=PAYLOAD) as response:
            await response.read()
            return response.status == 200
    except aiohttp.ClientError:
        return False


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of a process so far (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # Fields 14 and 15 of stat(5) are utime and stime; the split drops the first two.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(target: RunningService, relays: Mapping[str, RunningService]) -> Figures:
    """Latency and throughput of every path, medians over the rounds."""
    urls = {"direct": target.url + "/echo"} | {
        name: relay.url + "/echo" for name, relay in relays.items()
    }
    processes = {"direct": target} | dict(relays)
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=CONCURRENCY * 2)
    ) as session:
        measured = await interleaved_rounds(
            {path: functools.partial(answered_ok, session, url) for path, url in urls.items()},
            rounds=ROUNDS,
            warmup=WARMUP_REQUESTS,
            sequential=SEQUENTIAL_REQUESTS,
            concurrency=CONCURRENCY,
            seconds=THROUGHPUT_SECONDS,
            probe=lambda path: cpu_seconds(processes[path].process.pid),
        )
    figures: Figures = {}
    for path, path_figures in measured.items():
        figures[path] = {
            "p50_ms": path_figures.median_ms(0.50),
            "p99_ms": path_figures.median_ms(0.99),
            "posts_per_s_at_50": statistics.median(path_figures.rates),
            "failed": path_figures.failed,
        }
        if path_figures.probed:
            server_cpu_ms = statistics.median(path_figures.probed) * 1000
            figures[path]["server_cpu_ms_per_request"] = server_cpu_ms
    for path in relays:
        for quantile in ("p50", "p99"):
            hop = figures[path][f"{quantile}_ms"] - figures["direct"][f"{quantile}_ms"]
            figures[path][f"hop_{quantile}_ms"] = hop
    return figures


def render(figures: Figures) -> str:
    """The figures as a fixed-width table."""
    header = (
        f"{'path':<16} {'p50 ms':>7} {'p99 ms':>7} {'hop p50':>8} {'hop p99':>8} "
        f"{'POST/s @50':>11} {'CPU ms/req':>11} {'failed':>7}\n"
    )
    lines = [header, "-" * (len(header) - 1) + "\n"]
    for path, figure in figures.items():
        label = "direct" if path == "direct" else f"relay ({path})"

        def cell(key: str, width: int, digits: int, figure: dict[str, float] = figure) -> str:
            return f"{figure[key]:>{width}.{digits}f}" if key in figure else f"{'-':>{width}}"

        lines.append(
            f"{label:<16} {cell('p50_ms', 7, 2)} {cell('p99_ms', 7, 2)} "
            f"{cell('hop_p50_ms', 8, 2)} {cell('hop_p99_ms', 8, 2)} "
            f"{cell('posts_per_s_at_50', 11, 0)} {cell('server_cpu_ms_per_request', 11, 3)} "
            f"{int(figure['failed']):>7}\n"
        )
    lines.append(
        "CPU ms/req: CPU time of the process answering the load (the target for `direct`, "
        "the relay otherwise).\n"
    )
    return "".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    env = {"PYTHONPATH": str(BENCH_DIR)}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="trivium-hop-") as folder:
        logs = Path(folder)
        target = start_service("_hop_apps:create_target", name="target", log_dir=logs, env=env)
        relays: dict[str, RunningService] = {}
        try:
            for name in TRANSPORTS:
                relays[name] = start_service(
                    "_hop_apps:create_relay",
                    name=f"relay-{name}",
                    log_dir=logs,
                    env={**env, "HOP_TRANSPORT": name, "HOP_TARGET_URL": target.url},
                )
            figures = asyncio.run(measure(target, relays))
            for path, service in {"direct": target, **relays}.items():
                if figures[path]["failed"]:
                    sys.stderr.write(f"--- {service.name} log ---\n{service.log_tail(40)}\n")
        finally:
            for service in (*relays.values(), target):
                service.stop()
    sys.stdout.write(render(figures))
    sys.stdout.write(f"({time.perf_counter() - started:.0f} s)\n")
    if args.json:
        config = {
            "rounds": ROUNDS,
            "sequential_requests": SEQUENTIAL_REQUESTS,
            "concurrency": CONCURRENCY,
            "throughput_seconds": THROUGHPUT_SECONDS,
            "cpus": os.cpu_count(),
        }
        args.json.write_text(json.dumps({"config": config, "results": figures}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
