"""The worker pool on its own: `python -m create_customer_process.worker`.

Runs the same consumers as the API process (set `CREATE_CUSTOMER_WORKERS=0` there to leave the
queue to dedicated workers); SIGTERM or SIGINT lets each consumer finish its request and stop.
"""

from __future__ import annotations

import asyncio

from create_customer_process.main import open_runtime
from create_customer_process.settings import CreateCustomerSettings
from trivium.service_auth import ServiceTokenIssuer
from trivium.work_queue.runner import run_worker_process

DEFAULT_CONCURRENCY = 4


async def consume(
    settings: CreateCustomerSettings, *, issuer: ServiceTokenIssuer, stop: asyncio.Event
) -> None:
    """Consume requests until `stop` is set."""
    async with open_runtime(settings, issuer=issuer) as runtime:
        await runtime.worker(settings.workers or DEFAULT_CONCURRENCY).run(stop)


def main() -> None:
    settings = CreateCustomerSettings()
    run_worker_process(settings, lambda issuer, stop: consume(settings, issuer=issuer, stop=stop))


if __name__ == "__main__":
    main()
