"""The Redis streams of the flow: the order work queue and the `order.*` event stream."""

from __future__ import annotations

from quote_to_order_process.domain.models import OrderRead, OrderState
from trivium.events import RedisEventStream
from trivium.work_queue import WorkQueue
from trivium.write_batch import WriteBatch


class WorkQueueOrders:
    """`OrderQueue` on the shared durable work queue: one message per order to run."""

    def __init__(self, queue: WorkQueue) -> None:
        self.queue = queue

    async def enqueue(self, order_id: str, *, correlation_id: str | None = None) -> None:
        await self.queue.enqueue({"orderId": order_id}, correlation_id=correlation_id)


class RedisEventPublisher(RedisEventStream):
    """The `order.*` events on a Redis stream, trimmed to about `max_length` entries; the order
    store publishes each in the write that saves the state it announces (`publish_in`).

    Each entry: `type` (`order.created` | `order.failed`), `orderId`, `occurredAt`, and `data`,
    the order as `GET /orders/{id}` shows it (JSON). Delivery is at least once: consumers
    deduplicate on `type` + `orderId`.
    """

    async def publish(self, event_type: str, order: OrderState) -> None:
        await self.append(event_type, _fields(order))

    def publish_in(self, writes: WriteBatch, event_type: str, order: OrderState) -> None:
        """Add the event to `writes`: published with them or not at all."""
        self.append_in(writes, event_type, _fields(order))


def _fields(order: OrderState) -> dict[str, str]:
    return {"orderId": order.id, "data": OrderRead.from_state(order).model_dump_json()}
