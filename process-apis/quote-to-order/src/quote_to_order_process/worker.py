"""The worker pool on its own: `python -m quote_to_order_process.worker`.

Runs the same consumers as the API process (set `QUOTE_TO_ORDER_WORKERS=0` there to leave the
queue to dedicated workers); SIGTERM or SIGINT lets each consumer finish its order and stop.
"""

from __future__ import annotations

import asyncio

from quote_to_order_process.main import open_runtime
from quote_to_order_process.settings import QuoteToOrderSettings
from trivium.service_auth import ServiceTokenIssuer
from trivium.work_queue.runner import run_worker_process

DEFAULT_CONCURRENCY = 4


async def consume(
    settings: QuoteToOrderSettings, *, issuer: ServiceTokenIssuer, stop: asyncio.Event
) -> None:
    """Consume orders until `stop` is set."""
    async with open_runtime(settings, issuer=issuer) as runtime:
        await runtime.worker(settings.workers or DEFAULT_CONCURRENCY).run(stop)


def main() -> None:
    settings = QuoteToOrderSettings()
    run_worker_process(settings, lambda issuer, stop: consume(settings, issuer=issuer, stop=stop))


if __name__ == "__main__":
    main()
