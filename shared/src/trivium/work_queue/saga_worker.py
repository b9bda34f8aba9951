"""The worker pool of a Process API that runs sagas: consumers of its work queue, and one loop
that queues the sagas whose wake-up is due (retries, hand-overs, and the watchdog of a saga whose
process died).

A service subclasses `SagaWorker` with its flow and says only how one message is handled; how
work is woken and consumed is the same in every such service. Its container is a `SagaProcess`.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, Generic, Protocol, Self, TypeVar

from opentelemetry.trace import SpanKind

from trivium.health import ReadinessCheck, redis_check
from trivium.idempotency import IdempotencyStore
from trivium.redis_client import AsyncRedis
from trivium.settings import SagaProcessSettings
from trivium.tracing import WORK_ID_ATTRIBUTE, extract_trace_context, tracer
from trivium.work_queue.errors import PermanentFailure
from trivium.work_queue.messages import Message
from trivium.work_queue.queue import WorkQueue
from trivium.work_queue.runner import run_pool_with_wakeups

WAKE_BATCH = 100


class SagaRecord(Protocol):
    @property
    def correlation_id(self) -> str | None: ...

    # `traceparent` and `tracestate` of the request that created the saga.
    @property
    def trace_context(self) -> Mapping[str, str] | None: ...


class DueStore(Protocol):
    async def get(self, work_id: str, /) -> SagaRecord | None: ...

    async def take_due(
        self, *, now: datetime, limit: int, recheck_at: datetime
    ) -> Sequence[str]: ...


class SagaQueue(Protocol):
    async def enqueue(self, work_id: str, /, *, correlation_id: str | None = None) -> None: ...


class WatchdogPolicy(Protocol):
    @property
    def watchdog(self) -> timedelta: ...


class SagaFlow(Protocol):
    """What the wake-up loop reads of a service's flow."""

    @property
    def store(self) -> DueStore: ...

    @property
    def queue(self) -> SagaQueue: ...

    @property
    def policy(self) -> WatchdogPolicy: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...


FlowT = TypeVar("FlowT", bound=SagaFlow)


class SagaWorker(ABC, Generic[FlowT]):
    """`concurrency` consumers of the queue plus one wake-up loop (which also keeps the queue
    depth and dead-letter depth gauges current)."""

    # Set by each service: the log event of a wake-up, the payload field that names the saga and
    # what a saga is called in its dead letters, and the defaults tests rely on.
    woken_event: ClassVar[str]
    id_field: ClassVar[str]
    saga_noun: ClassVar[str] = "saga"
    poll_seconds: float = 1.0
    name: str = "worker"

    def __init__(
        self,
        flow: FlowT,
        queue: WorkQueue,
        *,
        concurrency: int,
        poll_seconds: float | None = None,
        name: str | None = None,
    ) -> None:
        self.flow = flow
        self.queue = queue
        self.concurrency = concurrency
        if poll_seconds is not None:
            self.poll_seconds = poll_seconds
        if name is not None:
            self.name = name

    @classmethod
    def pool(
        cls, flow: FlowT, queue: WorkQueue, *, poll_seconds: float, name: str
    ) -> Callable[[int], Self]:
        """The worker pool of a container: this worker with the given number of consumers."""
        return lambda concurrency: cls(
            flow, queue, concurrency=concurrency, poll_seconds=poll_seconds, name=name
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Consume and wake work until `stop` is set; each consumer finishes its message first."""
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
        """Run the saga the message names; raise for the queue to retry or dead-letter it."""
        saga_id = message.payload.get(self.id_field)
        if not isinstance(saga_id, str):
            raise PermanentFailure(f"message {message.id} names no {self.saga_noun}")
        await self.run_saga(saga_id, message)

    @abstractmethod
    async def run_saga(self, saga_id: str, message: Message) -> None:
        """Run one saga; raise for the queue to retry or dead-letter its message."""

    async def wake_once(self) -> int:
        """Queue the sagas due now, each re-armed one watchdog later and in a `saga wake` span
        of the trace its saga was created in; returns how many."""
        now = self.flow.clock()
        due = await self.flow.store.take_due(
            now=now, limit=WAKE_BATCH, recheck_at=now + self.flow.policy.watchdog
        )
        for work_id in due:
            record = await self.flow.store.get(work_id)
            # In the trace of the request that created the saga, however long ago that was.
            created_in = record.trace_context if record else None
            with tracer().start_as_current_span(
                "saga wake",
                context=extract_trace_context(created_in or {}),
                kind=SpanKind.INTERNAL,
                attributes={"trivium.saga": self.name, WORK_ID_ATTRIBUTE: work_id},
            ):
                await self.flow.queue.enqueue(
                    work_id, correlation_id=record.correlation_id if record else None
                )
        if due:
            # Logged as the service's own module, where its operators look for it.
            logging.getLogger(type(self).__module__).info(
                self.woken_event, extra={"count": len(due)}
            )
        return len(due)


@dataclass(frozen=True, slots=True)
class SagaProcess(Generic[FlowT]):
    """A Process API's container (see `trivium.composition`): the flow with its queue and
    stores, and its worker pool."""

    flow: FlowT
    work_queue: WorkQueue
    idempotency: IdempotencyStore
    readiness: Mapping[str, ReadinessCheck]
    worker_pool: Callable[[int], SagaWorker[FlowT]]

    @classmethod
    def on_redis(
        cls,
        flow: FlowT,
        work_queue: WorkQueue,
        redis_client: AsyncRedis,
        settings: SagaProcessSettings,
        *,
        worker: type[SagaWorker[FlowT]],
    ) -> Self:
        """The container of a flow whose state, queue and idempotency keys are on Redis: ready
        while Redis answers alone, since with a System API down work is still taken (202) and
        the workers finish it later."""
        return cls(
            flow=flow,
            work_queue=work_queue,
            idempotency=IdempotencyStore.from_settings(
                redis_client, settings, wait_seconds=settings.idempotency_wait_seconds
            ),
            readiness={"redis": redis_check(redis_client)},
            worker_pool=worker.pool(
                flow,
                work_queue,
                poll_seconds=settings.wake_up_poll_seconds,
                name=settings.service_name,
            ),
        )
