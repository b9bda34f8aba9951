"""The worker pool: consumers of the order work queue, and the loop that wakes due orders.

Orders reach the queue when a client asks for `respond-async`, and from the wake-up set: retries
that are due, orders handed over by a request, and orders whose process died (the watchdog).
Consumers run each order under its lock; an order that must be parked is dead-lettered.
"""

from __future__ import annotations

from quote_to_order_process.domain.processing import Outcome, process_order
from quote_to_order_process.domain.saga import OrderFlow
from trivium.work_queue import Message, PermanentFailure
from trivium.work_queue.saga_worker import SagaWorker


class OrderWorker(SagaWorker[OrderFlow]):
    """The consumers and wake-up loop of orders (see `SagaWorker`)."""

    woken_event = "orders.woken"
    poll_seconds = 0.25
    name = "quote-to-order"
    id_field = "orderId"
    saga_noun = "order"

    async def run_saga(self, order_id: str, message: Message) -> None:
        """Run the order; a parked order goes to the dead letters."""
        processed = await process_order(self.flow, order_id, from_queue=True)
        if processed.outcome is Outcome.DEAD_LETTERED and processed.order is not None:
            parked = processed.order
            error = parked.last_error
            reason = f"{error.type}: {error.detail}" if error else "no error recorded"
            raise PermanentFailure(
                f"order {order_id} parked at step {parked.step.value} after {parked.attempts} "
                f"failed attempts; {reason}"
            )
