"""A Redis client that loses the cancellation of one script call, as redis-py can on Python 3.11.

redis-py awaits a socket write under `asyncio.wait_for` once a socket timeout is set (its default),
and Python 3.11's `wait_for` returns the result of an operation that finished as its caller was
cancelled, dropping the cancellation (CPython gh-86296). Under load that is how the renewal of a
lease, cancelled as its holder finished, went on renewing. This client makes that moment happen on
demand: after `lose_next_cancellation(script)`, the next call of that script waits, in flight, until
it is cancelled, then runs for real and answers, the cancellation gone.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import redis.asyncio


class CancellationLosingRedis(redis.asyncio.Redis):
    """A real asyncio client (same server, same answers) with one call's cancellation lost."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._losing: str | None = None
        self.in_flight = asyncio.Event()
        self.lost = asyncio.Event()

    def lose_next_cancellation(self, script: str) -> asyncio.Event:
        """Arm the next call of `script` (its Lua text); returns the event set once it is in
        flight, waiting for its cancellation."""
        self._losing = hashlib.sha1(script.encode()).hexdigest()
        self.in_flight.clear()
        return self.in_flight

    async def evalsha(self, sha: str, numkeys: int, *keys_and_args: Any) -> Any:
        if sha == self._losing:
            self._losing = None
            self.in_flight.set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                # The write finished as the cancellation came: its answer is returned instead.
                self.lost.set()
        return await super().evalsha(sha, numkeys, *keys_and_args)


def cancellation_losing_client(url: str) -> CancellationLosingRedis:
    """A `CancellationLosingRedis` for `url`."""
    client = CancellationLosingRedis.from_url(url)
    assert isinstance(client, CancellationLosingRedis)
    return client
