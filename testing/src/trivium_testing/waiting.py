"""Waiting in tests on a condition, never on the clock: a deadline only stops a test that hangs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

POLL_SECONDS = 0.01


async def until(
    check: Callable[[], bool | Awaitable[bool]], *, what: str = "", within_seconds: float = 30
) -> None:
    """Return once `check()` (or `await check()`) is true; fail after `within_seconds`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within_seconds
    while True:
        result = check()
        if await result if isinstance(result, Awaitable) else result:
            return
        assert loop.time() < deadline, f"not met within {within_seconds} s: {what or 'condition'}"
        await asyncio.sleep(POLL_SECONDS)
