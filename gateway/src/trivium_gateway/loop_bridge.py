"""Synchronous plugin code on the event loop, its waits awaited there instead of blocking it.

A Python plugin is synchronous (kong-pdk's phases are plain methods; its Redis calls return their
answers). Handing each phase to a worker thread and back costs more than most phases' own work,
so the in-process runner runs a phase in a greenlet on the loop's thread instead: when the phase
needs to wait (a Redis call through `plugin_support`'s client), `wait_on_loop` switches back to the
coroutine that started it, which awaits the asyncio call and switches the answer (or its
exception) back in. Other requests run on the loop meanwhile, as they do while a thread waits.
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import greenlet

T = TypeVar("T")


class _Bridged(greenlet.greenlet):  # type: ignore[misc]
    """A greenlet that runs synchronous code for a coroutine of the event loop."""


def on_loop_bridge() -> bool:
    """Whether the running code was started by `run_bridged` (and may call `wait_on_loop`)."""
    return isinstance(greenlet.getcurrent(), _Bridged)


def wait_on_loop(awaitable: Awaitable[T]) -> T:
    """The result of `awaitable`, awaited by the coroutine that runs this code."""
    current = greenlet.getcurrent()
    if not isinstance(current, _Bridged):
        raise RuntimeError("wait_on_loop outside run_bridged")
    result: T = current.parent.switch(awaitable)
    return result


async def run_bridged(function: Callable[..., T], *args: Any) -> T:
    """Run synchronous `function(*args)` on this thread, awaiting what it waits for."""
    bridged = _Bridged(function)
    # The function sees the context of the coroutine (correlation id, current span).
    bridged.gr_context = contextvars.copy_context()
    pending = bridged.switch(*args)
    while not bridged.dead:
        try:
            value = await pending
        except BaseException:
            pending = bridged.throw(*sys.exc_info())
        else:
            pending = bridged.switch(value)
    result: T = pending
    return result
