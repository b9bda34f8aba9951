"""Salesforce API calls spent per operation of the Salesforce System API, with wall time.

Starts the org emulator (in memory, demo seed) and the System API on loopback with a private Redis,
then measures each operation by the org's own `DailyApiRequests` counter: the difference of two
`/limits` reads around the operation, less the cost of the read itself (calibrated first).
Targets: quote read 1, order with 50 items 1, 1,000 products <= 5, 100,000 products <= 30.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from trivium.redis_discovery import find_redis, start_redis_server
from trivium.service_auth import ServiceTokenIssuer
from trivium.testing.services import start_service

SECRET = "bench-service-token-secret-0123456789abcdef"


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
    token = ServiceTokenIssuer(issuer="bench", secret=SECRET).token_for("salesforce-system")
    api = httpx.AsyncClient(
        base_url=api_url, headers={"Authorization": f"Bearer {token}"}, timeout=600
    )
    org = httpx.AsyncClient(base_url=emulator_url, timeout=60)
    login = await org.post(
        "/services/oauth2/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "trivium-demo-client",
            "client_secret": "trivium-demo-secret",
        },
    )
    org.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
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

    operations: dict[str, Callable[[], Awaitable[Any]]] = {
        "quote read": lambda: check(api.get(f"/quotes/{quote_id}")),
        "order create, 50 items": lambda: check(api.post("/orders", json=order_body)),
        "upsert 1,000 products": lambda: check(
            api.put("/products", json=products(1_000, "BENCH-K"))
        ),
        "upsert 100,000 products": lambda: check(
            api.put("/products", json=products(100_000, "BENCH-C"))
        ),
    }
    figures = {}
    for name, operation in operations.items():
        calls, seconds = await measure(org, overhead, operation)
        figures[name] = {"salesforce_calls": calls, "seconds": round(seconds, 3)}
    await api.aclose()
    await org.aclose()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trivium-bench-") as folder:
        run_dir = Path(folder)
        try:
            redis = start_redis_server(run_dir)
        except FileNotFoundError:
            redis = find_redis(run_dir)
        emulator = start_service(
            "salesforce_emulator.main:create_app",
            name="sf-emulator",
            log_dir=run_dir,
            env={"SF_EMULATOR_DATABASE_PATH": str(run_dir / "org.sqlite3")},
        )
        api = start_service(
            "salesforce_system.main:create_app",
            name="salesforce-system",
            log_dir=run_dir,
            env={
                "REDIS_URL": redis.url,
                "TRIVIUM_SERVICE_TOKEN_SECRET": SECRET,
                "SF_SYSTEM_LOGIN_URL": emulator.url,
                "SF_SYSTEM_BULK_POLL_SECONDS": "0.2",
            },
        )
        try:
            figures = asyncio.run(run(emulator.url, api.url))
        finally:
            api.stop()
            emulator.stop()
            redis.stop()
    print(f"{'operation':<28} {'SF API calls':>12} {'wall time':>10}")
    for name, figure in figures.items():
        print(f"{name:<28} {figure['salesforce_calls']:>12} {figure['seconds']:>9.3f}s")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
