"""The Redis streams of the flow: the order work queue and the `order.*` event stream."""

from __future__ import annotations

from quote_to_order_process.domain.models import OrderRead, OrderState
from trivium.events import RedisEventStream
from trivium.work_queue import WorkQueue


class WorkQueueOrders:
    """`OrderQueue` on the shared durable work queue: one message per order to run."""

    def __init__(self, queue: WorkQueue) -> None:
        self.queue = queue

    async def enqueue(self, order_id: str, *, correlation_id: str | None = None) -> None:
        await self.queue.enqueue({"orderId": order_id}, correlation_id=correlation_id)


class RedisEventPublisher(RedisEventStream):
    """`EventPublisher` on a Redis stream, trimmed to about `max_length` entries.

    Each entry: `type` (`order.created` | `order.failed`), `orderId`, `occurredAt`, and `data`,
    the order as `GET /orders/{id}` shows it (JSON). Delivery is at least once: consumers
    deduplicate on `type` + `orderId`.
    """

    async def publish(self, event_type: str, order: OrderState) -> None:
        data = OrderRead.from_state(order).model_dump_json()
        await self.append(event_type, {"orderId": order.id, "data": data})
