"""Customer-sync: change event propagation latency (p50/p99), ERP poll propagation latency,
and products synced per second with the Salesforce API calls they used.

Starts a private Redis, both emulators (in memory, demo data), both System APIs and the
customer-sync service on loopback. Links CRM accounts to ten ERP-only customers, then edits
their phone numbers in the CRM (one edit every `--interval` seconds, as users would) and takes,
for each edit, the time from just before the CRM write to the moment customer-sync had written
the new value to the ERP (the `at` of the edit's audit entry). Then changes the credit limit of
each of those customers in the ERP (OData), `--erp-rounds` times, and takes the time from just
before the ERP write to customer-sync's write to the CRM (ERP polls every `--poll-seconds`; a
round waits for every change of the one before). Then generates `--products`
materials in the ERP with stock and list prices and runs one product sync
(`POST /syncs/products`): products per second from the sync's own start and finish times, and
the Salesforce API calls used, from the org emulator's daily counter before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import datetime
from typing import Any

import httpx
from _load import percentile
from _script import ServicePlan, argument_parser, publish, scratch_with_redis, started_in_order

from trivium.redis_discovery import RedisEndpoint
from trivium_testing.services import RunningService
from trivium_testing.stack import replay_id_of, usual_caller_auth

SAP_USER = ("TRIVIUM_COMM_USER", "Trivium-Demo-Pass1")
ADMIN_TOKEN = "bench-admin-token"
DATA = "/services/data/v62.0"
CUSTOMERS = tuple(str(number) for number in range(1_000_020, 1_000_030))
TIMEOUT_SECONDS = 900
BULK_POLL_SECONDS = 0.1


class Stack:
    """Clients of the running services, with the right tokens."""

    def __init__(self, services: dict[str, RunningService]) -> None:

        def client(name: str, audience: str) -> httpx.AsyncClient:
            return httpx.AsyncClient(
                base_url=services[name].url,
                auth=usual_caller_auth(audience),
                timeout=120,
            )

        sf_url, s4_url = services["sf-emulator"].url, services["s4-emulator"].url
        self.sync = client("customer-sync", "customer-sync")
        self.erp = client("erp-system", "erp-system")
        self.org = httpx.AsyncClient(base_url=sf_url, timeout=60)
        admin = {"X-Admin-Token": ADMIN_TOKEN}
        self.sf_admin = httpx.AsyncClient(base_url=f"{sf_url}/__admin", headers=admin)
        self.s4_admin = httpx.AsyncClient(base_url=f"{s4_url}/__admin", headers=admin, timeout=300)
        self.sap = httpx.AsyncClient(
            base_url=f"{s4_url}/sap/opu/odata/sap", auth=SAP_USER, params={"sap-client": "100"},
            headers={"Accept": "application/json"}, timeout=60,
        )  # fmt: skip

    async def sign_in(self) -> None:
        token = await self.org.post(
            "/services/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": "trivium-demo-client",
                  "client_secret": "trivium-demo-secret"},
        )  # fmt: skip
        self.org.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    async def close(self) -> None:
        for client in (self.sync, self.erp, self.org, self.sf_admin, self.s4_admin, self.sap):
            await client.aclose()

    async def api_calls_used(self) -> int:
        used: int = (await self.sf_admin.get("/limits")).json()["used"]
        return used

    async def position(self) -> int:
        """The replay id of the last account change customer-sync committed (0: none)."""
        position: str = (await self.sync.get("/status")).json()["changeEvents"].get("position", "")
        return replay_id_of(position)


async def link_accounts(stack: Stack) -> list[tuple[str, str]]:
    """A CRM account per customer (same name), once customer-sync has seen them all."""
    before = await stack.position()
    accounts = []
    for customer in CUSTOMERS:
        name = (await stack.erp.get(f"/customers/{customer}/profile")).json()["name"]
        created = await stack.org.post(
            f"{DATA}/sobjects/Account", json={"Name": name, "ERP_Customer_Number__c": customer}
        )
        created.raise_for_status()
        accounts.append((created.json()["id"], customer))
    for _ in range(600):
        position = await stack.position()
        if position >= before + len(CUSTOMERS):
            return accounts
        await asyncio.sleep(0.05)
    raise RuntimeError("customer-sync did not see the new accounts")


async def measure_propagation(
    stack: Stack, accounts: list[tuple[str, str]], *, edits: int, interval: float
) -> dict[str, Any]:
    written: dict[str, float] = {}
    for number in range(edits):
        account_id, _ = accounts[number % len(accounts)]
        phone = f"+49 30 {number:07d}"
        written[phone] = time.time()
        response = await stack.org.patch(
            f"{DATA}/sobjects/Account/{account_id}", json={"Phone": phone}
        )
        response.raise_for_status()
        await asyncio.sleep(interval)
    arrived: dict[str, float] = {}
    for _ in range(600):
        for entry in (await stack.sync.get("/audit", params={"limit": 1000})).json():
            phone = entry["after"].get("phone")
            if phone in written:
                arrived[phone] = datetime.fromisoformat(entry["at"]).timestamp()
        if len(arrived) == len(written):
            break
        await asyncio.sleep(0.2)
    latencies = [arrived[phone] - written[phone] for phone in arrived]
    return {
        "edits": edits,
        "applied": len(arrived),
        "interval_ms": round(interval * 1000),
        "latency_ms_p50": round(percentile(latencies, 0.50) * 1000, 1),
        "latency_ms_p99": round(percentile(latencies, 0.99) * 1000, 1),
        "latency_ms_mean": round(statistics.fmean(latencies) * 1000, 1),
    }


async def measure_erp_polls(
    stack: Stack, accounts: list[tuple[str, str]], *, rounds: int, poll_seconds: float
) -> dict[str, Any]:
    fetched = await stack.sap.get("/API_BUSINESS_PARTNER/", headers={"X-CSRF-Token": "Fetch"})
    headers = {"X-CSRF-Token": fetched.headers["x-csrf-token"], "If-Match": "*"}
    latencies: list[float] = []
    for round_number in range(rounds):
        written: dict[tuple[str, str], float] = {}
        for index, (account_id, customer) in enumerate(accounts):
            amount = 40_000 + round_number * 100 + index
            written[(account_id, f"{amount}.00")] = time.time()
            response = await stack.sap.patch(
                "/API_CRDTMBUSINESSPARTNER/CreditManagementAccount("
                f"BusinessPartner='{customer}',CreditSegment='1000')",
                json={"CreditLimitAmount": str(amount)},
                headers=headers,
            )
            response.raise_for_status()
        arrived: dict[tuple[str, str], float] = {}
        for _ in range(600):
            for entry in (await stack.sync.get("/audit", params={"limit": 1000})).json():
                key = (entry["entityId"], entry["after"].get("creditLimit"))
                if key in written and entry["reason"] == "erp_change":
                    arrived[key] = datetime.fromisoformat(entry["at"]).timestamp()
            if len(arrived) == len(written):
                break
            await asyncio.sleep(0.2)
        latencies += [arrived[key] - written[key] for key in arrived]
    return {
        "changes": rounds * len(accounts),
        "applied": len(latencies),
        "poll_ms": round(poll_seconds * 1000),
        "latency_ms_p50": round(percentile(latencies, 0.50) * 1000, 1),
        "latency_ms_p99": round(percentile(latencies, 0.99) * 1000, 1),
        "latency_ms_mean": round(statistics.fmean(latencies) * 1000, 1),
    }


async def measure_product_sync(stack: Stack, *, products: int) -> dict[str, Any]:
    generated = await stack.s4_admin.post(
        "/catalog/generate", json={"count": products, "prefix": "BEN-"}
    )
    generated.raise_for_status()
    before = await stack.api_calls_used()
    started = await stack.sync.post("/syncs/products")
    started.raise_for_status()
    location = started.headers["location"]
    sync: dict[str, Any] = {}
    for _ in range(6_000):
        sync = (await stack.sync.get(location)).json()
        if sync["status"] != "running":
            break
        await asyncio.sleep(0.1)
    calls = await stack.api_calls_used() - before
    seconds = (
        datetime.fromisoformat(sync["finishedAt"]) - datetime.fromisoformat(sync["startedAt"])
    ).total_seconds()
    return {
        "status": sync["status"],
        "products": sync["processed"],
        "failed": sync["failed"],
        "seconds": round(seconds, 2),
        "products_per_second": round(sync["processed"] / seconds, 1),
        "crm_bulk_upserts": sync["crmBatches"],
        "bulk_poll_seconds": BULK_POLL_SECONDS,
        "salesforce_api_calls": calls,
    }


async def run(services: dict[str, RunningService], args: argparse.Namespace) -> dict[str, Any]:
    stack = Stack(services)
    try:
        await stack.sign_in()
        accounts = await link_accounts(stack)
        return {
            "cdc propagation": await measure_propagation(
                stack, accounts, edits=args.edits, interval=args.interval
            ),
            "erp poll propagation": await measure_erp_polls(
                stack, accounts, rounds=args.erp_rounds, poll_seconds=args.poll_seconds
            ),
            "product sync": await measure_product_sync(stack, products=args.products),
        }
    finally:
        await stack.close()


def stack_plan(redis: RedisEndpoint, *, chunk_size: int, poll_seconds: float) -> list[ServicePlan]:
    """The services this benchmark runs, in start order."""
    shared = {"REDIS_URL": redis.url}
    plan: list[ServicePlan] = [
        ("sf-emulator", "salesforce_emulator.main:create_app",
         lambda _: {"SF_EMULATOR_DATABASE_PATH": ":memory:",
                    "SF_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN}),
        ("s4-emulator", "s4hana_emulator.main:create_app",
         lambda _: {"S4_EMULATOR_DATABASE_PATH": ":memory:", "S4_EMULATOR_LIFECYCLE_SPEED": "0",
                    "S4_EMULATOR_ADMIN_TOKEN": ADMIN_TOKEN}),
        # Bulk jobs of a few thousand rows finish in about a second: look at them early.
        ("salesforce-system", "salesforce_system.main:create_app",
         lambda s: {**shared, "SF_SYSTEM_LOGIN_URL": s["sf-emulator"].url,
                    "SF_SYSTEM_BULK_POLL_SECONDS": str(BULK_POLL_SECONDS)}),
        ("erp-system", "erp_system.main:create_app",
         lambda s: {**shared, "ERP_SYSTEM_BASE_URL": s["s4-emulator"].url}),
        ("customer-sync", "customer_sync_process.main:create_app",
         lambda s: {**shared,
                    "CUSTOMER_SYNC_SALESFORCE_SYSTEM_URL": s["salesforce-system"].url,
                    "CUSTOMER_SYNC_ERP_SYSTEM_URL": s["erp-system"].url,
                    "CUSTOMER_SYNC_PRODUCT_CHUNK_SIZE": str(chunk_size),
                    "CUSTOMER_SYNC_ERP_POLL_SECONDS": str(poll_seconds)}),
    ]  # fmt: skip
    return plan


def write_table(figures: dict[str, dict[str, Any]]) -> None:
    cdc, products = figures["cdc propagation"], figures["product sync"]
    polls = figures["erp poll propagation"]
    rows = [
        "CRM edit -> ERP write (change events)",
        f"  edits {cdc['edits']} (one per {cdc['interval_ms']} ms), applied {cdc['applied']}",
        f"  latency ms p50 {cdc['latency_ms_p50']}, p99 {cdc['latency_ms_p99']}, "
        f"mean {cdc['latency_ms_mean']}",
        "ERP edit -> CRM write (delta polls)",
        f"  changes {polls['changes']} (poll every {polls['poll_ms']} ms), "
        f"applied {polls['applied']}",
        f"  latency ms p50 {polls['latency_ms_p50']}, p99 {polls['latency_ms_p99']}, "
        f"mean {polls['latency_ms_mean']}",
        "ERP stock and prices -> CRM products (one sync)",
        f"  products {products['products']} ({products['failed']} failed) in "
        f"{products['seconds']} s: {products['products_per_second']} products/s",
        f"  Salesforce API calls {products['salesforce_api_calls']} "
        f"({products['crm_bulk_upserts']} bulk upserts)",
    ]
    sys.stdout.write("\n".join(rows) + "\n")


def main() -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.05, help="Seconds between edits.")
    parser.add_argument(
        "--erp-rounds", type=int, default=3, help="Credit limit changes per customer."
    )
    parser.add_argument(
        "--poll-seconds", type=float, default=1.0, help="customer-sync's ERP poll interval."
    )
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument(
        "--chunk-size", type=int, default=10_000, help="Products per CRM bulk upsert."
    )
    args = parser.parse_args()
    with scratch_with_redis() as (run_dir, redis):
        plan = stack_plan(redis, chunk_size=args.chunk_size, poll_seconds=args.poll_seconds)
        with started_in_order(plan, log_dir=run_dir) as services:
            figures = asyncio.run(asyncio.wait_for(run(services, args), TIMEOUT_SECONDS))
    return publish(figures, args.json, write_table)


if __name__ == "__main__":
    raise SystemExit(main())
