"""The worker pool on the real work queue: orders run, parked in the dead letters, replayed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
import pytest_asyncio
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Span, SpanKind

from quote_to_order_process.adapters.fake import FakeCrm, FakeErp
from quote_to_order_process.consumers import OrderWorker
from quote_to_order_process.domain.models import OrderState, SagaStep
from quote_to_order_process.domain.saga import OrderFlow
from trivium.problems import ErpUnavailable
from trivium.tracing import tracer
from trivium.work_queue import WorkQueue
from trivium_testing.waiting import until as eventually

from .conftest import WORK_STREAM, submit_quote_order

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def running_worker(flow: OrderFlow, work_queue: WorkQueue) -> AsyncIterator[OrderWorker]:
    worker = OrderWorker(flow, work_queue, concurrency=2, poll_seconds=0.02)
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    yield worker
    stop.set()
    await asyncio.wait_for(task, 30)


async def step_of(flow: OrderFlow, order_id: str) -> SagaStep | None:
    order = await flow.store.get(order_id)
    return order.step if order else None


def taking_an_order() -> AbstractContextManager[Span]:
    """The server span of the request that takes an order."""
    return tracer().start_as_current_span("POST /orders", kind=SpanKind.SERVER)


def ran_again(spans: InMemorySpanExporter, step: str) -> Callable[[], bool]:
    """A delivery of the work queue that ran `step` has finished."""

    def finished() -> bool:
        names = [span.name for span in spans.get_finished_spans()]
        return f"saga step {step}" in names and f"{WORK_STREAM} process" in names

    return finished


def in_trace_of(request: Span, spans: InMemorySpanExporter) -> set[str]:
    """The saga steps recorded, once every recorded span is checked to be in `request`'s trace."""
    finished = spans.get_finished_spans()
    assert {span.context.trace_id for span in finished} == {request.get_span_context().trace_id}
    prefix = "saga step "
    return {span.name.removeprefix(prefix) for span in finished if span.name.startswith(prefix)}


class TestHandle:
    async def test_a_queued_order_is_run_by_a_consumer(
        self, flow: OrderFlow, scenario: Any, running_worker: OrderWorker, erp: FakeErp
    ) -> None:
        submitted = await submit_quote_order(flow, scenario, respond_async=True)
        order_id = submitted.order.id  # type: ignore[union-attr]

        async def completed() -> bool:
            return await step_of(flow, order_id) is SagaStep.COMPLETED

        await eventually(completed)
        assert len(erp.orders) == 1

    async def test_a_parked_order_lands_in_the_dead_letters_and_replays_to_completion(
        self,
        flow: OrderFlow,
        scenario: Any,
        running_worker: OrderWorker,
        work_queue: WorkQueue,
        crm: FakeCrm,
        erp: FakeErp,
        recorded_spans: InMemorySpanExporter,
    ) -> None:
        crm.unorderable_skus.add("MAT-0001")
        with taking_an_order() as request:
            submitted = await submit_quote_order(flow, scenario, respond_async=True)
        order_id = submitted.order.id  # type: ignore[union-attr]

        async def dead_lettered() -> bool:
            return bool((await work_queue.list_dead_letters()).items)

        await eventually(dead_lettered)
        [letter] = (await work_queue.list_dead_letters()).items
        assert letter.payload == {"orderId": order_id}
        assert "crm-rejected" in letter.error_message
        parked = await flow.store.get(order_id)
        assert parked is not None
        assert (parked.step, parked.dead_lettered) == (SagaStep.ERP_CREATED, True)
        crm.unorderable_skus.clear()
        recorded_spans.clear()
        await work_queue.replay_dead_letter(letter.id)

        await eventually(ran_again(recorded_spans, "crm_order"))
        assert await step_of(flow, order_id) is SagaStep.COMPLETED
        assert (erp.calls["place_order"], len(crm.orders)) == (1, 1)
        # The replayed run is in the trace of the request that took the order.
        assert in_trace_of(request, recorded_spans) == {"crm_order", "complete"}

    async def test_a_message_without_an_order_is_dead_lettered(
        self, running_worker: OrderWorker, work_queue: WorkQueue
    ) -> None:
        await work_queue.enqueue({"something": "else"})

        async def dead_lettered() -> bool:
            return bool((await work_queue.list_dead_letters()).items)

        await eventually(dead_lettered)


class TestWakeDueOrders:
    async def test_a_due_retry_is_queued_and_completes_in_the_trace_of_the_order(
        self,
        flow: OrderFlow,
        scenario: Any,
        running_worker: OrderWorker,
        erp: FakeErp,
        clock: Any,
        recorded_spans: InMemorySpanExporter,
    ) -> None:
        erp.fail_next("assess_order", ErpUnavailable("down"))
        with taking_an_order() as request:
            submitted = await submit_quote_order(flow, scenario, respond_async=False)
        order_id = submitted.order.id  # type: ignore[union-attr]
        assert await running_worker.wake_once() == 0, "not due before its retry delay"
        assert await step_of(flow, order_id) is SagaStep.IDENTIFIED
        recorded_spans.clear()
        clock.advance(1)

        await eventually(ran_again(recorded_spans, "complete"))
        assert await step_of(flow, order_id) is SagaStep.COMPLETED
        # Woken minutes later by the wake-up loop, and still the trace of the request.
        assert in_trace_of(request, recorded_spans) == {
            "check",
            "erp_order",
            "crm_order",
            "complete",
        }

    async def test_taking_a_due_order_re_arms_it_for_the_watchdog(
        self, flow: OrderFlow, work_queue: WorkQueue, scenario: Any, clock: Any, redis_client: Any
    ) -> None:
        submitted = await submit_quote_order(flow, scenario, respond_async=False)
        order: OrderState = submitted.order  # type: ignore[assignment]
        await redis_client.zadd("{q2o-test}:wakeups", {order.id: clock().timestamp() * 1000})
        # A finished order keeps no wake-up; this one is put back to see the loop queue it.
        worker = OrderWorker(flow, work_queue, concurrency=0)
        assert await worker.wake_once() == 1
        score = await redis_client.zscore("{q2o-test}:wakeups", order.id)
        assert score == (clock().timestamp() + 120) * 1000
        assert await worker.wake_once() == 0
        [(_, fields)] = await redis_client.xrange("{q2o-test}:work")
        assert fields[b"payload"] == f'{{"orderId":"{order.id}"}}'.encode()
        assert fields[b"correlation_id"]
