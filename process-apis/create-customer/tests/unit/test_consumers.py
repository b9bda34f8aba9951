"""The request worker's answer to the queue: retry, and not before when, or dead-letter."""

from __future__ import annotations

import pytest
import redis.asyncio

from create_customer_process.consumers import RequestWorker
from create_customer_process.domain.saga import CustomerFlow
from trivium.problems import ErpUnavailable
from trivium.work_queue import Message, PermanentFailure, RetryLater, WorkQueue

from .conftest import NOW, fakes, submit_new_customer

pytestmark = pytest.mark.asyncio


def delivery(request_id: str, *, attempt: int) -> Message:
    return Message(
        id=f"{attempt}-0",
        payload={"requestId": request_id},
        attempt=attempt,
        enqueued_at=NOW,
        correlation_id=None,
        original_id="1-0",
    )


async def taken_while_the_erp_is_down(flow: CustomerFlow) -> str:
    """A request the caller's own run handed to the workers."""
    _, erp = fakes(flow)
    erp.fail_next("create_customer", ErpUnavailable("down"))
    taken = await submit_new_customer(flow)
    assert taken.state is not None
    return taken.state.id


def worker(flow: CustomerFlow, redis_client: redis.asyncio.Redis) -> RequestWorker:
    return RequestWorker(flow, WorkQueue(redis_client, "{cc-test}:work"), concurrency=1)


def in_progress(retry_after: str | None) -> ErpUnavailable:
    """The ERP create refused because its Idempotency-Key is still claimed."""
    return ErpUnavailable(
        "ERP customer create: the first request with this key has not finished yet.",
        headers={"Retry-After": retry_after} if retry_after else None,
        upstreamStatus=409,
        upstreamType="idempotency-request-in-progress",
    )


class TestRunSaga:
    async def test_an_unavailable_system_s_retry_after_is_the_least_wait(
        self, flow: CustomerFlow, redis_client: redis.asyncio.Redis
    ) -> None:
        request_id = await taken_while_the_erp_is_down(flow)
        _, erp = fakes(flow)
        erp.fail_next("create_customer", in_progress("45"))
        with pytest.raises(RetryLater) as retried:
            await worker(flow, redis_client).run_saga(request_id, delivery(request_id, attempt=1))
        assert retried.value.after_seconds == 45.0

    async def test_without_a_retry_after_the_queue_s_backoff_alone_decides(
        self, flow: CustomerFlow, redis_client: redis.asyncio.Redis
    ) -> None:
        request_id = await taken_while_the_erp_is_down(flow)
        _, erp = fakes(flow)
        erp.fail_next("create_customer", in_progress(None))
        with pytest.raises(RetryLater) as retried:
            await worker(flow, redis_client).run_saga(request_id, delivery(request_id, attempt=1))
        assert retried.value.after_seconds is None

    async def test_the_last_attempt_is_dead_lettered_whatever_the_retry_after(
        self, flow: CustomerFlow, redis_client: redis.asyncio.Redis
    ) -> None:
        request_id = await taken_while_the_erp_is_down(flow)
        _, erp = fakes(flow)
        erp.fail_next("create_customer", in_progress("45"))
        last = delivery(request_id, attempt=flow.policy.max_attempts)
        with pytest.raises(PermanentFailure):
            await worker(flow, redis_client).run_saga(request_id, last)
