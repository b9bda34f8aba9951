"""Running a service's queue consumers: inside the API process for the duration of its lifespan,
or on their own in a worker process that stops on SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

from trivium.logs import configure_logging
from trivium.service_auth import ServiceTokenIssuer
from trivium.settings import ServiceSettings

log = logging.getLogger(__name__)

# Consumers run until `stop` is set, then finish the message in hand and return.
Consumers = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


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
    """The main function of a workers-only process: logging, a service token issuer, and the
    consumers until SIGTERM or SIGINT."""
    configure_logging(
        service=f"{settings.service_name}-worker",
        level=settings.log_level,
        log_format=settings.log_format,
    )
    issuer = ServiceTokenIssuer(
        issuer=settings.service_name,
        secret=settings.service_token_secret,
        ttl_seconds=settings.service_token_ttl_seconds,
    )
    asyncio.run(consume_until_signalled(lambda stop: consume(issuer, stop)))
