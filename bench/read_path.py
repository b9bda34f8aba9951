"""CPU per request of each tier on the read path, and two versions of the code side by side.

Starts the whole suite (`_full_stack.py`) and sends the same read to each tier in turn, as
`end_to_end.py`'s tier overhead does (a rep's first 20 accounts from the Salesforce emulator, the
Salesforce System API, the mobile Experience API and the gateway), then the gateway's two
other reads (the partner catalog, the mobile customer 360). For each: the p50 at concurrency 1
and the CPU time per request of every service on the way (from `/proc`, the median over
`--blocks` blocks of `--requests`), which on a shared machine moves far less than latency does;
and the reads/s of the three gateway reads at concurrency 32.
`--baseline PYTHON` (another checkout's `.venv/bin/python`) starts that checkout's suite beside
this one and alternates the blocks between the two, so that both share whatever else the
machine is running: compare the rows of one run, not runs.
With `--profile DIR`, py-spy samples every service during one more series, one SVG each
(`--raw`: collapsed stacks).
Run: `.venv/bin/python bench/read_path.py [--baseline ../main/.venv/bin/python] [--blocks 4]
[--requests 200] [--profile DIR]`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _full_stack import FullStack, cpu_seconds, full_stack, partner_key, rep_jwt
from _load import new_session, run_load
from _script import argument_parser
from end_to_end import first_account, get_request, tier_requests

ON_THE_WAY = ("salesforce-emulator", "salesforce-system", "erp-system", "mobile",
              "partner-portal", "gateway")  # fmt: skip
THROUGHPUT_REQUESTS = 1000
THROUGHPUT_PATHS = ("gateway", "catalog", "customer 360")


async def paths(stack: FullStack) -> dict[str, Any]:
    bearer = f"Bearer {rep_jwt()}"
    async with new_session(concurrency=1) as session:
        account_id = await first_account(session, stack.gateway.url, bearer)
    gateway = stack.gateway.url
    return {
        **await tier_requests(stack),
        "catalog": get_request(
            f"{gateway}/partner/v1/catalog?limit=20", {"apikey": partner_key("gold")}
        ),
        "customer 360": get_request(
            f"{gateway}/mobile/v1/accounts/{account_id}", {"Authorization": bearer}
        ),
    }


def cpu(stack: FullStack) -> dict[str, float]:
    services = stack.services()
    return {name: cpu_seconds(services[name]) for name in ON_THE_WAY}


async def series(
    stacks: dict[str, FullStack], requests: int, blocks: int
) -> dict[str, dict[str, Any]]:
    """Each path on every stack, in `blocks` blocks of `requests` at concurrency 1 that
    alternate between the stacks (so that they share whatever else the machine runs): per
    stack and path, the p50 over all blocks and each service's median CPU ms per request."""
    figures: dict[str, dict[str, Any]] = {side: {} for side in stacks}
    async with new_session(concurrency=32) as session:
        requests_of = {side: await paths(stack) for side, stack in stacks.items()}
        for name in requests_of[next(iter(stacks))]:
            latencies: dict[str, list[float]] = {side: [] for side in stacks}
            costs: dict[str, dict[str, list[float]]] = {side: {} for side in stacks}
            rates: dict[str, list[float]] = {side: [] for side in stacks}
            for side in stacks:
                await run_load(session, requests_of[side][name], concurrency=1, requests=50)
            for _ in range(blocks):
                for side, stack in stacks.items():
                    request = requests_of[side][name]
                    before = cpu(stack)
                    result = await run_load(session, request, concurrency=1, requests=requests)
                    after = cpu(stack)
                    assert result.succeeded == requests, (side, name, result.figures())
                    latencies[side] += result.latencies
                    for service in ON_THE_WAY:
                        costs[side].setdefault(service, []).append(
                            (after[service] - before[service]) * 1000 / requests
                        )
                    if name in THROUGHPUT_PATHS:
                        loaded = await run_load(
                            session, request, concurrency=32, requests=THROUGHPUT_REQUESTS
                        )
                        rates[side].append(loaded.figures()["rps"])
            for side in stacks:
                figure: dict[str, Any] = {
                    "p50_ms": round(statistics.median(latencies[side]) * 1000, 2),
                    "cpu_ms_per_request": {
                        service: round(statistics.median(values), 3)
                        for service, values in costs[side].items()
                        if statistics.median(values) > 0.05
                    },
                }
                if rates[side]:
                    figure["c32_rps"] = round(statistics.median(rates[side]))
                figures[side][name] = figure
    return figures


def render(figures: dict[str, dict[str, Any]]) -> str:
    lines = []
    for name in next(iter(figures.values())):
        lines.append(name)
        for side, paths_of in figures.items():
            figure = paths_of[name]
            costs = "  ".join(f"{k} {v:.3f}" for k, v in figure["cpu_ms_per_request"].items())
            rps = f"  c32 {figure['c32_rps']}/s" if "c32_rps" in figure else ""
            lines.append(f"  {side:<10} p50 {figure['p50_ms']:6.2f} ms{rps}   CPU ms: {costs}")
    return "\n".join(lines) + "\n"


def profile(stack: FullStack, folder: Path, requests: int, *, raw: bool = False) -> None:
    """Sample every service on the way with py-spy during one series: one flame graph each
    (SVG), or with `raw` py-spy's collapsed stacks of the thread holding the GIL (text, one
    stack and its count a line: where the Python CPU goes, without threads waiting)."""
    form, suffix, gil = ("raw", "txt", ["--gil"]) if raw else ("flamegraph", "svg", [])
    folder.mkdir(parents=True, exist_ok=True)
    py_spy = Path(sys.executable).with_name("py-spy")
    services = stack.services()
    samplers = [
        subprocess.Popen(
            [str(py_spy), "record", "--nonblocking", "--rate", "500", "--format", form, *gil,
             "--pid", str(services[name].process.pid),
             "--output", str(folder / f"{name}.{suffix}")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name in ON_THE_WAY
    ]  # fmt: skip
    time.sleep(1.0)  # py-spy attaches within a few hundred ms
    asyncio.run(series({"this": stack}, requests, 1))
    for sampler in samplers:
        sampler.send_signal(2)  # SIGINT: py-spy writes the graph and exits
    for sampler in samplers:
        sampler.wait(timeout=60)


def main() -> int:
    parser = argument_parser(__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per block")
    parser.add_argument("--blocks", type=int, default=4)
    parser.add_argument(
        "--baseline",
        type=Path,
        help="the Python of another checkout (its .venv/bin/python): its stack runs beside this "
        "one and the blocks alternate between them",
    )
    parser.add_argument("--profile", type=Path, help="folder for one flame graph per service")
    parser.add_argument("--raw", action="store_true", help="collapsed stacks instead of SVGs")
    args = parser.parse_args()
    with contextlib.ExitStack() as running:
        stacks: dict[str, FullStack] = {}
        if args.baseline:
            stacks["baseline"] = running.enter_context(stack_of(args.baseline))
        stacks["this"] = running.enter_context(stack_of(Path(sys.executable)))
        figures = asyncio.run(series(stacks, args.requests, args.blocks))
        sys.stdout.write(render(figures))
        if args.profile:
            profile(stacks["this"], args.profile, args.requests, raw=args.raw)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


@contextlib.contextmanager
def stack_of(python: Path) -> Iterator[FullStack]:
    """The whole suite run by `python` (the services are started with `sys.executable`)."""
    ours = sys.executable
    with tempfile.TemporaryDirectory(prefix="trivium-read-") as scratch:
        sys.executable = str(python)
        try:
            stack = full_stack(Path(scratch))
            started = stack.__enter__()
        finally:
            sys.executable = ours
        try:
            yield started
        finally:
            stack.__exit__(None, None, None)


if __name__ == "__main__":
    raise SystemExit(main())
