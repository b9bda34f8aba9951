"""The saga worker's wake-up loop queues the sagas that are due, each re-armed a watchdog on."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from trivium.tracing import current_trace_id
from trivium.work_queue import Message, WorkQueue
from trivium.work_queue.saga_worker import SagaWorker

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Saga:
    correlation_id: str | None
    trace_context: dict[str, str] | None = None


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
    # The trace each saga was queued in.
    traces: dict[str, str | None] = field(default_factory=dict)

    async def enqueue(self, saga_id: str, *, correlation_id: str | None = None) -> None:
        self.queued.append((saga_id, correlation_id))
        self.traces[saga_id] = current_trace_id()


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

    id_field = "ledgerId"

    async def run_saga(self, saga_id: str, message: Message) -> None:
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
    async def test_a_woken_saga_continues_the_trace_it_was_created_in(
        self, redis_client: redis.asyncio.Redis, recorded_spans: InMemorySpanExporter
    ) -> None:
        created_in = {"traceparent": f"00-{'a' * 32}-{'b' * 16}-01", "tracestate": "vendor=1"}
        ledger = flow({"traced": NOW, "untraced": NOW, "gone": NOW}, [])
        ledger.store.sagas.update(
            traced=Saga("corr-1", trace_context=created_in), untraced=Saga("corr-2")
        )
        worker = LedgerWorker(ledger, WorkQueue(redis_client, "{ledger}:work"), concurrency=0)

        assert await worker.wake_once() == 3

        assert ledger.queue.traces["traced"] == "a" * 32
        wakes = {
            span.attributes["trivium.work_id"]: span
            for span in recorded_spans.get_finished_spans()
            if span.name == "saga wake" and span.attributes
        }
        assert wakes.keys() == {"traced", "untraced", "gone"}
        traced = wakes["traced"]
        assert traced.parent is not None
        assert (traced.context.trace_id, traced.parent.span_id) == (
            int("a" * 32, 16),
            int("b" * 16, 16),
        )
        assert traced.context.trace_state.get("vendor") == "1"
        assert traced.attributes == {"trivium.saga": "worker", "trivium.work_id": "traced"}
        # A saga created outside any trace, or gone, is woken in a trace of its own.
        others = {ledger.queue.traces["untraced"], ledger.queue.traces["gone"], "a" * 32}
        assert len(others) == 3
        assert wakes["untraced"].parent is None

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
