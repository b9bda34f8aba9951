"""The background loop of an emulator's simulated back office (deliveries, billing)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable


async def run_every(
    tick_seconds: float,
    step: Callable[[], object],
    *,
    active: Callable[[], bool],
    log: logging.Logger,
    event: str,
) -> None:
    """Run the blocking `step` in a worker thread every tick while `active()`, until cancelled;
    a failing step is logged as `event` and the loop goes on, as a real back office would."""
    while True:
        await asyncio.sleep(tick_seconds)
        if not active():
            continue
        try:
            await asyncio.to_thread(step)
        except Exception:
            log.exception(event)
