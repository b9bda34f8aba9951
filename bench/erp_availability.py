"""Availability of 50 skus from the ERP System API: SAP round trips per call and latency.

Starts the S/4HANA emulator (in memory, demo seed) and the ERP System API on loopback with a
private Redis. Measures `POST /availability` for 50 skus (the seeded materials, padded with
unknown skus) over repeated rounds, twice: through the running service (SAP round trips read
from its `trivium_backend_calls_total{backend="s4hana"}` counter) and through the S/4HANA adapter
in this process (round trips counted by its OData client). Target: 1 SAP round trip per call
once the CSRF token is held; the first call also fetches the token.

`--erp netsuite` measures the same call on the NetSuite emulator through the service (one SuiteQL
query per 200 skus; round trips from the `backend="netsuite"` counter); `--rounds N` sets the
number of measured calls (a smoke run: `--rounds 10`).
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from typing import Any

import httpx
from _load import percentile
from _script import argument_parser, print_table, publish, scratch_with_redis, started_in_order
from erp_system.adapters.s4hana.adapter import S4HanaErp
from erp_system.adapters.s4hana.auth import BasicAuthenticator
from erp_system.adapters.s4hana.odata import ODataClient
from erp_system.settings import ErpSystemSettings

from trivium.http_client import create_http_client
from trivium_testing.keys import session_keys
from trivium_testing.stack import CREDENTIALS_ENV, ERP_EMULATORS, erp_backend_env

SKUS = 50
ROUNDS = 300
WARMUP = 5


def backend_calls_pattern(backend: str) -> re.Pattern[str]:
    """The service's `trivium_backend_calls_total` lines of calls to `backend`."""
    return re.compile(
        rf'^trivium_backend_calls_total\{{([^}}]*backend="{backend}"[^}}]*)\}} (\S+)$'
    )


_BACKEND_CALLS = backend_calls_pattern("s4hana")


def summary(latencies: list[float], trips: list[int], first_trips: int) -> dict[str, Any]:
    return {
        "skus": SKUS,
        "rounds": len(latencies),
        "sap_round_trips_first_call": first_trips,
        "sap_round_trips_per_call": max(trips),
        "sap_round_trips_mean": round(statistics.fmean(trips), 3),
        "latency_ms_p50": round(percentile(latencies, 0.50) * 1000, 2),
        "latency_ms_p99": round(percentile(latencies, 0.99) * 1000, 2),
        "latency_ms_mean": round(statistics.fmean(latencies) * 1000, 2),
    }


async def sap_calls(api: httpx.AsyncClient) -> int:
    """Outbound calls to SAP so far, from the service's Prometheus counter."""
    text = (await api.get("/metrics")).text
    return int(sum(float(m.group(2)) for m in map(_BACKEND_CALLS.match, text.splitlines()) if m))


async def pick_skus(api: httpx.AsyncClient) -> list[str]:
    page = (await api.get("/products", params={"limit": SKUS})).json()
    skus = [item["sku"] for item in page["items"]][:SKUS]
    return skus + [f"BENCH-UNKNOWN-{n:02d}" for n in range(SKUS - len(skus))]


async def through_service(api: httpx.AsyncClient, skus: list[str]) -> dict[str, Any]:
    body = {"skus": skus}
    before = await sap_calls(api)
    (await api.post("/availability", json=body)).raise_for_status()
    first = await sap_calls(api) - before
    for _ in range(WARMUP):
        (await api.post("/availability", json=body)).raise_for_status()
    latencies: list[float] = []
    trips: list[int] = []
    for _ in range(ROUNDS):
        before = await sap_calls(api)
        started = time.perf_counter()
        response = await api.post("/availability", json=body)
        latencies.append(time.perf_counter() - started)
        response.raise_for_status()
        trips.append(await sap_calls(api) - before)
    return summary(latencies, trips, first)


async def through_adapter(emulator_url: str, skus: list[str]) -> dict[str, Any]:
    settings = ErpSystemSettings(
        base_url=emulator_url, password=CREDENTIALS_ENV["ERP_SYSTEM_PASSWORD"]
    )
    http = create_http_client(backend="s4hana-bench", base_url=emulator_url, max_retries=0)
    odata = ODataClient(
        http=http,
        auth=BasicAuthenticator(
            username=settings.username, password=settings.password.get_secret_value()
        ),
        sap_client=settings.sap_client,
    )
    erp = S4HanaErp(odata, settings)
    try:
        await erp.get_availability(skus, plant=None)
        first = odata.round_trips
        for _ in range(WARMUP):
            await erp.get_availability(skus, plant=None)
        latencies: list[float] = []
        trips: list[int] = []
        for _ in range(ROUNDS):
            before = odata.round_trips
            started = time.perf_counter()
            await erp.get_availability(skus, plant=None)
            latencies.append(time.perf_counter() - started)
            trips.append(odata.round_trips - before)
    finally:
        await http.aclose()
    return summary(latencies, trips, first)


async def run(emulator_url: str, api_url: str, *, erp: str) -> dict[str, dict[str, Any]]:
    token = session_keys().issuer("quote-to-order").token_for("erp-system")
    async with httpx.AsyncClient(
        base_url=api_url, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as api:
        skus = await pick_skus(api)
        service = await through_service(api, skus)
    if erp == "netsuite":
        return {"ERP System API on NetSuite, POST /availability": service}
    adapter = await through_adapter(emulator_url, skus)
    return {"ERP System API, POST /availability": service, "S/4HANA adapter in-process": adapter}


def write_table(figures: dict[str, dict[str, Any]]) -> None:
    print_table(
        f"{'path':<48} {'skus':>4} {'ERP trips':>9} {'first':>5} {'p50 ms':>8} {'p99 ms':>8}",
        (
            f"{name:<48} {figure['skus']:>4} {figure['sap_round_trips_per_call']:>9} "
            f"{figure['sap_round_trips_first_call']:>5} {figure['latency_ms_p50']:>8.2f} "
            f"{figure['latency_ms_p99']:>8.2f}"
            for name, figure in figures.items()
        ),
        f"({ROUNDS} rounds after {WARMUP} warm-up calls; target: 1 ERP trip per call)",
    )


def main() -> int:
    global ROUNDS, _BACKEND_CALLS
    parser = argument_parser(__doc__)
    parser.add_argument("--erp", choices=tuple(ERP_EMULATORS), default="s4hana")
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    ROUNDS, _BACKEND_CALLS = args.rounds, backend_calls_pattern(args.erp)
    with scratch_with_redis() as (run_dir, redis):
        emulator = ERP_EMULATORS[args.erp]
        plan = [
            ("erp-emulator", str(emulator["app_factory"]), lambda _: dict(emulator["env"])),
            ("erp-system", "erp_system.main:create_app",
             lambda s: {"REDIS_URL": redis.url,
                        **erp_backend_env(args.erp, s["erp-emulator"].url)}),
        ]  # fmt: skip
        with started_in_order(plan, log_dir=run_dir) as services:
            figures = asyncio.run(
                run(services["erp-emulator"].url, services["erp-system"].url, erp=args.erp)
            )
    return publish(figures, args.json, write_table)


if __name__ == "__main__":
    raise SystemExit(main())
