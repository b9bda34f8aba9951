"""Salesforce API calls spent per operation: Trivium's System API beside a per-record client.

Starts the org emulator (in memory, demo seed) and the System API on loopback with a private Redis,
then measures each operation by the org's own `DailyApiRequests` counter: the difference of two
`/limits` reads around the operation, less the cost of the read itself (calibrated first).
Targets: quote read 1, order with 50 items 1, 1,000 products <= 5, 100,000 products <= 30.

The same operations done the straightforward way (simple-salesforce, one call per record, see
`_per_record_salesforce.py`) run against the same org in the same run, and each row reports the
ratio. The per-record upsert of 100,000 products is measured on 2,000 of them and scaled: its
calls are exactly one per record, its time is the measured rate (that run alone would take
minutes).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from _per_record_salesforce import (
    connect,
    read_account_overview,
    read_quote,
    upsert_products,
    write_order,
)
from _script import ServicePlan, argument_parser, scratch_with_redis, started_in_order

from trivium_testing.keys import session_keys
from trivium_testing.stack import sign_in_to_org

PER_RECORD_SAMPLE = 2_000


async def remaining(org: httpx.AsyncClient) -> int:
    response = await org.get("/services/data/v62.0/limits")
    return int(response.json()["DailyApiRequests"]["Remaining"])


async def measure(
    org: httpx.AsyncClient, overhead: int, operation: Callable[[], Awaitable[Any]]
) -> tuple[int, float]:
    before = await remaining(org)
    started = time.perf_counter()
    await operation()
    seconds = time.perf_counter() - started
    after = await remaining(org)
    return before - after - overhead, seconds


async def run(emulator_url: str, api_url: str) -> dict[str, dict[str, float]]:
    token = session_keys().issuer("quote-to-order").token_for("salesforce-system")
    api = httpx.AsyncClient(
        base_url=api_url, headers={"Authorization": f"Bearer {token}"}, timeout=600
    )
    org = httpx.AsyncClient(base_url=emulator_url, timeout=60)
    await sign_in_to_org(org)
    quote = (
        await org.get(
            "/services/data/v62.0/query",
            params={"q": "SELECT Id FROM Quote WHERE Status = 'Accepted' LIMIT 1"},
        )
    ).json()
    quote_id = quote["records"][0]["Id"]
    account = (await api.get("/accounts", params={"accountNumber": "P-1001"})).json()["items"][0]
    await api.get("/limits")  # warm the session and the price book cache outside the figures
    order_body = {
        "accountId": account["id"],
        "effectiveDate": "2026-11-28",
        "items": [{"sku": f"MAT-{(n % 40) + 1:04d}", "quantity": "1"} for n in range(50)],
    }
    await api.post("/orders", json=order_body)

    first, second = await remaining(org), await remaining(org)
    overhead = first - second

    async def check(response: Awaitable[httpx.Response]) -> None:
        answer = await response
        answer.raise_for_status()

    def products(count: int, prefix: str) -> dict[str, Any]:
        return {
            "products": [{"sku": f"{prefix}-{n:06d}", "name": f"Bench {n}"} for n in range(count)]
        }

    quote = (await api.get(f"/quotes/{quote_id}")).json()
    quote_order = {
        "accountId": quote["account"]["id"],
        "quoteId": quote_id,
        "effectiveDate": "2026-11-28",
        "items": [
            {"sku": line["sku"], "quantity": line["quantity"]}
            for line in quote["lines"]
            if line.get("sku")
        ],
    }

    async def quote_to_order() -> None:
        await check(api.get(f"/quotes/{quote_id}"))
        await check(api.post("/orders", json=quote_order))

    async def overview() -> None:
        response = await api.get(f"/accounts/{account['id']}/overview")
        if response.status_code == 404:
            for path in ("", "/contacts", "/opportunities"):
                await check(api.get(f"/accounts/{account['id']}{path}"))
        else:
            response.raise_for_status()

    ours: dict[str, Callable[[], Awaitable[Any]]] = {
        "quote read": lambda: check(api.get(f"/quotes/{quote_id}")),
        "quote to order write-back": quote_to_order,
        "order create, 50 items": lambda: check(api.post("/orders", json=order_body)),
        "account overview (CRM part of 360)": overview,
        "upsert 1,000 products": lambda: check(
            api.put("/products", json=products(1_000, "BENCH-K"))
        ),
        "upsert 100,000 products": lambda: check(
            api.put("/products", json=products(100_000, "BENCH-C"))
        ),
    }
    figures: dict[str, dict[str, float]] = {}
    for name, operation in ours.items():
        calls, seconds = await measure(org, overhead, operation)
        figures[name] = {"salesforce_calls": calls, "seconds": round(seconds, 3)}

    sf = await asyncio.to_thread(connect, str(org.base_url).rstrip("/"))
    pricebook = sf.query("SELECT Id FROM Pricebook2 WHERE IsStandard = true")["records"][0]["Id"]
    order_lines = [{"sku": f"MAT-{(n % 40) + 1:04d}", "quantity": 1} for n in range(50)]
    fifty_items = {
        "quote": {"Id": quote_id, "OpportunityId": quote["opportunityId"]},
        "account": {"Id": account["id"]},
        "lines": await asyncio.to_thread(_entries_for, sf, pricebook, order_lines),
    }
    per_record: dict[str, Callable[[], Any]] = {
        "quote read": lambda: read_quote(sf, quote_id),
        "quote to order write-back": lambda: write_order(
            sf, read_quote(sf, quote_id), pricebook_id=pricebook, erp_number="PR-1"
        ),
        "order create, 50 items": lambda: write_order(
            sf, fifty_items, pricebook_id=pricebook, erp_number="PR-2"
        ),
        "account overview (CRM part of 360)": lambda: read_account_overview(sf, account["id"]),
        "upsert 1,000 products": lambda: upsert_products(sf, products(1_000, "PR-K")["products"]),
        "upsert 100,000 products": lambda: upsert_products(
            sf, products(PER_RECORD_SAMPLE, "PR-C")["products"]
        ),
    }
    for name, run_per_record in per_record.items():
        calls, seconds = await measure(org, overhead, lambda f=run_per_record: asyncio.to_thread(f))
        if name == "upsert 100,000 products":
            scale = 100_000 / PER_RECORD_SAMPLE
            calls, seconds = round(calls * scale), seconds * scale
        figures[name] |= {
            "per_record_calls": calls,
            "per_record_seconds": round(seconds, 3),
            "calls_ratio": round(calls / max(figures[name]["salesforce_calls"], 1), 1),
            "speedup": round(seconds / max(figures[name]["seconds"], 1e-6), 1),
        }
    await api.aclose()
    await org.aclose()
    return figures


def _entries_for(sf: Any, pricebook: str, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Quote-like lines (price book entry, quantity, unit price) for skus, read once up front."""
    rows = sf.query_all(
        "SELECT Id, UnitPrice, Product2.ERP_Material__c FROM PricebookEntry "
        f"WHERE Pricebook2Id = '{pricebook}'"
    )["records"]
    by_sku = {row["Product2"]["ERP_Material__c"]: row for row in rows}
    return [
        {
            "PricebookEntryId": by_sku[line["sku"]]["Id"],
            "Quantity": line["quantity"],
            "UnitPrice": by_sku[line["sku"]]["UnitPrice"],
        }
        for line in lines
    ]


def compared(
    figures: dict[str, dict[str, float]], trivium: str, per_record: str
) -> dict[str, dict[str, float]]:
    """One chart's bars: a figure of each operation through Trivium and per record."""
    return {
        "Trivium System API": {name: row[trivium] for name, row in figures.items()},
        "per-record simple-salesforce": {name: row[per_record] for name, row in figures.items()},
    }


def with_report(figures: dict[str, dict[str, float]]) -> dict[str, Any]:
    """The figures plus the report's headline rows and charts."""
    headline = [
        {
            "figure": f"{name}: Salesforce calls, Trivium vs per-record",
            "value": f"{row['salesforce_calls']:.0f} vs {row['per_record_calls']:.0f}",
            "unit": f"({row['calls_ratio']}x fewer, {row['speedup']}x faster)",
        }
        for name, row in figures.items()
    ]
    charts = [
        {
            "title": "Salesforce API calls per operation (log scale: fewer is better)",
            "unit": "calls",
            "groups": compared(figures, "salesforce_calls", "per_record_calls"),
            "log": True,
        },
        {
            "title": "Wall time per operation",
            "unit": "seconds",
            "groups": compared(figures, "seconds", "per_record_seconds"),
            "log": True,
        },
    ]
    return {**figures, "headline": headline, "charts": charts}


def main() -> int:
    args = argument_parser(__doc__).parse_args()
    with scratch_with_redis() as (run_dir, redis):
        plan: list[ServicePlan] = [
            ("sf-emulator", "salesforce_emulator.main:create_app",
             lambda _: {"SF_EMULATOR_DATABASE_PATH": str(run_dir / "org.sqlite3")}),
            ("salesforce-system", "salesforce_system.main:create_app",
             lambda s: {"REDIS_URL": redis.url, "SF_SYSTEM_LOGIN_URL": s["sf-emulator"].url,
                        "SF_SYSTEM_BULK_POLL_SECONDS": "0.2"}),
        ]  # fmt: skip
        with started_in_order(plan, log_dir=run_dir) as services:
            figures = asyncio.run(
                run(services["sf-emulator"].url, services["salesforce-system"].url)
            )
    print(
        f"{'operation':<36} {'Trivium calls':>13} {'time':>9}   {'per-record calls':>16} "
        f"{'time':>9}   {'calls ratio':>11} {'speed-up':>8}"
    )
    for name, figure in figures.items():
        print(
            f"{name:<36} {figure['salesforce_calls']:>13.0f} {figure['seconds']:>8.3f}s   "
            f"{figure['per_record_calls']:>16.0f} {figure['per_record_seconds']:>8.3f}s   "
            f"{figure['calls_ratio']:>10.1f}x {figure['speedup']:>7.1f}x"
        )
    if args.json:
        args.json.write_text(json.dumps(with_report(figures), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
