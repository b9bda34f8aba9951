"""The worker pool: consumers of the order work queue, and the loop that wakes due orders.

Orders reach the queue when a client asks for `respond-async`, and from the wake-up set: retries
that are due, orders handed over by a request, and orders whose process died (the watchdog).
Consumers run each order under its lock; an order that must be parked is dead-lettered.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from quote_to_order_process.domain.processing import Outcome, process_order
from quote_to_order_process.domain.saga import OrderFlow
from trivium.work_queue import Message, PermanentFailure, WorkQueue
from trivium.work_queue.runner import run_pool_with_wakeups

log = logging.getLogger(__name__)

WAKE_BATCH = 100


class OrderWorker:
    """`concurrency` consumers of the queue plus one wake-up loop (which also keeps the queue
    depth and dead-letter depth gauges current)."""

    def __init__(
        self,
        flow: OrderFlow,
        queue: WorkQueue,
        *,
        concurrency: int,
        poll_seconds: float = 0.25,
        name: str = "quote-to-order",
    ) -> None:
        self.flow = flow
        self.queue = queue
        self.concurrency = concurrency
        self.poll_seconds = poll_seconds
        self.name = name

    async def run(self, stop: asyncio.Event) -> None:
        """Consume and wake orders until `stop` is set; each consumer finishes its order first."""
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
        """Run the message's order; a parked order goes to the dead letters."""
        order_id = message.payload.get("orderId")
        if not isinstance(order_id, str):
            raise PermanentFailure(f"message {message.id} names no order")
        processed = await process_order(self.flow, order_id, from_queue=True)
        if processed.outcome is Outcome.DEAD_LETTERED and processed.order is not None:
            parked = processed.order
            error = parked.last_error
            reason = f"{error.type}: {error.detail}" if error else "no error recorded"
            raise PermanentFailure(
                f"order {order_id} parked at step {parked.step.value} after {parked.attempts} "
                f"failed attempts; {reason}"
            )

    async def wake_once(self) -> int:
        """Queue the orders due now; returns how many."""
        now = self.flow.clock()
        due = await self.flow.store.take_due(
            now=now, limit=WAKE_BATCH, recheck_at=now + self._recheck
        )
        for order_id in due:
            order = await self.flow.store.get(order_id)
            await self.flow.queue.enqueue(
                order_id, correlation_id=order.correlation_id if order else None
            )
        if due:
            log.info("orders.woken", extra={"count": len(due)})
        return len(due)

    @property
    def _recheck(self) -> timedelta:
        return self.flow.policy.watchdog
