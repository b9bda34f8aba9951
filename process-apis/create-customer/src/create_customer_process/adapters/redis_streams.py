"""The Redis streams of the flow: the request work queue and the `customer.*` event stream."""

from __future__ import annotations

from create_customer_process.domain.models import CustomerRequestRead, RequestState
from trivium.events import RedisEventStream
from trivium.work_queue import WorkQueue


class WorkQueueRequests:
    """`RequestQueue` on the shared durable work queue: one message per request to run."""

    def __init__(self, queue: WorkQueue) -> None:
        self.queue = queue

    async def enqueue(self, request_id: str, *, correlation_id: str | None = None) -> None:
        await self.queue.enqueue({"requestId": request_id}, correlation_id=correlation_id)


class RedisEventPublisher(RedisEventStream):
    """`EventPublisher` on a Redis stream, trimmed to about `max_length` entries.

    Each entry: `type` (`customer.created` | `customer.linked` | `customer.failed`),
    `requestId`, `accountId`, `erpCustomerNumber` (empty when there is none), `occurredAt`, and
    `data`, the request as `GET /customers/requests/{id}` shows it (JSON). Delivery is at least
    once: consumers deduplicate on `type` + `requestId`.
    """

    async def publish(self, event_type: str, state: RequestState) -> None:
        await self.append(
            event_type,
            {
                "requestId": state.id,
                "accountId": state.account_id or "",
                "erpCustomerNumber": state.erp_customer_number or "",
                "data": CustomerRequestRead.from_state(state).model_dump_json(),
            },
        )
