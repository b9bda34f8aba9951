"""Fault scenarios against the running stack: flaky backends, killed workers, a restarted Redis
and an exhausted Salesforce API budget. Each scenario records what it submitted and how every
order ended (completed exactly once in both systems, dead-lettered with its reason, duplicated,
lost) in the run's summary table; duplicated and lost must stay at zero.

Sizes come from `TRIVIUM_CHAOS_ORDERS` and `TRIVIUM_CHAOS_KILLS` (CI's short run by default;
`make chaos` runs the long one) and the dice from `TRIVIUM_CHAOS_SEED`.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from trivium.redis_discovery import answers_ping, free_port
from trivium_testing.services import RunningService
from trivium_testing.stack import start_all
from trivium_testing.waiting import until

pytestmark = pytest.mark.asyncio

CHAOS_ORDERS = int(os.environ.get("TRIVIUM_CHAOS_ORDERS", "60"))
CHAOS_KILLS = int(os.environ.get("TRIVIUM_CHAOS_KILLS", "20"))
PROBLEM_JSON = "application/problem+json"
# Generous: on a loaded CI machine a service's imports alone can take many seconds.
START_SECONDS = 90.0
# Settling budget per order on top of a fixed allowance (retries wait up to a few seconds each).
# Only a hang should end a wait: a full suite on two loaded cores has taken 47 s for 60 orders
# whose wait here was 45 s, and an order that is really lost is still reported, only later.
SETTLE_SECONDS = 60 + CHAOS_ORDERS * 0.5
SETTLED_STATUSES = {"completed", "failed", "needs_attention"}


async def place_all(
    desk: Any,
    numbers: range,
    scenario: str,
    *,
    at_once: int,
    pace: float = 0.0,
    retries: int = 0,
) -> list[httpx.Response]:
    """Submit orders, `at_once` in flight, optionally `pace` seconds apart; a 503 is retried
    after its Retry-After (with the same Idempotency-Key) up to `retries` times, as a client
    does."""
    gate = asyncio.Semaphore(at_once)

    async def one(number: int) -> httpx.Response:
        async with gate:
            response: httpx.Response = await desk.place(number, scenario)
            for _ in range(retries):
                if response.status_code != 503:
                    break
                await asyncio.sleep(min(float(response.headers["retry-after"]), 2.0))
                response = await desk.place(number, scenario)
            if pace:
                await asyncio.sleep(pace)
            return response

    return list(await asyncio.gather(*(one(number) for number in numbers)))


async def retried_or_all_settled(desk: Any, responses: list[httpx.Response]) -> bool:
    """Whether an acknowledged order has been attempted again, or every one has settled."""
    settled = True
    for response in responses:
        if response.status_code not in (201, 202):
            continue
        state = await desk.state(response.json()["orderId"])
        if state is not None and state.get("attempts", 0) >= 2:
            return True
        settled = settled and state is not None and state["status"] in SETTLED_STATUSES
    return settled


def assert_acknowledged(responses: list[httpx.Response]) -> None:
    refused = [
        f"{r.status_code} {r.text[:200]}" for r in responses if r.status_code not in (201, 202)
    ]
    assert refused == []


def record(scoreboard: Any, name: str, submitted: int, audit: Any, *, dead_lettered: int) -> None:
    tally = scoreboard.scenario(name)
    tally.submitted = submitted
    tally.completed = len(audit.completed)
    tally.dead_lettered = dead_lettered
    tally.duplicated = len(audit.duplicated)
    tally.lost = len(audit.lost)


async def replay_and_audit(desk: Any, scenario: str, order_ids: list[str], audit: Any) -> Any:
    """Replay the scenario's dead letters (their cause has passed) and audit again."""
    return await desk.audit_after_replay(scenario, order_ids, audit, within=SETTLE_SECONDS)


async def replay_and_record(
    desk: Any, scoreboard: Any, scenario: str, order_ids: list[str], audit: Any, *, row: str
) -> None:
    """Replay the scenario's dead letters and audit again: every order then completed exactly
    once. The scoreboard's `row` counts the orders dead-lettered before the replay."""
    final = await replay_and_audit(desk, scenario, order_ids, audit)
    record(scoreboard, row, len(order_ids), final, dead_lettered=len(audit.dead_lettered))
    assert (final.duplicated, final.lost, final.dead_lettered) == (set(), {}, set())
    assert final.completed == set(order_ids)


@pytest.mark.chaos
@pytest.mark.slow
class TestOrdersWhileBackendsFail:
    @pytest.mark.timeout(max(120, CHAOS_ORDERS * 3))
    async def test_each_order_completes_once_in_both_systems_or_is_dead_lettered(
        self,
        suite: Any,
        order_desk: Any,
        sf_admin: httpx.AsyncClient,
        s4_admin: httpx.AsyncClient,
        scoreboard: Any,
    ) -> None:
        erp_faults = {"error_rate": 0.3, "jitter_ms": 200}
        crm_faults = {"error_rate": 0.1, "error_codes": ["UNABLE_TO_LOCK_ROW"]}
        (await s4_admin.put("/chaos", json=erp_faults)).raise_for_status()
        (await sf_admin.put("/chaos", json=crm_faults)).raise_for_status()
        try:
            responses = await place_all(order_desk, range(CHAOS_ORDERS), "FLAKY", at_once=8)
            # The faults stay on until a retry has met them too (or nothing is left to retry).
            await until(
                lambda: retried_or_all_settled(order_desk, responses),
                what="an order retried under faults, or every order settled",
            )
        finally:
            (await s4_admin.delete("/chaos")).raise_for_status()
            (await sf_admin.delete("/chaos")).raise_for_status()
        assert_acknowledged(responses)
        order_ids = [response.json()["orderId"] for response in responses]

        audit = await order_desk.audit("FLAKY", order_ids, within=SETTLE_SECONDS)
        assert (audit.duplicated, audit.lost) == (set(), {})
        await replay_and_record(
            order_desk, scoreboard, "FLAKY", order_ids, audit, row="backends failing"
        )

    async def test_orders_outlasting_their_retries_are_dead_lettered_then_replayed(
        self, order_desk: Any, s4_admin: httpx.AsyncClient, scoreboard: Any
    ) -> None:
        # Every ERP write fails (reads, which the audit makes too, still answer).
        down = {"error_rate": 1.0, "methods": ["POST", "PUT", "PATCH", "MERGE", "DELETE"]}
        (await s4_admin.put("/chaos", json=down)).raise_for_status()
        try:
            responses = await place_all(order_desk, range(8), "PARKED", at_once=4)
            assert_acknowledged(responses)
            order_ids = [response.json()["orderId"] for response in responses]
            parked = await order_desk.audit("PARKED", order_ids, within=SETTLE_SECONDS)
        finally:
            (await s4_admin.delete("/chaos")).raise_for_status()
        assert parked.dead_lettered == set(order_ids), parked.lost
        letters = await order_desk.dead_letters()
        reasons = {letters[order_id]["errorMessage"] for order_id in order_ids}
        assert all("unavailable" in reason for reason in reasons), reasons
        assert await order_desk.erp_orders("PARKED") == {}

        await replay_and_record(
            order_desk, scoreboard, "PARKED", order_ids, parked, row="ERP down past retries"
        )


@pytest.mark.chaos
@pytest.mark.slow
class TestWorkerKilled:
    @pytest.mark.timeout(max(120, CHAOS_KILLS * 6 + CHAOS_ORDERS))
    async def test_random_sigkills_during_the_saga_lose_and_duplicate_nothing(
        self,
        suite: Any,
        order_desk: Any,
        sf_admin: httpx.AsyncClient,
        s4_admin: httpx.AsyncClient,
        scoreboard: Any,
        rng: random.Random,
    ) -> None:
        worker = suite.workers["quote-to-order"]
        # Slower backends stretch every saga over several calls, so kills land inside them.
        (await sf_admin.put("/chaos", json={"latency_ms": 20, "jitter_ms": 120})).raise_for_status()
        (await s4_admin.put("/chaos", json={"latency_ms": 10, "jitter_ms": 80})).raise_for_status()
        kill_seconds = CHAOS_KILLS * 0.7
        placing = asyncio.create_task(
            place_all(
                order_desk,
                range(CHAOS_ORDERS),
                "KILLED",
                at_once=4,
                pace=kill_seconds * 4 / CHAOS_ORDERS,
            )
        )
        kills = 0
        try:
            for _ in range(CHAOS_KILLS):
                worker.start()
                await worker.started()
                await asyncio.sleep(rng.uniform(0.05, 1.2))
                worker.kill()
                kills += 1
            responses = await placing
        finally:
            worker.start()
            (await sf_admin.delete("/chaos")).raise_for_status()
            (await s4_admin.delete("/chaos")).raise_for_status()
        assert kills >= CHAOS_KILLS
        # Kills that landed inside a saga left messages that a successor reclaimed.
        assert "queue.reclaimed" in worker.all_logs()
        assert_acknowledged(responses)
        order_ids = [response.json()["orderId"] for response in responses]

        audit = await order_desk.audit("KILLED", order_ids, within=SETTLE_SECONDS)
        assert (audit.duplicated, audit.lost) == (set(), {})
        await replay_and_record(
            order_desk, scoreboard, "KILLED", order_ids, audit, row=f"worker SIGKILLed x{kills}"
        )


@dataclass
class PersistentRedis:
    """A private redis-server that keeps its data across a crash (append-only file, fsync on
    every write), as a production Redis does."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed")
        self.folder.mkdir(parents=True, exist_ok=True)
        arguments = [
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.folder),
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "always",
            "--logfile", str(self.folder / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(
            [binary, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while not answers_ping(self.url(0), timeout=0.2):
            assert time.monotonic() < deadline, "redis-server did not answer"
            time.sleep(0.05)

    def crash(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def persistent_redis(trivium_run_dir: Path) -> Iterator[PersistentRedis]:
    server = PersistentRedis(trivium_run_dir / "persistent-redis")
    server.start()
    yield server
    server.crash()


async def readiness(services: dict[str, RunningService]) -> dict[str, int]:
    async with httpx.AsyncClient(timeout=5) as client:
        answers = await asyncio.gather(
            *(client.get(f"{service.url}/readyz") for service in services.values())
        )
    return {name: answer.status_code for name, answer in zip(services, answers, strict=True)}


async def wait_for_readiness(
    services: dict[str, RunningService], status: int, *, within: float
) -> None:
    """Poll every service's /readyz until all answer `status` (the deadline only stops a test
    that hangs)."""
    deadline = time.monotonic() + within
    states: dict[str, int] = {}
    while time.monotonic() < deadline:
        states = await readiness(services)
        if set(states.values()) == {status}:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not all services answered {status} on /readyz: {states}")


async def orders_across_redis_restarts(
    suite: Any,
    order_desk: Any,
    service_registry: list[Any],
    redis_server: PersistentRedis,
    *,
    orders: int,
    restarts: int,
) -> tuple[list[str], Any]:
    """Start the services on `redis_server`, place `orders` orders in `restarts` + 1 batches with
    a Redis crash and restart after each batch but the last (the services turn unready and refuse
    orders meanwhile), then audit them; returns the order ids and the audit before any replay."""
    specs = [spec for spec in service_registry if spec.tier != "system"]
    started = start_all(
        [
            {
                "app_factory": spec.app_factory,
                "name": f"{spec.name}-on-private-redis",
                "env": {
                    **suite.env_of(spec, redis_url=redis_server.url(spec.restart_db)),
                    **spec.in_process_workers,
                },
                "timeout": START_SECONDS,
            }
            for spec in specs
        ],
        log_dir=suite.log_dir,
    )
    services = {spec.name: service for spec, service in zip(specs, started, strict=True)}
    token = order_desk.orders.headers["Authorization"]
    operator_token = order_desk.operator.headers["Authorization"]
    url = services["quote-to-order"].url
    batches = [range(orders)[batch :: restarts + 1] for batch in range(restarts + 1)]
    try:
        async with (
            httpx.AsyncClient(base_url=url, headers={"Authorization": token}) as placing,
            httpx.AsyncClient(base_url=url, headers={"Authorization": operator_token}) as ops,
        ):
            desk = order_desk.on(placing, ops)
            acknowledged: list[httpx.Response] = []
            for batch in batches[:-1]:
                acknowledged += await place_all(desk, batch, "REDIS", at_once=4, retries=3)
                redis_server.crash()
                await wait_for_readiness(services, 503, within=60)
                refused = await desk.place(orders, "REDIS")
                assert refused.status_code == 503, refused.text
                assert refused.headers["content-type"].startswith(PROBLEM_JSON)
                redis_server.start()
                await wait_for_readiness(services, 200, within=60)
            acknowledged += await place_all(desk, batches[-1], "REDIS", at_once=4, retries=3)

            assert_acknowledged(acknowledged)
            order_ids = [response.json()["orderId"] for response in acknowledged]
            audit = await desk.audit("REDIS", order_ids, within=SETTLE_SECONDS + orders * 0.25)
            assert (audit.duplicated, audit.lost) == (set(), {})
            # Redis being away is transient: it must never park an order.
            letters = await desk.dead_letters()
            reasons = [letters[order_id]["errorMessage"] for order_id in audit.dead_lettered]
            assert audit.dead_lettered == set(), reasons
            # The net: should one have been parked all the same, it completes once replayed.
            final = await replay_and_audit(desk, "REDIS", order_ids, audit)
            assert (final.duplicated, final.lost, final.dead_lettered) == (set(), {}, set())
            assert final.completed == set(order_ids)
            return order_ids, audit
    finally:
        for service in started:
            service.stop()


# The long run (`make chaos`, hundreds of orders) also restarts Redis twice under 100 orders.
LONG_RUN = CHAOS_ORDERS >= 100


@pytest.mark.chaos
@pytest.mark.slow
class TestRedisRestarted:
    @pytest.mark.parametrize(
        ("orders", "restarts", "row"),
        [
            pytest.param(20, 1, "Redis restart", id="one-restart-under-20-orders"),
            pytest.param(
                100,
                2,
                "Redis restart x2",
                id="two-restarts-under-100-orders",
                marks=[
                    pytest.mark.skipif(not LONG_RUN, reason="the long run of `make chaos`"),
                    pytest.mark.timeout(900),
                ],
            ),
        ],
    )
    async def test_services_turn_unready_then_recover_and_lose_no_acknowledged_order(
        self,
        suite: Any,
        order_desk: Any,
        service_registry: list[Any],
        persistent_redis: PersistentRedis,
        scoreboard: Any,
        orders: int,
        restarts: int,
        row: str,
    ) -> None:
        order_ids, audit = await orders_across_redis_restarts(
            suite, order_desk, service_registry, persistent_redis, orders=orders, restarts=restarts
        )
        record(scoreboard, row, len(order_ids), audit, dead_lettered=0)


@pytest.mark.chaos
class TestSalesforceBudgetExhausted:
    async def test_clean_503_nothing_half_written_and_queued_orders_complete_later(
        self, suite: Any, order_desk: Any, sf_admin: httpx.AsyncClient, scoreboard: Any
    ) -> None:
        allocation = (await sf_admin.get("/limits")).json()["max"]
        (await sf_admin.put("/limits", json={"remaining": 0})).raise_for_status()
        try:
            async with suite.client("salesforce-system") as crm:
                direct = await crm.get("/accounts", params={"search": "Nordwind"})
            assert direct.status_code == 503, direct.text
            assert int(direct.headers["retry-after"]) > 0
            assert direct.headers["content-type"].startswith(PROBLEM_JSON)

            waited = await order_desk.place(0, "BUDGET", wait=True)
            queued = await place_all(order_desk, range(1, 6), "BUDGET", at_once=3)
            if waited.status_code == 503:
                assert int(waited.headers["retry-after"]) > 0
                assert waited.headers["content-type"].startswith(PROBLEM_JSON)
            else:
                assert waited.status_code == 202, waited.text
                assert waited.json()["status"] == "accepted"
            assert_acknowledged(queued)
            held = [r.json()["orderId"] for r in (waited, *queued) if r.status_code == 202]

            async def retried_while_exhausted() -> bool:
                states = [await order_desk.state(order_id) for order_id in held]
                return all(state is not None and state["attempts"] >= 2 for state in states)

            # Each held order has been tried again while the budget was still spent ...
            deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
            while not await retried_while_exhausted():
                assert asyncio.get_running_loop().time() < deadline, "the orders were not retried"
                await asyncio.sleep(0.1)
            # ... and nothing reached the ERP while the CRM could not be read or written.
            assert await order_desk.erp_orders("BUDGET") == {}
        finally:
            (await sf_admin.put("/limits", json={"max": allocation})).raise_for_status()

        acknowledged = [r for r in (waited, *queued) if r.status_code in (201, 202)]
        order_ids = [response.json()["orderId"] for response in acknowledged]
        audit = await order_desk.audit("BUDGET", order_ids, within=SETTLE_SECONDS)
        await replay_and_record(
            order_desk, scoreboard, "BUDGET", order_ids, audit, row="Salesforce budget exhausted"
        )
