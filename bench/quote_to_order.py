"""Quote-to-order: orders per second, p50/p99 latency and Salesforce API calls per order.

Starts a private Redis, the Salesforce and S/4HANA emulators (in memory, demo data), both System
APIs and the quote-to-order service on loopback. Raises the two partners' credit limits in the
ERP (so that every order fits), places a few warm-up orders (they fill the price book cache of the
Salesforce System API), then places 1,000 partner orders of 5 lines at concurrency 20 through
`POST /orders` in its synchronous mode: each answer is the order completed in both systems. Then
the same for 100 accepted quotes, created in the CRM emulator beforehand at the ERP's prices.
Salesforce API calls are read from the org emulator's daily counter before and after each run.
Target: at most 2 Salesforce API calls per order (one read, one write). To show where the time
goes, each service's CPU time per order is reported too (from /proc: on a small machine the
services share its cores, so throughput is bound by their sum, and p50 at a fixed concurrency is
that concurrency over the throughput).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import time
from collections import Counter
from collections.abc import Awaitable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from _full_stack import raise_s4_credit_limits
from _load import percentile
from _script import (
    ServicePlan,
    argument_parser,
    print_table,
    publish,
    scratch_with_redis,
    started_in_order,
)

from trivium.redis_discovery import RedisEndpoint
from trivium_testing.integration import OrgRecords
from trivium_testing.services import RunningService
from trivium_testing.stack import EXPOSURE_VIEW_ENV, sign_in_to_org, usual_caller_auth

ADMIN_TOKEN = "bench-admin-token"
PARTNERS = (("P-1001", "1000001"), ("P-1002", "1000002"))
# Materials in stock at plant 1010 (every fifth and tenth one is low or out of stock).
SKUS = tuple(f"MAT-{n:04d}" for n in range(1, 41) if n % 5)
WARMUP = 5
TIMEOUT_SECONDS = 600


def cpu_seconds(services: dict[str, RunningService]) -> dict[str, float]:
    """User + system CPU time each service process has used so far (Linux `/proc`)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for name, service in services.items():
        try:
            # Fields after the command name, which is in parentheses and may hold spaces.
            fields = Path(f"/proc/{service.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[name] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def order_bodies(count: int, lines: int, *, run: str) -> list[dict[str, Any]]:
    """Direct orders spread over both partners, each with `lines` different skus."""
    skus = itertools.cycle(SKUS)
    bodies = []
    for number in range(count):
        account, _ = PARTNERS[number % len(PARTNERS)]
        bodies.append(
            {
                "accountNumber": account,
                "purchaseOrderNumber": f"BENCH-{run}-{number:05d}",
                "lines": [
                    {"sku": next(skus), "quantity": str(1 + (number + line) % 3)}
                    for line in range(lines)
                ],
            }
        )
    return bodies


class Org(OrgRecords):
    """The CRM emulator: quotes to order, and its API request counter."""

    def __init__(self, client: httpx.AsyncClient, admin: httpx.AsyncClient) -> None:
        super().__init__(client)
        self.admin = admin

    async def api_calls_used(self) -> int:
        used: int = (await self.admin.get("/limits")).json()["used"]
        return used

    async def accepted_quotes(
        self, count: int, lines: int, prices: dict[str, dict[str, str]]
    ) -> list[str]:
        """`count` accepted quotes of the partners, priced at each customer's ERP prices."""
        entries = {
            row["Product2"]["ERP_Material__c"]: row
            for row in await self.query(
                "SELECT Id, Pricebook2Id, Product2.ERP_Material__c FROM PricebookEntry "
                "WHERE Pricebook2.IsStandard = true"
            )
        }
        accounts = {
            number: (await self.query(f"SELECT Id FROM Account WHERE AccountNumber = '{number}'"))[
                0
            ]["Id"]
            for number, _ in PARTNERS
        }
        skus = itertools.cycle(SKUS)
        quotes = []
        for number in range(count):
            account, customer = PARTNERS[number % len(PARTNERS)]
            book = next(iter(entries.values()))["Pricebook2Id"]
            opportunity = await self.insert(
                "Opportunity",
                {
                    "Name": f"Bench {number}",
                    "AccountId": accounts[account],
                    "StageName": "Negotiation/Review",
                    "CloseDate": (date.today() + timedelta(days=30)).isoformat(),
                    "Pricebook2Id": book,
                },
            )
            quote = await self.insert(
                "Quote",
                {
                    "Name": f"Bench quote {number}",
                    "OpportunityId": opportunity,
                    "Pricebook2Id": book,
                    "Status": "Accepted",
                    "ExpirationDate": (date.today() + timedelta(days=30)).isoformat(),
                },
            )
            for line in range(lines):
                sku = next(skus)
                await self.insert(
                    "QuoteLineItem",
                    {
                        "QuoteId": quote,
                        "PricebookEntryId": entries[sku]["Id"],
                        "Quantity": 1 + line % 3,
                        "UnitPrice": float(prices[customer][sku]),
                    },
                )
            quotes.append(quote)
        return quotes


async def erp_prices(erp: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    """Each partner's ERP price of every benchmarked sku."""
    prices: dict[str, dict[str, str]] = {}
    for _, customer in PARTNERS:
        response = await erp.post(
            "/sales-orders:simulate",
            json={"customerId": customer, "lines": [{"sku": s, "quantity": "1"} for s in SKUS]},
        )
        response.raise_for_status()
        prices[customer] = {
            line["sku"]: line["unitPrice"]["amount"] for line in response.json()["lines"]
        }
    return prices


async def place_all(
    orders: httpx.AsyncClient, bodies: list[dict[str, Any]], *, concurrency: int, run: str
) -> tuple[list[float], Counter[int], float]:
    """Place every order, `concurrency` at a time; latencies, status counts, wall time."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()

    async def place(number: int, body: dict[str, Any]) -> None:
        async with gate:
            started = time.perf_counter()
            response = await orders.post(
                "/orders", json=body, headers={"Idempotency-Key": f"{run}-{number}"}
            )
            latencies.append(time.perf_counter() - started)
            statuses[response.status_code] += 1

    started = time.perf_counter()
    await asyncio.gather(*(place(n, body) for n, body in enumerate(bodies)))
    return latencies, statuses, time.perf_counter() - started


async def measure(
    org: Org,
    orders: httpx.AsyncClient,
    bodies: list[dict[str, Any]],
    *,
    services: dict[str, RunningService],
    concurrency: int,
    run: str,
) -> dict[str, Any]:
    before = await org.api_calls_used()
    cpu_before = cpu_seconds(services)
    latencies, statuses, wall = await place_all(orders, bodies, concurrency=concurrency, run=run)
    cpu_after = cpu_seconds(services)
    calls = await org.api_calls_used() - before
    return {
        "orders": len(bodies),
        "lines_per_order": len(bodies[0].get("lines", [])) or None,
        "concurrency": concurrency,
        "completed_201": statuses.get(201, 0),
        "other_statuses": {str(s): n for s, n in statuses.items() if s != 201},
        "orders_per_second": round(len(bodies) / wall, 2),
        "latency_ms_p50": round(percentile(latencies, 0.50) * 1000, 1),
        "latency_ms_p99": round(percentile(latencies, 0.99) * 1000, 1),
        "latency_ms_mean": round(statistics.fmean(latencies) * 1000, 1),
        "salesforce_api_calls_per_order": round(calls / len(bodies), 3),
        # Where the time goes: on a small machine the services share the cores.
        "cpu_ms_per_order": {
            name: round((cpu_after[name] - cpu_before[name]) * 1000 / len(bodies), 1)
            for name in cpu_after
            if name in cpu_before
        },
    }


async def run(services: dict[str, RunningService], args: argparse.Namespace) -> dict[str, Any]:

    def service(name: str, audience: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=services[name].url,
            auth=usual_caller_auth(audience),
            timeout=120,
            limits=httpx.Limits(max_connections=args.concurrency * 2),
        )

    sf_url = services["sf-emulator"].url
    async with (
        service("quote-to-order", "quote-to-order") as orders,
        service("erp-system", "erp-system") as erp,
        httpx.AsyncClient(base_url=sf_url, timeout=60) as crm,
        httpx.AsyncClient(
            base_url=f"{sf_url}/__admin", headers={"X-Admin-Token": ADMIN_TOKEN}
        ) as admin,
    ):
        await sign_in_to_org(crm)
        org = Org(crm, admin)
        # Credit limits that a thousand orders cannot exhaust.
        customers = [customer for _, customer in PARTNERS]
        await asyncio.to_thread(raise_s4_credit_limits, services["s4-emulator"].url, customers)
        await place_all(
            orders, order_bodies(WARMUP, args.lines, run="W"), concurrency=WARMUP, run="warm"
        )
        figures = {
            "partner orders": await measure(
                org,
                orders,
                order_bodies(args.orders, args.lines, run="D"),
                services=services,
                concurrency=args.concurrency,
                run="direct",
            )
        }
        if args.quotes:
            quotes = await org.accepted_quotes(args.quotes, args.lines, await erp_prices(erp))
            figures["orders from quotes"] = await measure(
                org,
                orders,
                [{"quoteId": quote} for quote in quotes],
                services=services,
                concurrency=args.concurrency,
                run="quotes",
            )
            figures["orders from quotes"]["lines_per_order"] = args.lines
    return figures


def stack_plan(redis: RedisEndpoint) -> list[ServicePlan]:
    """The services this benchmark runs, in start order."""
    shared = {"REDIS_URL": redis.url}
    plan: list[ServicePlan] = [
        (
            "sf-emulator",
            "salesforce_emulator.main:create_app",
            lambda _: {
                "SF_EMULATOR_DATABASE_PATH": ":memory:",
                "SF_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN,
            },
        ),
        (
            "s4-emulator",
            "s4hana_emulator.main:create_app",
            lambda _: {
                "S4_EMULATOR_DATABASE_PATH": ":memory:",
                "S4_EMULATOR_LIFECYCLE_SPEED": "0",
                "S4_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN,
            },
        ),
        (
            "salesforce-system",
            "salesforce_system.main:create_app",
            lambda s: {**shared, "SF_SYSTEM_LOGIN_URL": s["sf-emulator"].url},
        ),
        (
            "erp-system",
            "erp_system.main:create_app",
            lambda s: {
                **shared,
                "ERP_SYSTEM_BASE_URL": s["s4-emulator"].url,
                **EXPOSURE_VIEW_ENV,
            },
        ),
        (
            "quote-to-order",
            "quote_to_order_process.main:create_app",
            lambda s: {
                **shared,
                "QUOTE_TO_ORDER_SALESFORCE_SYSTEM_URL": s["salesforce-system"].url,
                "QUOTE_TO_ORDER_ERP_SYSTEM_URL": s["erp-system"].url,
            },
        ),
    ]
    return plan


def write_table(figures: dict[str, dict[str, Any]]) -> None:
    rows = []
    for name, f in figures.items():
        rows.append(
            f"{name:<20} {f['orders']:>6} {f['lines_per_order']:>5} {f['concurrency']:>4} "
            f"{f['completed_201']:>5} {f['orders_per_second']:>9.2f} {f['latency_ms_p50']:>8.1f} "
            f"{f['latency_ms_p99']:>8.1f} {f['salesforce_api_calls_per_order']:>14.3f}"
        )
        if f["other_statuses"]:
            rows.append(f"  other answers: {f['other_statuses']}")
        if f["cpu_ms_per_order"]:
            cpu = ", ".join(f"{name} {ms}" for name, ms in f["cpu_ms_per_order"].items())
            rows.append(f"  CPU ms per order: {cpu}")
    print_table(
        f"{'run':<20} {'orders':>6} {'lines':>5} {'conc':>4} {'201':>5} {'orders/s':>9} "
        f"{'p50 ms':>8} {'p99 ms':>8} {'SF calls/order':>14}",
        rows,
        "(synchronous mode: each 201 is an order completed in the ERP and the CRM;",
        " target: at most 2 Salesforce API calls per order)",
    )


def main() -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--quotes", type=int, default=100, help="Orders from quotes (0: none).")
    args = parser.parse_args()
    with (
        scratch_with_redis() as (run_dir, redis),
        started_in_order(stack_plan(redis), log_dir=run_dir) as services,
    ):
        figures = asyncio.run(bounded(run(services, args)))
    return publish(figures, args.json, write_table)


async def bounded(work: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    return await asyncio.wait_for(work, TIMEOUT_SECONDS)


if __name__ == "__main__":
    raise SystemExit(main())
