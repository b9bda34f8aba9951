"""The saga worker's wake-up loop queues the sagas that are due, each re-armed a watchdog on."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio

from trivium.work_queue import Message, WorkQueue
from trivium.work_queue.saga_worker import SagaWorker

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Saga:
    correlation_id: str | None


@dataclass
class Store:
    sagas: dict[str, Saga]
    wake_at: dict[str, datetime]

    async def get(self, saga_id: str) -> Saga | None:
        return self.sagas.get(saga_id)

    async def take_due(self, *, now: datetime, limit: int, recheck_at: datetime) -> list[str]:
        due = sorted(saga for saga, at in self.wake_at.items() if at <= now)[:limit]
        self.wake_at.update(dict.fromkeys(due, recheck_at))
        return due


@dataclass
class Queue:
    queued: list[tuple[str, str | None]] = field(default_factory=list)

    async def enqueue(self, saga_id: str, *, correlation_id: str | None = None) -> None:
        self.queued.append((saga_id, correlation_id))


@dataclass(frozen=True)
class Policy:
    watchdog: timedelta


@dataclass(frozen=True)
class Flow:
    store: Store
    queue: Queue
    policy: Policy
    clock: Callable[[], datetime]


class LedgerWorker(SagaWorker[Flow]):
    woken_event = "ledgers.woken"

    async def handle(self, message: Message) -> None:
        raise AssertionError("not consumed in these tests")


def flow(wake_at: dict[str, datetime], sagas: Sequence[str]) -> Flow:
    return Flow(
        store=Store({saga: Saga(f"corr-{saga}") for saga in sagas}, wake_at),
        queue=Queue(),
        policy=Policy(watchdog=timedelta(minutes=2)),
        clock=lambda: NOW,
    )


class TestWakeOnce:
    @pytest.mark.asyncio
    async def test_due_sagas_are_queued_with_their_correlation_and_rearmed(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        later = NOW + timedelta(minutes=5)
        wake_at = {"a": NOW, "b": NOW - timedelta(seconds=1), "c": later, "gone": NOW}
        ledger = flow(wake_at, ["a", "b", "c"])
        worker = LedgerWorker(ledger, WorkQueue(redis_client, "{ledger}:work"), concurrency=0)

        assert await worker.wake_once() == 3
        assert ledger.queue.queued == [("a", "corr-a"), ("b", "corr-b"), ("gone", None)]
        rearmed = NOW + timedelta(minutes=2)
        assert wake_at == {"a": rearmed, "b": rearmed, "c": later, "gone": rearmed}
        assert await worker.wake_once() == 0

    @pytest.mark.asyncio
    async def test_a_wake_up_is_logged_under_the_services_module(
        self, redis_client: redis.asyncio.Redis, caplog: pytest.LogCaptureFixture
    ) -> None:
        worker = LedgerWorker(
            flow({"a": NOW}, ["a"]), WorkQueue(redis_client, "{ledger}:work"), concurrency=0
        )
        with caplog.at_level(logging.INFO, logger=__name__):
            await worker.wake_once()
        assert [(record.name, record.message) for record in caplog.records] == [
            (__name__, "ledgers.woken")
        ]

    def test_the_service_defaults_yield_to_what_its_composition_root_passes(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        queue = WorkQueue(redis_client, "{ledger}:work")
        assert (LedgerWorker(flow({}, []), queue, concurrency=1).name) == "worker"
        given = LedgerWorker(flow({}, []), queue, concurrency=1, poll_seconds=0.5, name="ledger")
        assert (given.poll_seconds, given.name) == (0.5, "ledger")

    def test_a_pool_builds_workers_of_the_given_concurrency(
        self, redis_client: redis.asyncio.Redis
    ) -> None:
        ledger, queue = flow({}, []), WorkQueue(redis_client, "{ledger}:work")
        worker = LedgerWorker.pool(ledger, queue, poll_seconds=0.5, name="ledger")(3)
        assert isinstance(worker, LedgerWorker)
        assert (worker.flow, worker.queue, worker.concurrency) == (ledger, queue, 3)
        assert (worker.poll_seconds, worker.name) == (0.5, "ledger")
