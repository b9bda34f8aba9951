"""The worker pool on its own: `python -m create_customer_process.worker`.

Runs the same consumers as the API process (set `CREATE_CUSTOMER_WORKERS=0` there to leave the
queue to dedicated workers); SIGTERM or SIGINT lets each consumer finish its request and stop.
"""

from __future__ import annotations

import asyncio
import signal

from create_customer_process.main import open_runtime
from create_customer_process.settings import CreateCustomerSettings
from trivium.logs import configure_logging
from trivium.service_auth import ServiceTokenIssuer

DEFAULT_CONCURRENCY = 4


async def run_worker(settings: CreateCustomerSettings) -> None:
    """Consume requests until the process is asked to stop."""
    issuer = ServiceTokenIssuer(
        issuer=settings.service_name,
        secret=settings.service_token_secret,
        ttl_seconds=settings.service_token_ttl_seconds,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with open_runtime(settings, issuer=issuer) as runtime:
        await runtime.worker(settings.workers or DEFAULT_CONCURRENCY).run(stop)


def main() -> None:
    settings = CreateCustomerSettings()
    configure_logging(
        service=f"{settings.service_name}-worker",
        level=settings.log_level,
        log_format=settings.log_format,
    )
    asyncio.run(run_worker(settings))


if __name__ == "__main__":
    main()
