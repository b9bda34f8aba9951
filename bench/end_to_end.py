"""End to end through the gateway, the cost of each tier, and the memory of every service.

Starts the whole suite on loopback (`_full_stack.py`: emulators without injected latency, System
APIs, process APIs, Experience APIs, the local gateway in process-plugin mode running kong.yml),
then drives it from this process with a bounded aiohttp load (`_load.py`):

1. Partner orders of 5 lines (`POST /partner/v1/orders` with the gold partner's API key):
   orders/s, p50/p99 and the latency curve at concurrency 1, 8 and 32 (closed loop) and at fixed
   arrival rates (open loop); per order, the Salesforce API calls (the org's own count), the ERP
   round trips (the S/4HANA emulator's own request count) and the CPU time of every service
   (from `/proc` over the run).
2. Reads through the gateway: the partner catalog (`GET /partner/v1/catalog`) and the mobile
   customer 360 (`GET /mobile/v1/accounts/{id}`), at the same concurrencies.
3. Tier overhead: the same read (a rep's first 20 accounts) served by the Salesforce emulator
   itself, through the Salesforce System API, through the mobile Experience API and through the
   gateway; the difference between neighbours is what that hop costs.
4. Resident memory of each service idle (after start) and the most seen under load.
5. With `--flame-graphs DIR`: a last order run at concurrency 8 sampled by py-spy, one flame graph
   (SVG) per service in DIR, to show where the time goes.

The targets (`TARGETS`, for a 2-core machine where everything shares the two cores, the load
generator included) are printed with pass or missed at the end, and are the report's summary.
Run: `.venv/bin/python bench/end_to_end.py [--json PATH] [--plugin-mode plugin-server]
[--flame-graphs DIR] [--scale 0.3]` (`--scale`, or `BENCH_SCALE` under `make bench`, multiplies
every request count, for a quick look on a busy machine).
`--erp netsuite` runs the ERP System API on the NetSuite emulator.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from _full_stack import (
    OUR_SERVICES,
    FullStack,
    Usage,
    full_stack,
    partner_key,
    rep_jwt,
    resident_mib,
)
from _load import LoadResult, new_session, run_load, run_open_load
from salesforce_system.adapters.salesforce.mapping import ACCOUNT_FIELDS

from trivium.service_auth import ServiceTokenIssuer
from trivium_testing.keys import session_keys
from trivium_testing.stack import SALESFORCE_DATA_PATH

REP = "anna.becker@trivium.demo"
CONCURRENCY = (1, 8, 32)
READS = {1: 400, 8: 1500, 32: 3000}
ORDERS = {1: 60, 8: 200, 32: 400}
# Open loop: orders arrive at these rates (per second) whatever the answers.
ORDER_RATES = (10, 40)
OPEN_LOOP_SECONDS = 5
TIER_REQUESTS = 400
FLAME_ORDERS = 150
FLAME_SAMPLES_PER_SECOND = 200
SKUS = tuple(f"MAT-{n:04d}" for n in range(1, 41) if n % 5)
# The query the Salesforce System API sends for a rep's first page of 20 accounts (its fields,
# and one more row to know whether a next page exists), so that the emulator's row of the tier
# table is the same read as the tiers above it and each difference is what one hop adds.
ACCOUNTS_SOQL = (
    f"SELECT {', '.join(ACCOUNT_FIELDS)}, Owner.Username FROM Account "
    f"WHERE IsDeleted = false AND Owner.Username = '{REP}' ORDER BY Id LIMIT 21"
)


def order_request(gateway: str, key: str, run: str) -> Any:
    def request(number: int) -> dict[str, Any]:
        return {
            "method": "POST",
            "url": f"{gateway}/partner/v1/orders",
            "headers": {"apikey": key, "Idempotency-Key": str(uuid.uuid4())},
            "json": {
                "purchaseOrderNumber": f"E2E-{run}-{number:05d}",
                "lines": [
                    {"sku": SKUS[(number + line) % len(SKUS)], "quantity": "1"} for line in range(5)
                ],
            },
        }

    return request


def get_request(url: str, headers: dict[str, str]) -> Any:
    def request(number: int) -> dict[str, Any]:
        return {"method": "GET", "url": url, "headers": headers}

    return request


class MemoryWatch:
    """The most resident memory seen per service while load runs."""

    def __init__(self, stack: FullStack) -> None:
        self.services = stack.services()
        self.idle = {name: resident_mib(service) for name, service in self.services.items()}
        self.peak = dict(self.idle)
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            for name, service in self.services.items():
                self.peak[name] = max(self.peak[name], resident_mib(service))
            await asyncio.sleep(0.25)

    def start(self) -> None:
        self._task = asyncio.create_task(self._sample())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


async def salesforce_calls_used(stack: FullStack) -> int:
    async with stack.system.sf_admin() as admin:
        used: int = (await admin.get("/limits")).json()["used"]
        return used


async def first_account(session: aiohttp.ClientSession, gateway: str, jwt: str) -> str:
    async with session.get(
        f"{gateway}/mobile/v1/accounts", params={"limit": "1"}, headers={"Authorization": jwt}
    ) as response:
        body = await response.json()
        account_id: str = body["items"][0]["id"]
        return account_id


async def orders(session: aiohttp.ClientSession, stack: FullStack, scale: float) -> dict[str, Any]:
    gateway, key = stack.gateway.url, partner_key("gold")
    await run_load(session, order_request(gateway, key, "warm"), concurrency=4, requests=20)
    runs: dict[str, Awaitable[LoadResult]] = {}
    for concurrency in CONCURRENCY:
        runs[f"c{concurrency}"] = run_load(
            session,
            order_request(gateway, key, f"c{concurrency}"),
            concurrency=concurrency,
            requests=scaled(ORDERS[concurrency], scale),
            max_seconds=120,
        )
    for rate in ORDER_RATES:
        runs[f"open {rate}/s"] = run_open_load(
            session,
            order_request(gateway, key, f"r{rate}"),
            rate=rate,
            requests=scaled(rate * OPEN_LOOP_SECONDS, scale),
        )
    figures: dict[str, Any] = {}
    first = await Usage.read(stack)
    closed_loop = 0
    for name, run in runs.items():
        before = await Usage.read(stack)
        result = await run
        figures[name] = await usage_figures(stack, before, result)
        if name.startswith("c"):
            closed_loop += result.succeeded
            # What an order costs, over the closed-loop runs (the open loop may overload).
            figures["per_order"] = (await Usage.read(stack)).per_request(first, closed_loop)
    return figures


def scaled(requests: int, scale: float) -> int:
    return max(10, round(requests * scale))


async def usage_figures(stack: FullStack, before: Usage, result: LoadResult) -> dict[str, Any]:
    """A load run's figures with what each of its requests cost the stack (per request that
    succeeded: a refused or timed-out one did not do the work of one)."""
    after = await Usage.read(stack)
    return {**result.figures(), **after.per_request(before, result.succeeded)}


async def reads(session: aiohttp.ClientSession, stack: FullStack, scale: float) -> dict[str, Any]:
    gateway = stack.gateway.url
    bearer = f"Bearer {rep_jwt()}"
    account_id = await first_account(session, gateway, bearer)
    paths = {
        "catalog": get_request(
            f"{gateway}/partner/v1/catalog?limit=20", {"apikey": partner_key("gold")}
        ),
        "customer 360": get_request(
            f"{gateway}/mobile/v1/accounts/{account_id}", {"Authorization": bearer}
        ),
    }
    figures: dict[str, Any] = {}
    for name, request in paths.items():
        await run_load(session, request, concurrency=4, requests=100)
        for concurrency in CONCURRENCY:
            result = await run_load(
                session,
                request,
                concurrency=concurrency,
                requests=scaled(READS[concurrency], scale),
            )
            figures.setdefault(name, {})[f"c{concurrency}"] = result.figures()
    return figures


async def tier_requests(stack: FullStack) -> dict[str, Any]:
    """The same read (a rep's first 20 accounts) at each tier, from the emulator up to the
    gateway, in that order."""
    system = stack.system
    async with system.salesforce_org() as org:
        org_token = org.headers["Authorization"]
    # Tokens live at most 5 minutes, the callees' maximum age: a run of the tiers takes less.
    keys = session_keys()
    issuer = ServiceTokenIssuer(
        issuer="gateway", private_key=keys.private_key("gateway"), ttl_seconds=300
    )
    system_token = keys.issuer("quote-to-order", ttl_seconds=300).token_for("salesforce-system")
    identity = issuer.token_for(
        "mobile-experience",
        claims={"consumer": "rep-anna-becker", "salesforceUsername": REP, "plan": "internal"},
    )
    query = httpx.QueryParams({"q": ACCOUNTS_SOQL})
    return {
        "emulator": get_request(
            f"{system.sf_emulator.url}{SALESFORCE_DATA_PATH}/query?{query}",
            {"Authorization": org_token},
        ),
        "system API": get_request(
            f"{system.sf_system.url}/accounts?ownerUsername={REP}&limit=20",
            {"Authorization": f"Bearer {system_token}"},
        ),
        "experience API": get_request(
            f"{stack.mobile.url}/mobile/v1/accounts?limit=20",
            {"Authorization": f"Bearer {identity}"},
        ),
        "gateway": get_request(
            f"{stack.gateway.url}/mobile/v1/accounts?limit=20",
            {"Authorization": f"Bearer {rep_jwt()}"},
        ),
    }


async def tiers(session: aiohttp.ClientSession, stack: FullStack, scale: float) -> dict[str, Any]:
    paths = await tier_requests(stack)
    figures: dict[str, Any] = {}
    for name, request in paths.items():
        await run_load(session, request, concurrency=1, requests=50)
        figures[name] = (
            await run_load(session, request, concurrency=1, requests=scaled(TIER_REQUESTS, scale))
        ).figures()
    previous = None
    for name, figure in figures.items():
        if previous is not None:
            figure["hop_p50_ms"] = round(figure["p50_ms"] - figures[previous]["p50_ms"], 2)
        previous = name
    return figures


async def measure(stack: FullStack, scale: float) -> dict[str, Any]:
    watch = MemoryWatch(stack)
    async with new_session(concurrency=max(CONCURRENCY)) as session:
        tier_figures = await tiers(session, stack, scale)
        watch.start()
        read_figures = await reads(session, stack, scale)
        order_figures = await orders(session, stack, scale)
        await watch.stop()
    memory = {
        name: {"idle_mib": watch.idle[name], "load_mib": watch.peak[name]} for name in watch.idle
    }
    return {"orders": order_figures, "reads": read_figures, "tiers": tier_figures, "memory": memory}


async def flame_run(stack: FullStack, scale: float) -> None:
    async with new_session(concurrency=8) as session:
        await run_load(
            session,
            order_request(stack.gateway.url, partner_key("gold"), "flame"),
            concurrency=8,
            requests=scaled(FLAME_ORDERS, scale),
        )


def flame_graphs(stack: FullStack, folder: Path, scale: float) -> list[str]:
    """Sample every service with py-spy during an order run at concurrency 8; one SVG each."""
    folder.mkdir(parents=True, exist_ok=True)
    py_spy = Path(sys.executable).with_name("py-spy")
    samplers = {
        name: subprocess.Popen(
            [
                str(py_spy), "record", "--nonblocking", "--format", "flamegraph",
                "--rate", str(FLAME_SAMPLES_PER_SECOND), "--pid", str(service.process.pid),
                "--output", str(folder / f"{name}.svg"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, service in stack.services().items()
        if name in (*OUR_SERVICES, "s4hana-emulator", "salesforce-emulator")
        and name not in ("mobile", "create-customer")  # not on the order's path
    }  # fmt: skip
    # py-spy attaches within a few hundred ms; the orders before that are not sampled.
    time.sleep(1.0)
    asyncio.run(flame_run(stack, scale))
    for sampler in samplers.values():
        sampler.send_signal(2)  # SIGINT: py-spy writes the graph and exits
    for sampler in samplers.values():
        sampler.wait(timeout=60)
    return sorted(name for name in samplers if (folder / f"{name}.svg").exists())


Figures = dict[str, Any]
AT_MOST, AT_LEAST = "<=", ">="
ORDER = ("orders", "per_order")
# Issue 21's targets: (figure, unit, where its value is in the figures, at most/least, limit).
TARGETS: tuple[tuple[str, str, tuple[str, ...], str, float], ...] = (
    ("partner order p50 at c1", "ms", ("orders", "c1", "p50_ms"), AT_MOST, 25),
    ("partner orders/s at c8", "/s", ("orders", "c8", "rps"), AT_LEAST, 80),
    ("Salesforce API calls per order", "", (*ORDER, "salesforce_calls_per_order"), AT_MOST, 2),
    ("ERP round trips per order", "", (*ORDER, "erp_round_trips_per_order"), AT_MOST, 3),
    ("CPU per order, our services", "ms", (*ORDER, "our_services_cpu_ms_per_order"), AT_MOST, 12),
    ("CPU per order, S/4HANA emulator", "ms",
     (*ORDER, "cpu_ms_per_order", "s4hana-emulator"), AT_MOST, 8),
    ("hop to system API, p50", "ms", ("tiers", "system API", "hop_p50_ms"), AT_MOST, 1.0),
    ("hop to experience API, p50", "ms", ("tiers", "experience API", "hop_p50_ms"), AT_MOST, 1.0),
    ("hop to gateway, p50", "ms", ("tiers", "gateway", "hop_p50_ms"), AT_MOST, 0.8),
    ("catalog reads through the gateway at c32", "/s",
     ("reads", "catalog", "c32", "rps"), AT_LEAST, 1200),
    ("360 reads through the gateway at c32", "/s",
     ("reads", "customer 360", "c32", "rps"), AT_LEAST, 1200),
)  # fmt: skip


def target_rows(figures: Figures) -> list[dict[str, Any]]:
    """Each target with its measured value and whether the run met it."""
    rows = []
    for figure, unit, path, sign, limit in TARGETS:
        value: Any = figures
        for key in path:
            value = value[key]
        met = value <= limit if sign == AT_MOST else value >= limit
        target = f"{sign} {limit:g} {unit}".strip()
        rows.append({"figure": figure, "value": value, "unit": unit, "target": target, "met": met})
    return rows


def curve_chart(title: str, runs: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": title,
        "unit": "ms",
        "log": True,
        "curves": {name: row["curve_ms"] for name, row in runs.items() if "curve_ms" in row},
    }


def report_parts(figures: Figures) -> dict[str, Any]:
    orders, reads, tiers = figures["orders"], figures["reads"], figures["tiers"]
    per_order = orders["per_order"]
    order_runs = {name: row for name, row in orders.items() if name != "per_order"}
    headline = [
        *target_rows(figures),
        {"figure": "partner orders/s at c32", "value": orders["c32"]["rps"], "unit": "/s"},
        *[
            {"figure": f"CPU per order, {name}", "value": ms, "unit": "ms"}
            for name, ms in per_order["cpu_ms_per_order"].items()
            if name not in ("mobile", "create-customer")
        ],
    ]
    charts = [
        {
            "title": "Partner orders through the gateway",
            "unit": "ms",
            "groups": {
                "p50": {c: row["p50_ms"] for c, row in order_runs.items()},
                "p99": {c: row["p99_ms"] for c, row in order_runs.items()},
            },
        },
        curve_chart("Partner order latency by percentile (closed and open loop)", order_runs),
        {
            "title": "CPU per partner order, by service",
            "unit": "ms",
            "bars": per_order["cpu_ms_per_order"],
        },
        {
            "title": "Reads through the gateway (requests/s)",
            "unit": "requests/s",
            "groups": {
                name: {c: row["rps"] for c, row in rows.items()} for name, rows in reads.items()
            },
        },
        *[
            curve_chart(f"{name.capitalize()} read latency by percentile", rows)
            for name, rows in reads.items()
        ],
        {
            "title": "The same read at each tier (p50, concurrency 1)",
            "unit": "ms",
            "bars": {name: row["p50_ms"] for name, row in tiers.items()},
        },
        {
            "title": "Resident memory per service",
            "unit": "MiB",
            "groups": {
                "idle": {n: m["idle_mib"] for n, m in figures["memory"].items()},
                "under load": {n: m["load_mib"] for n, m in figures["memory"].items()},
            },
        },
    ]
    return {"headline": headline, "charts": charts}


def render(figures: dict[str, Any]) -> str:
    lines = [f"{'load':<34}{'conc':>5}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"]

    def row(name: str, item: dict[str, Any]) -> str:
        failed = item["errors"] + sum(
            count for code, count in item["statuses"].items() if int(code) >= 400
        )
        return (
            f"{name:<34}{item['concurrency']:>5}{item['rps']:>9.1f}{item['p50_ms']:>9.2f}"
            f"{item['p99_ms']:>9.2f}{failed:>8}"
        )

    for run, item in figures["orders"].items():
        if run != "per_order":
            lines.append(row(f"partner order (5 lines) {run}", item))
    for name, rows in figures["reads"].items():
        for concurrency, item in rows.items():
            lines.append(row(f"{name} {concurrency}", item))
    for name, item in figures["tiers"].items():
        hop = f"  (+{item['hop_p50_ms']:.2f} ms)" if "hop_p50_ms" in item else ""
        lines.append(row(f"accounts read at the {name}", item) + hop)
    per_order = figures["orders"]["per_order"]
    lines.append(
        f"per order: {per_order['salesforce_calls_per_order']} Salesforce calls, "
        f"{per_order['erp_round_trips_per_order']} ERP round trips, CPU ms by service:"
    )
    for name, ms in per_order["cpu_ms_per_order"].items():
        lines.append(f"  {name:<24}{ms:>8.2f}")
    lines.append(f"{'memory (MiB)':<24}{'idle':>8}{'load':>8}")
    for name, memory in figures["memory"].items():
        lines.append(f"{name:<24}{memory['idle_mib']:>8.1f}{memory['load_mib']:>8.1f}")
    lines.append("")
    lines.append(f"{'target':<44}{'measured':>12}  {'target':<14}result")
    for target in target_rows(figures):
        measured = f"{target['value']:g} {target['unit']}".strip()
        result = "pass" if target["met"] else "MISSED"
        lines.append(f"{target['figure']:<44}{measured:>12}  {target['target']:<14}{result}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--plugin-mode", default="in-process")
    parser.add_argument("--erp", choices=("s4hana", "netsuite"), default="s4hana")
    artifacts = os.environ.get("BENCH_ARTIFACTS")
    parser.add_argument(
        "--flame-graphs",
        type=Path,
        default=Path(artifacts) / "flame-graphs" if artifacts else None,
        help="folder for one SVG per service (under make bench: BENCH_ARTIFACTS/flame-graphs)",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=float(os.environ.get("BENCH_SCALE", "1")),
        help="multiplies request counts (default: BENCH_SCALE, else 1)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="trivium-e2e-") as scratch,
        full_stack(Path(scratch), plugin_mode=args.plugin_mode, erp=args.erp) as stack,
    ):
        figures = asyncio.run(measure(stack, args.scale))
        if args.flame_graphs:
            services = flame_graphs(stack, args.flame_graphs, args.scale)
            figures["flame_graphs"] = {"folder": str(args.flame_graphs), "services": services}
    sys.stdout.write(render(figures))
    took = time.perf_counter() - started
    sys.stdout.write(f"({took:.0f} s, gateway {args.plugin_mode}, ERP {args.erp})\n")
    if args.json:
        figures["plugin_mode"] = args.plugin_mode
        figures["erp"] = args.erp
        args.json.write_text(json.dumps({**figures, **report_parts(figures)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
