"""The mobile customer 360: latency at concurrency 20, cold and cached, and Salesforce API calls
per view.

Starts both emulators, both System APIs and the mobile Experience API on loopback with a private
Redis. A rep (anna.becker@trivium.demo, 20 accounts) first lists their accounts, as the app does.
Cold: the view cache is emptied, then every account is viewed once, 20 at a time, over several
rounds. Cached: the same views repeated while the cache holds them. Salesforce API calls come
from the Salesforce emulator's usage counter. Targets: <= 1 Salesforce call per cold view, 0
cached.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from typing import Any

import httpx
import redis.asyncio
from _load import percentile
from _script import argument_parser, print_table, publish, scratch_with_redis

from trivium_testing.keys import session_keys
from trivium_testing.services import start_service
from trivium_testing.stack import ADMIN_TOKEN, redis_db, start_system_stack

REP = "anna.becker@trivium.demo"
CONCURRENCY = 20
COLD_ROUNDS = 10
CACHED_VIEWS = 600
MOBILE_DB = 3


def summary(latencies: list[float], salesforce_calls: int) -> dict[str, Any]:
    return {
        "views": len(latencies),
        "concurrency": CONCURRENCY,
        "latency_ms_p50": round(percentile(latencies, 0.50) * 1000, 2),
        "latency_ms_p99": round(percentile(latencies, 0.99) * 1000, 2),
        "latency_ms_mean": round(statistics.fmean(latencies) * 1000, 2),
        "salesforce_calls": salesforce_calls,
        "salesforce_calls_per_view": round(salesforce_calls / len(latencies), 3),
    }


async def view_all(app: httpx.AsyncClient, urls: list[str]) -> list[float]:
    """View every url, CONCURRENCY at a time; each view must be a complete 200."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    for url in urls:
        queue.put_nowait(url)
    latencies: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            url = queue.get_nowait()
            started = time.perf_counter()
            response = await app.get(url)
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()
            sections = response.json()
            if any(sections[name]["status"] != "ok" for name in sections if name != "accountId"):
                raise RuntimeError(f"degraded view {url}: {sections}")

    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return latencies


async def run(mobile_url: str, admin_url: str, cache_url: str) -> dict[str, dict[str, Any]]:
    token = (
        session_keys()
        .issuer("gateway")
        .token_for(
            "mobile-experience", claims={"consumer": "rep-anna-becker", "salesforceUsername": REP}
        )
    )
    cache = redis.asyncio.Redis.from_url(cache_url)
    async with (
        httpx.AsyncClient(
            base_url=mobile_url,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
            limits=httpx.Limits(max_connections=CONCURRENCY),
        ) as app,
        httpx.AsyncClient(base_url=admin_url, headers={"X-Admin-Token": ADMIN_TOKEN}) as admin,
    ):

        async def used() -> int:
            calls: int = (await admin.get("/limits")).json()["used"]
            return calls

        listed = (await app.get("/mobile/v1/accounts", params={"limit": 200})).json()["items"]
        urls = [f"/mobile/v1/accounts/{row['id']}" for row in listed]
        await view_all(app, urls)  # warm-up: connections, tokens, price-free code paths
        cold: list[float] = []
        cold_calls = 0
        for _ in range(COLD_ROUNDS):
            async for key in cache.scan_iter(match="mobile:360:*"):
                await cache.delete(key)
            before = await used()
            cold += await view_all(app, urls)
            cold_calls += await used() - before
        before = await used()
        cached = await view_all(app, [urls[n % len(urls)] for n in range(CACHED_VIEWS)])
        cached_calls = await used() - before
    await cache.aclose()
    return {
        f"cold ({len(urls)} accounts x {COLD_ROUNDS})": summary(cold, cold_calls),
        "cached": summary(cached, cached_calls),
    }


def write_table(figures: dict[str, dict[str, Any]]) -> None:
    print_table(
        f"{'360 view':<26} {'views':>5} {'p50 ms':>8} {'p99 ms':>8} {'SF calls/view':>13}",
        (
            f"{name:<26} {figure['views']:>5} {figure['latency_ms_p50']:>8.2f} "
            f"{figure['latency_ms_p99']:>8.2f} {figure['salesforce_calls_per_view']:>13}"
            for name, figure in figures.items()
        ),
        f"(concurrency {CONCURRENCY}; target: <= 1 Salesforce call cold, 0 cached)",
    )


def main() -> int:
    args = argument_parser(__doc__).parse_args()
    with scratch_with_redis() as (run_dir, server):
        stack = start_system_stack(log_dir=run_dir, redis_url=server.url)
        mobile = None
        try:
            mobile = start_service(
                "mobile_experience.main:create_app",
                name="mobile-experience",
                log_dir=run_dir,
                env=stack.caller_env(
                    "mobile-experience",
                    db=MOBILE_DB,
                    MOBILE_VIEW_CACHE_TTL_SECONDS="300",
                ),
            )
            figures = asyncio.run(
                run(
                    mobile.url,
                    f"{stack.sf_emulator.url}/__admin",
                    redis_db(server.url, MOBILE_DB),
                )
            )
        finally:
            if mobile is not None:
                mobile.stop()
            stack.stop()
    return publish(figures, args.json, write_table)


if __name__ == "__main__":
    raise SystemExit(main())
