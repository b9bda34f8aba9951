"""End to end through the gateway, the cost of each tier, and the memory of every service.

Starts the whole suite on loopback (`_full_stack.py`: emulators without injected latency, System
APIs, process APIs, Experience APIs, the local gateway in process-plugin mode running kong.yml),
then drives it from this process with a bounded aiohttp load (`_load.py`):

1. Partner orders of 5 lines (`POST /partner/v1/orders` with the gold partner's API key):
   orders/s and p50/p99 at concurrency 1, 8 and 32, and Salesforce API calls per order.
2. Reads through the gateway: the partner catalog (`GET /partner/v1/catalog`) and the mobile
   customer 360 (`GET /mobile/v1/accounts/{id}`), at the same concurrencies.
3. Tier overhead: the same read (a rep's first 20 accounts) served by the Salesforce emulator
   itself, through the Salesforce System API, through the mobile Experience API and through the
   gateway; the difference between neighbours is what that hop costs.
4. Resident memory of each service idle (after start) and the most seen under load.

Targets on a 2-core machine: reads >= 500 req/s through the gateway, read p50 <= 8 ms and order
p50 <= 25 ms at concurrency 1. Everything shares the two cores, the load generator included.
`--erp netsuite` runs the ERP System API on the NetSuite emulator; `--scale 0.05` sends a twentieth
of the requests (a smoke run). Run: `.venv/bin/python bench/end_to_end.py [--json PATH]
[--plugin-mode plugin-server] [--erp s4hana|netsuite] [--scale F]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from _full_stack import FullStack, full_stack, partner_key, rep_jwt, resident_mib
from _load import new_session, run_load

from trivium.service_auth import ServiceTokenIssuer
from trivium_testing.keys import session_keys
from trivium_testing.stack import SALESFORCE_DATA_PATH

REP = "anna.becker@trivium.demo"
CONCURRENCY = (1, 8, 32)
READS = {1: 400, 8: 1500, 32: 3000}
ORDERS = {1: 60, 8: 200, 32: 400}
TIER_REQUESTS = 400
SKUS = tuple(f"MAT-{n:04d}" for n in range(1, 41) if n % 5)
ACCOUNTS_SOQL = (
    "SELECT Id, Name, AccountNumber, BillingCity, Industry FROM Account "
    f"WHERE Owner.Username = '{REP}' ORDER BY Id LIMIT 20"
)


def scale_requests(share: float) -> None:
    """Send `share` of every request count (at least a few of each), for smoke runs."""
    global TIER_REQUESTS
    for counts in (READS, ORDERS):
        for concurrency in counts:
            counts[concurrency] = max(concurrency * 2, round(counts[concurrency] * share))
    TIER_REQUESTS = max(10, round(TIER_REQUESTS * share))


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


async def orders(session: aiohttp.ClientSession, stack: FullStack) -> dict[str, Any]:
    gateway, key = stack.gateway.url, partner_key("gold")
    await run_load(session, order_request(gateway, key, "warm"), concurrency=4, requests=20)
    figures: dict[str, Any] = {}
    for concurrency in CONCURRENCY:
        before = await salesforce_calls_used(stack)
        result = await run_load(
            session,
            order_request(gateway, key, f"c{concurrency}"),
            concurrency=concurrency,
            requests=ORDERS[concurrency],
            max_seconds=120,
        )
        calls = await salesforce_calls_used(stack) - before
        figures[f"c{concurrency}"] = {
            **result.figures(),
            "salesforce_calls_per_order": round(calls / max(len(result.latencies), 1), 2),
        }
    return figures


async def reads(session: aiohttp.ClientSession, stack: FullStack) -> dict[str, Any]:
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
                session, request, concurrency=concurrency, requests=READS[concurrency]
            )
            figures.setdefault(name, {})[f"c{concurrency}"] = result.figures()
    return figures


async def tiers(session: aiohttp.ClientSession, stack: FullStack) -> dict[str, Any]:
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
    paths = {
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
    figures: dict[str, Any] = {}
    for name, request in paths.items():
        await run_load(session, request, concurrency=1, requests=50)
        figures[name] = (
            await run_load(session, request, concurrency=1, requests=TIER_REQUESTS)
        ).figures()
    previous = None
    for name, figure in figures.items():
        if previous is not None:
            figure["hop_p50_ms"] = round(figure["p50_ms"] - figures[previous]["p50_ms"], 2)
        previous = name
    return figures


async def measure(stack: FullStack) -> dict[str, Any]:
    watch = MemoryWatch(stack)
    async with new_session(concurrency=max(CONCURRENCY)) as session:
        tier_figures = await tiers(session, stack)
        watch.start()
        read_figures = await reads(session, stack)
        order_figures = await orders(session, stack)
        await watch.stop()
    memory = {
        name: {"idle_mib": watch.idle[name], "load_mib": watch.peak[name]} for name in watch.idle
    }
    return {"orders": order_figures, "reads": read_figures, "tiers": tier_figures, "memory": memory}


def report_parts(figures: dict[str, Any]) -> dict[str, Any]:
    orders, reads, tiers = figures["orders"], figures["reads"], figures["tiers"]
    best_read = max(row["rps"] for rows in reads.values() for row in rows.values())
    headline = [
        {"figure": "partner order p50 at c1", "value": orders["c1"]["p50_ms"], "unit": "ms",
         "target": "<= 25 ms"},
        {"figure": "partner orders/s at c32", "value": orders["c32"]["rps"], "unit": "/s"},
        {"figure": "Salesforce API calls per order", "value":
         orders["c32"]["salesforce_calls_per_order"], "target": "<= 2"},
        {"figure": "catalog read p50 at c1", "value": reads["catalog"]["c1"]["p50_ms"],
         "unit": "ms", "target": "<= 8 ms"},
        {"figure": "360 read p50 at c1 (cached)", "value": reads["customer 360"]["c1"]["p50_ms"],
         "unit": "ms", "target": "<= 8 ms"},
        {"figure": "reads through the gateway, best req/s", "value": best_read, "unit": "/s",
         "target": ">= 500/s"},
        *[
            {"figure": f"hop to {name}, p50", "value": row["hop_p50_ms"], "unit": "ms"}
            for name, row in tiers.items()
            if "hop_p50_ms" in row
        ],
    ]  # fmt: skip
    charts = [
        {
            "title": "Partner orders through the gateway",
            "unit": "ms",
            "groups": {
                "p50": {c: row["p50_ms"] for c, row in orders.items()},
                "p99": {c: row["p99_ms"] for c, row in orders.items()},
            },
        },
        {
            "title": "Reads through the gateway (requests/s)",
            "unit": "requests/s",
            "groups": {
                name: {c: row["rps"] for c, row in rows.items()} for name, rows in reads.items()
            },
        },
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

    for concurrency, item in figures["orders"].items():
        lines.append(row(f"partner order (5 lines) {concurrency}", item))
    for name, rows in figures["reads"].items():
        for concurrency, item in rows.items():
            lines.append(row(f"{name} {concurrency}", item))
    for name, item in figures["tiers"].items():
        hop = f"  (+{item['hop_p50_ms']:.2f} ms)" if "hop_p50_ms" in item else ""
        lines.append(row(f"accounts read at the {name}", item) + hop)
    calls = figures["orders"]["c32"]["salesforce_calls_per_order"]
    lines.append(f"Salesforce API calls per order: {calls}")
    lines.append(f"{'memory (MiB)':<24}{'idle':>8}{'load':>8}")
    for name, memory in figures["memory"].items():
        lines.append(f"{name:<24}{memory['idle_mib']:>8.1f}{memory['load_mib']:>8.1f}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--plugin-mode", default="in-process")
    parser.add_argument("--erp", choices=("s4hana", "netsuite"), default="s4hana")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the requests to send")
    args = parser.parse_args()
    scale_requests(args.scale)
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="trivium-e2e-") as scratch,
        full_stack(Path(scratch), plugin_mode=args.plugin_mode, erp=args.erp) as stack,
    ):
        figures = asyncio.run(measure(stack))
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
