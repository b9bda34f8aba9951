"""One replica vs two replicas of every service: what coordinating replicas costs.

Starts the order and read path twice on loopback, each time behind HAProxy
(`trivium.load_balancer`, as `make run SCALE=2` runs it): both System APIs, quote-to-order (its
workers in its processes), the partner-portal Experience API and the local gateway (in-process
plugins), first one replica of each, then two, on the same private Redis and fresh emulators.
Through the gateway's one address it measures partner orders of 5 lines (orders/s at
concurrency 8) and catalog reads (req/s at concurrency 16), and the Redis commands per order
(Redis's own count over the order run, divided by the orders; all services, polling included).

This machine has two cores: twice the processes cannot be twice the work. The point is that the
second replica costs little: the coordination (shared locks, claims, queue, quotas in Redis) should
cost <= 10 % of the one-replica throughput. Requires HAProxy (`make haproxy`).
Run: `.venv/bin/python bench/scale_out.py [--json PATH] [--orders N] [--reads N]`.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis
from _full_stack import PARTNERS, QUIET, gateway_config, partner_key, raise_s4_credit_limits
from _load import new_session, run_load
from _script import argument_parser, bench_env, private_redis, publish
from end_to_end import get_request, order_request

from trivium.load_balancer import LoadBalancer, haproxy_binary, start_load_balancer
from trivium.redis_discovery import free_port
from trivium_testing.replicas import ReplicaSet, start_replica_sets
from trivium_testing.services import RunningService
from trivium_testing.stack import (
    FAST_CLIENT_ENV,
    SYSTEM_APIS_DB,
    Emulators,
    redis_db,
    start_emulators,
    stop_all,
    system_api_env,
)

ORDER_CONCURRENCY = 8
UNUSED = "http://127.0.0.1:9"
READ_CONCURRENCY = 16
# (name, app factory, Redis database); the gateway shares the System APIs' database, so the
# Salesforce budget guard reads the budget the Salesforce System API publishes.
SERVICES = (
    ("salesforce-system", "salesforce_system.main:create_app", SYSTEM_APIS_DB),
    ("erp-system", "erp_system.main:create_app", SYSTEM_APIS_DB),
    ("quote-to-order", "quote_to_order_process.main:create_app", 9),
    ("partner-portal-experience", "partner_portal_experience.main:create_app", 5),
    ("gateway", "trivium_gateway.main:create_app", SYSTEM_APIS_DB),
)


def service_env(
    name: str, fronts: dict[str, str], emulators: Emulators, gateway_config: Path
) -> dict[str, str]:
    """What a replica of `name` needs beyond its key and Redis: whom it calls (their fronts)."""
    if name in ("salesforce-system", "erp-system"):
        backends = {"sf_emulator_url": emulators.sf_emulator.url}
        return system_api_env(name, **backends, s4_emulator_url=emulators.s4_emulator.url)
    if name == "gateway":
        return {"GATEWAY_PLUGIN_MODE": "in-process", "GATEWAY_CONFIG_PATH": str(gateway_config)}
    prefix = {"quote-to-order": "QUOTE_TO_ORDER", "partner-portal-experience": "PARTNER_PORTAL"}
    env = {
        f"{prefix[name]}_SALESFORCE_SYSTEM_URL": fronts["salesforce-system"],
        f"{prefix[name]}_ERP_SYSTEM_URL": fronts["erp-system"],
    }
    if name == "partner-portal-experience":
        env["PARTNER_PORTAL_QUOTE_TO_ORDER_URL"] = fronts["quote-to-order"]
    return env


def status_listener(name: str) -> dict[str, str]:
    """Each gateway replica's status listener on a port of its own."""
    return {"GATEWAY_STATUS_PORT": str(free_port())} if name == "gateway" else {}


@contextmanager
def replicated_stack(folder: Path, replicas: int) -> Iterator[tuple[str, str]]:
    """The order and read path with `replicas` replicas of each service behind HAProxy; yields
    the gateway's front URL and the Redis URL."""
    redis_server = private_redis(folder)
    emulators = start_emulators(log_dir=folder / "logs")
    sets = [ReplicaSet(name, factory, [], folder / "logs") for name, factory, _ in SERVICES]
    fronts = {group.name: group.url for group in sets}
    # No mobile API runs here: its routes point at a port nothing listens on.
    upstreams = {"partner-portal": fronts["partner-portal-experience"], "mobile": UNUSED}
    config = gateway_config(upstreams, folder)
    for group, (name, _, db) in zip(sets, SERVICES, strict=True):
        env = {
            **bench_env(name),
            **FAST_CLIENT_ENV,
            **QUIET,
            "REDIS_URL": redis_db(redis_server.url, db),
            **service_env(name, fronts, emulators, config),
        }
        group.envs = [{**env, **status_listener(name)} for _ in range(replicas)]
        group.ports = [free_port() for _ in range(replicas)]
    balancer: LoadBalancer | None = None
    try:
        balancer = start_load_balancer([group.pool for group in sets], folder / "haproxy")
        start_replica_sets(sets)
        raise_s4_credit_limits(emulators.s4_emulator.url, (customer for _, customer in PARTNERS))
        yield fronts["gateway"], redis_server.url
    finally:
        running: list[RunningService] = [s for group in sets for s in group.running]
        stop_all(running)
        if balancer is not None:
            balancer.stop()
        emulators.stop()
        redis_server.stop()


def redis_commands(url: str) -> int:
    """Commands the Redis server has processed since it started."""
    client = redis.Redis.from_url(url)
    try:
        return int(client.info("stats")["total_commands_processed"])
    finally:
        client.close()


async def measure(gateway: str, redis_url: str, *, orders: int, reads: int) -> dict[str, Any]:
    key = partner_key("gold")
    run = uuid.uuid4().hex[:8]
    catalog = get_request(f"{gateway}/partner/v1/catalog?limit=20", {"apikey": key})
    async with new_session(concurrency=READ_CONCURRENCY) as session:
        await run_load(session, order_request(gateway, key, f"w{run}"), concurrency=4, requests=20)
        await run_load(session, catalog, concurrency=4, requests=50)
        before = await asyncio.to_thread(redis_commands, redis_url)
        placed = await run_load(
            session,
            order_request(gateway, key, run),
            concurrency=ORDER_CONCURRENCY,
            requests=orders,
            max_seconds=300,
        )
        commands = await asyncio.to_thread(redis_commands, redis_url) - before
        read = await run_load(session, catalog, concurrency=READ_CONCURRENCY, requests=reads)
    return {
        "orders": placed.figures(),
        "reads": read.figures(),
        "redis_commands_per_order": round(commands / max(len(placed.latencies), 1), 1),
    }


def cost_percent(one: float, two: float) -> float:
    """How much less the two-replica stack does than the one-replica stack, in percent."""
    return round((one - two) / one * 100, 1) if one else 0.0


def write_table(figures: dict[str, Any]) -> None:
    out = sys.stdout.write
    out(f"{'replicas':>8}  {'orders/s':>9}  {'order p50 ms':>12}  {'reads/s':>8}  ")
    out(f"{'read p50 ms':>11}  {'Redis cmds/order':>16}\n")
    for replicas in ("1", "2"):
        row = figures[f"replicas_{replicas}"]
        out(f"{replicas:>8}  {row['orders']['rps']:>9}  {row['orders']['p50_ms']:>12}  ")
        out(f"{row['reads']['rps']:>8}  {row['reads']['p50_ms']:>11}  ")
        out(f"{row['redis_commands_per_order']:>16}\n")
    out(f"coordination cost: orders {figures['order_cost_percent']} %, ")
    out(f"reads {figures['read_cost_percent']} % (target <= 10 %)\n")


def main() -> int:
    parser = argument_parser(__doc__)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--reads", type=int, default=2000)
    args = parser.parse_args()
    if haproxy_binary() is None:
        sys.stderr.write("HAProxy is not installed: make haproxy (as root)\n")
        return 1
    figures: dict[str, Any] = {}
    for replicas in (1, 2):
        with (
            tempfile.TemporaryDirectory(prefix="trivium-bench-") as folder,
            replicated_stack(Path(folder), replicas) as (gateway, redis_url),
        ):
            figures[f"replicas_{replicas}"] = asyncio.run(
                measure(gateway, redis_url, orders=args.orders, reads=args.reads)
            )
    one, two = figures["replicas_1"], figures["replicas_2"]
    figures["order_cost_percent"] = cost_percent(one["orders"]["rps"], two["orders"]["rps"])
    figures["read_cost_percent"] = cost_percent(one["reads"]["rps"], two["reads"]["rps"])
    return publish(figures, args.json, write_table)


if __name__ == "__main__":
    raise SystemExit(main())
