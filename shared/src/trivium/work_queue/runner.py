"""Running a service's queue consumers: inside the API process for the duration of its lifespan,
or on their own in a worker process that stops on SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar

from fastapi import APIRouter, FastAPI
from redis.exceptions import RedisError

from trivium.app import create_service_app
from trivium.composition import Bootstrap, ServiceContainer, install
from trivium.logs import configure_logging
from trivium.metrics import metrics_listener
from trivium.service_auth import ServiceTokenIssuer, process_api_router, token_pair
from trivium.settings import SagaProcessSettings, ServiceSettings
from trivium.tracing import install_tracing
from trivium.work_queue.messages import Message
from trivium.work_queue.queue import WorkQueue, new_consumer_name

log = logging.getLogger(__name__)

# Consumers run until `stop` is set, then finish the message in hand and return.
Consumers = Callable[[asyncio.Event], Coroutine[Any, Any, None]]

SHUTDOWN_GRACE_SECONDS = 30.0

# A workers-only process whose settings say 0 workers (those of API processes that leave the
# queue to it) runs this many.
DEFAULT_WORKER_CONCURRENCY = 4

SettingsT = TypeVar("SettingsT", bound=ServiceSettings)
SagaSettingsT = TypeVar("SagaSettingsT", bound=SagaProcessSettings)


class WorkerPool(Protocol):
    """A service's consumers with whatever loops feed them."""

    async def run(self, stop: asyncio.Event) -> None: ...


class HasWorkerPool(Protocol):
    """A service container that can build its worker pool."""

    def worker_pool(self, concurrency: int) -> WorkerPool: ...


@asynccontextmanager
async def running_consumers(
    consume: Consumers, *, grace_seconds: float, name: str
) -> AsyncIterator[None]:
    """Run the consumers for the duration of the block, then give them `grace_seconds` to finish
    the work in hand."""
    stop = asyncio.Event()
    task = asyncio.create_task(consume(stop))
    try:
        yield
    finally:
        stop.set()
        try:
            await asyncio.wait_for(task, grace_seconds)
        except TimeoutError:
            log.warning("worker.stop_timeout", extra={"worker": name})


class ServingContainer(HasWorkerPool, ServiceContainer, Protocol):
    """A container that an API process installs on its app and runs the worker pool of."""


def lifespan_with_worker_pool(
    settings: SettingsT,
    bootstrap: Bootstrap[SettingsT, ServingContainer],
    *,
    concurrency: int,
    grace_seconds: float = SHUTDOWN_GRACE_SECONDS,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """An API's lifespan: what `bootstrap` builds, installed on the app, with a pool of
    `concurrency` consumers running in the API process."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with bootstrap(settings, issuer=app.state.service_token_issuer) as container:
            install(app, container)
            pool = container.worker_pool(concurrency)
            async with running_worker_pool(
                pool, name=settings.service_name, grace_seconds=grace_seconds
            ):
                yield

    return lifespan


def create_process_api_app(
    settings: SagaSettingsT,
    bootstrap: Bootstrap[SagaSettingsT, ServingContainer],
    *,
    title: str,
    description: str,
    business: Sequence[APIRouter],
    operations: Sequence[APIRouter],
) -> FastAPI:
    """A Process API whose sagas run off its work queue: `business` and `operations` routes (see
    `process_api_router`) and a lifespan that runs what `bootstrap` builds, with a pool of
    `settings.workers` consumers in the API process."""
    app = create_service_app(
        settings,
        title=title,
        description=description,
        lifespan=lifespan_with_worker_pool(settings, bootstrap, concurrency=settings.workers),
    )
    app.include_router(process_api_router(business=business, operations=operations))
    return app


def running_worker_pool(
    pool: WorkerPool, *, name: str, grace_seconds: float = SHUTDOWN_GRACE_SECONDS
) -> AbstractAsyncContextManager[None]:
    """Run a service's worker pool inside its API process for the duration of the block."""
    return running_consumers(pool.run, grace_seconds=grace_seconds, name=name)


async def consume_until_signalled(consume: Consumers) -> None:
    """Run the consumers until the process gets SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await consume(stop)


def run_worker_process(
    settings: ServiceSettings,
    consume: Callable[[ServiceTokenIssuer, asyncio.Event], Coroutine[Any, Any, None]],
) -> None:
    """The main function of a workers-only process: logging, tracing, a service token issuer,
    its metrics on a listener of their own (`worker_metrics_port`), and the consumers until
    SIGTERM or SIGINT."""
    service = f"{settings.service_name}-worker"
    configure_logging(service=service, level=settings.log_level, log_format=settings.log_format)
    spans = install_tracing(settings, service=service)
    issuer, _ = token_pair(settings)
    try:
        with metrics_listener(host=settings.worker_metrics_host, port=settings.worker_metrics_port):
            asyncio.run(consume_until_signalled(lambda stop: consume(issuer, stop)))
    finally:
        # Written now rather than at interpreter exit, which a forked worker may skip.
        spans.force_flush()


def run_worker(
    settings: SettingsT, bootstrap: Bootstrap[SettingsT, HasWorkerPool], *, concurrency: int
) -> None:
    """The main function of a service's workers-only process: what `bootstrap` builds, with a
    pool of `concurrency` consumers, until SIGTERM or SIGINT."""

    async def consume(issuer: ServiceTokenIssuer, stop: asyncio.Event) -> None:
        async with bootstrap(settings, issuer=issuer) as container:
            await container.worker_pool(concurrency).run(stop)

    run_worker_process(settings, consume)


def worker_main(
    settings_type: Callable[[], SagaSettingsT],
    bootstrap: Bootstrap[SagaSettingsT, HasWorkerPool],
) -> None:
    """The main function of a Process API's workers-only process (`python -m <package>.worker`):
    its settings from the environment, `workers` consumers (`DEFAULT_WORKER_CONCURRENCY` where
    that is 0), until SIGTERM or SIGINT."""
    settings = settings_type()
    run_worker(settings, bootstrap, concurrency=settings.workers or DEFAULT_WORKER_CONCURRENCY)


WakeOnce = Callable[[], Coroutine[Any, Any, int]]


async def run_pool_with_wakeups(
    queue: WorkQueue,
    handle: Callable[[Message], Coroutine[Any, Any, None]],
    wake_once: WakeOnce,
    *,
    stop: asyncio.Event,
    concurrency: int,
    name: str,
    batch: int,
    poll_seconds: float,
    stats_every_seconds: float = 5.0,
) -> None:
    """`concurrency` consumers of `queue` and one loop that queues due work (`wake_once()`
    returns how many it queued, at most `batch`) and keeps the queue gauges current, until
    `stop` is set; each consumer finishes its message first."""
    await queue.ensure_group()
    consumers = [
        queue.run_consumer(handle, consumer_name=new_consumer_name(name), stop_event=stop)
        for _ in range(concurrency)
    ]

    async def wake_due() -> None:
        next_stats = 0.0
        while not stop.is_set():
            woken = 0
            try:
                woken = await wake_once()
                if time.monotonic() >= next_stats:
                    next_stats = time.monotonic() + stats_every_seconds
                    await queue.stats()
            except (RedisError, OSError) as error:
                log.warning(
                    "work.wake_failed", extra={"queue": name, "error": type(error).__name__}
                )
            if woken < batch:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll_seconds)

    await asyncio.gather(*consumers, wake_due())
