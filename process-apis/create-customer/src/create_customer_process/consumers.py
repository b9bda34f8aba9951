"""The worker pool: consumers of the request work queue, and the loop that wakes due requests.

Requests reach the queue when a system was unavailable to the caller's own run, and from the
wake-up set: requests whose process died mid-way (the watchdog). A request that meets an
unavailable system again is retried by the queue with backoff; one that runs out of attempts or
is refused is dead-lettered for an operator.
"""

from __future__ import annotations

import asyncio
import logging

from create_customer_process.domain.processing import Outcome, process_request
from create_customer_process.domain.saga import CustomerFlow
from trivium.work_queue import Message, PermanentFailure, WorkQueue
from trivium.work_queue.runner import run_pool_with_wakeups

log = logging.getLogger(__name__)

WAKE_BATCH = 100


class RetryLater(Exception):
    """The request met an unavailable system; the queue delivers it again after a backoff."""


class RequestWorker:
    """`concurrency` consumers of the queue plus one wake-up loop (which also keeps the queue
    depth and dead-letter depth gauges current)."""

    def __init__(
        self,
        flow: CustomerFlow,
        queue: WorkQueue,
        *,
        concurrency: int,
        poll_seconds: float = 1.0,
        name: str = "create-customer",
    ) -> None:
        self.flow = flow
        self.queue = queue
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.name = name

    async def run(self, stop: asyncio.Event) -> None:
        """Consume and wake requests until `stop` is set; each consumer finishes its request."""
        await run_pool_with_wakeups(
            self.queue,
            self.handle,
            self.wake_once,
            stop=stop,
            concurrency=self.concurrency,
            name=self.name,
            batch=WAKE_BATCH,
            poll_seconds=self.poll_seconds,
        )

    async def handle(self, message: Message) -> None:
        """Run the message's request; raise for the queue to retry or dead-letter it."""
        request_id = message.payload.get("requestId")
        if not isinstance(request_id, str):
            raise PermanentFailure(f"message {message.id} names no request")
        processed = await process_request(self.flow, request_id, attempt=message.attempt)
        error = processed.problem
        reason = f"{error.slug}: {error.detail}" if error else "no error recorded"
        if processed.outcome is Outcome.RETRY_SCHEDULED:
            raise RetryLater(f"request {request_id}: {reason}")
        if processed.outcome is Outcome.DEAD_LETTERED:
            step = processed.state.step.value if processed.state else "unknown"
            raise PermanentFailure(f"request {request_id} parked at step {step}; {reason}")

    async def wake_once(self) -> int:
        """Queue the requests due now; returns how many."""
        now = self.flow.clock()
        due = await self.flow.store.take_due(
            now=now, limit=WAKE_BATCH, recheck_at=now + self.flow.policy.watchdog
        )
        for request_id in due:
            state = await self.flow.store.get(request_id)
            await self.flow.queue.enqueue(
                request_id, correlation_id=state.correlation_id if state else None
            )
        if due:
            log.info("customers.woken", extra={"count": len(due)})
        return len(due)
