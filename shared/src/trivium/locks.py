"""Lease locks in Redis: one holder per key, an owner token, renewal while the holder works.

A holder that dies loses the lock when the lease runs out, so that the lease, not the work, bounds
how long a dead process blocks the others. Every lease a holder keeps while it works (a lock, an
Idempotency-Key claim, a work queue delivery) is renewed by one `Renewal`, which ends with its
block even if the cancellation of its task is lost on the way. Renewal and release act only for
the owner's token, so a holder whose lease lapsed can never extend or free a newer holder's lock.
A leader that writes shared state takes a `FencedLease`: every new holder gets a higher fence
number, and its writes go through `FencedWriter`, which refuses them once a newer holder took over.

redis-py's `redis.asyncio.lock.Lock` is not used as the lock object, only its Lua scripts: the
Lock keeps its token inside the instance (thread-local by default, i.e. shared by every task of
the event loop), so an owner known by value (a sync id, an idempotency record, a replica name)
cannot renew or free the key from another call without reaching into it; its release and extend
raise instead of saying whether the key was still ours; and it has no fencing.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from redis.asyncio.lock import Lock
from redis.exceptions import RedisError

from trivium.redis_client import AsyncRedis

log = logging.getLogger(__name__)

# Queues commands on the pipeline of the round trip that takes a lock
# (`LeaseLocks.hold(along=...)`).
Along = Callable[[Any], object]

_FIRST_POLL_SECONDS = 0.02
_MAX_POLL_SECONDS = 0.2

# KEYS[1]: the lease; KEYS[2]: the fence counter; ARGV[1]: the holder; ARGV[2]: the lease in ms.
# The holder keeps its fence on renewal; a new holder increments it.
_ACQUIRE_FENCED = """
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(redis.call('GET', KEYS[2]))
end
if current then return 0 end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return fence
"""
# KEYS[1]: the fence counter, KEYS[2..]: the written keys; ARGV[1]: the writer's fence; ARGV[2]:
# JSON [[command, key index, args...], ...], the index counting the written keys from 1.
_FENCED_WRITE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local commands = cjson.decode(ARGV[2])
for _, command in ipairs(commands) do
  local args = {command[1], KEYS[command[2] + 1]}
  for i = 3, #command do args[#args + 1] = command[i] end
  redis.call(unpack(args))
end
return 1
"""


class Renewal:
    """Renews a lease in the background, `renew()` every `every_seconds`, while a block runs
    (`async with`); ends when `renew()` answers False (the lease is someone else's now).

    The renewal ends on a flag set as the block ends, not on the cancellation of its task alone:
    a cancellation can be lost inside a client call. Python 3.11's `asyncio.wait_for`, which
    redis-py awaits socket writes with once a socket timeout is set, returns the result of a call
    that finished as the cancellation came (CPython gh-86296). A renewal that outlived its block
    that way would keep a finished holder's lease for ever, and the block's end would wait for it
    for ever: an order's lock that no worker can take again, a delivery claimed by a consumer
    that reads no more, an Idempotency-Key answered 409 to every repeat."""

    def __init__(
        self, renew: Callable[[], Awaitable[bool]], *, every_seconds: float, lease: str
    ) -> None:
        self._renew = renew
        self.every_seconds = every_seconds
        self.lease = lease
        self._ended = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Renewal:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    async def stop(self) -> None:
        """End the renewal; returns once no renewal is in flight any more."""
        self._ended.set()
        if self._task is None:
            return
        self._task.cancel()
        # Not gather: a cancellation of the caller must still propagate, and the renewal ends by
        # its flag after the call in flight even if it never sees the cancellation.
        await asyncio.wait({self._task})

    async def _run(self) -> None:
        while not self._ended.is_set():
            await asyncio.sleep(self.every_seconds)
            if self._ended.is_set():
                return
            try:
                kept = await self._renew()
            except Exception as error:
                # A blip (or a client's own failure on a connection dropped under it): the lease
                # outlives it; the next renewal tells whether it is still ours. Ending here would
                # let the lease lapse under a holder that still works.
                log.warning(
                    "lease.renew_failed", extra={"lease": self.lease, "error": type(error).__name__}
                )
                continue
            if not kept and not self._ended.is_set():
                log.warning("lease.lost", extra={"lease": self.lease})
                return


def _milliseconds(seconds: float) -> int:
    if seconds <= 0:
        raise ValueError("lease_seconds must be positive")
    return max(1, round(seconds * 1000))


def _text(value: object) -> str | None:
    return value.decode() if isinstance(value, bytes) else None if value is None else str(value)


class OwnedKeys:
    """Keys whose value is their owner's token: taken with SET NX and a lease, renewed and deleted
    only by that owner."""

    def __init__(self, client: AsyncRedis, *, lease_seconds: float) -> None:
        self.lease_ms = _milliseconds(lease_seconds)
        self._redis = client
        self._renew = client.register_script(Lock.LUA_REACQUIRE_SCRIPT)
        self._release = client.register_script(Lock.LUA_RELEASE_SCRIPT)

    async def take(self, key: str, owner: str | bytes) -> bool:
        """Take `key` for `owner` unless someone holds it."""
        return bool(await self._redis.set(key, owner, nx=True, px=self.lease_ms))

    async def take_reading(
        self, key: str, owner: str | bytes, *, hash_key: str, field: str
    ) -> tuple[bool, Any]:
        """`take`, and the `field` of the hash `hash_key` read right after it in the same round
        trip (both keys in one hash slot on Redis Cluster): what the holder reads first, without
        a round trip of its own."""
        taken, replies = await self.take_along(key, owner, lambda pipe: pipe.hget(hash_key, field))
        return taken, replies[0]

    async def take_along(
        self, key: str, owner: str | bytes, along: Along
    ) -> tuple[bool, list[Any]]:
        """`take`, and the commands `along` queues on the pipeline after the SET NX, in the same
        round trip; their replies. A pipeline, not a transaction: they run whether or not the key
        was taken."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(key, owner, nx=True, px=self.lease_ms)
            along(pipe)
            taken, *replies = await pipe.execute()
        return bool(taken), replies

    async def renew(self, key: str, owner: str | bytes) -> bool:
        """Restart the lease; False when `owner` no longer holds `key`."""
        return bool(await self._renew(keys=[key], args=[owner, self.lease_ms]))

    async def release(self, key: str, owner: str | bytes) -> bool:
        """Free `key`; False when `owner` no longer held it."""
        return bool(await self._release(keys=[key], args=[owner]))

    async def owner(self, key: str) -> str | None:
        """The token holding `key`, None when it is free."""
        return _text(await self._redis.get(key))

    def kept(self, key: str, owner: str | bytes) -> Renewal:
        """Renew `key` every third of the lease while the block runs, or until it is lost."""
        return Renewal(
            lambda: self.renew(key, owner), every_seconds=self.lease_ms / 3000, lease=key
        )


class LeaseLost(Exception):
    """A write refused because the lock or lead it was made under is no longer its holder's: the
    lease ran out (the holder stalled for longer than it) and another process may hold it now,
    or another replica took the lead. The holder must stop writing at once."""


@dataclass(frozen=True, slots=True)
class Held:
    """A lock as `LeaseLocks.hold` gives it: true while taken, with its key and the holder's
    token, so that a write can be made to count only while the lock is still the holder's
    (`FencedWriter` with the key as fence key and the token as fence)."""

    key: str
    token: str | None = None
    # What `LeaseLocks.hold(reading=...)` read as the lock was taken (None: nothing there), or
    # the replies of the commands of `hold(along=...)` in that round trip.
    read: Any = None

    def __bool__(self) -> bool:
        return self.token is not None


class LeaseLocks:
    """Locks named `{prefix}:lock:{name}` (`{prefix}:lock:{namespace}:{name}` in a namespace) with
    a lease of `lease_seconds`, renewed every third of it while held; `hold` waits up to
    `wait_seconds` for a lock that is taken (not at all by default). With `hashed`, names made of
    client data (any length, any character) enter the key as their SHA-256."""

    def __init__(
        self,
        client: AsyncRedis,
        *,
        lease_seconds: float,
        prefix: str,
        namespace: str | None = None,
        wait_seconds: float = 0.0,
        hashed: bool = False,
    ) -> None:
        if wait_seconds < 0:
            raise ValueError("wait_seconds must not be negative")
        self.keys = OwnedKeys(client, lease_seconds=lease_seconds)
        self.lease_ms = self.keys.lease_ms
        self.prefix = prefix
        self._key_prefix = f"{prefix}:lock" if namespace is None else f"{prefix}:lock:{namespace}"
        self.wait_seconds = wait_seconds
        self.hashed = hashed

    def key(self, name: str) -> str:
        """The Redis key of the lock `name`."""
        if self.hashed:
            name = hashlib.sha256(name.encode()).hexdigest()
        return f"{self._key_prefix}:{name}"

    @contextlib.asynccontextmanager
    async def hold(
        self,
        name: str,
        *,
        reading: tuple[str, str] | None = None,
        along: Along | None = None,
    ) -> AsyncIterator[Held]:
        """Hold the lock for the block; yields a false `Held` (and holds nothing) when it stays
        taken. With `reading` (a hash key in the lock's hash slot, and a field), the held lock
        carries that field as read in the round trip that took the lock (`Held.read`). With
        `along`, the commands it queues run in every round trip that tries to take the lock, and
        the held lock carries their replies from the one that took it: only those tell what was
        there while the lock was held (a waiter's earlier tries ran while another held it)."""
        if reading is not None and along is not None:
            raise ValueError("hold takes either reading or along")
        if reading is not None:
            hash_key, field = reading
            along = lambda pipe: pipe.hget(hash_key, field)  # noqa: E731
        key = self.key(name)
        token = secrets.token_hex(16)
        taken, replies = await self._take(key, token, along)
        read = replies[0] if reading is not None and replies else replies
        if not taken:
            yield Held(key)
            return
        try:
            async with self.keys.kept(key, token):
                yield Held(key, token, read)
        finally:
            try:
                await self.keys.release(key, token)
            except RedisError as error:
                # The lease ends the lock anyway; only a later holder waits a little longer.
                log.warning(
                    "lease_lock.release_failed", extra={"lock": key, "error": type(error).__name__}
                )

    async def _take(self, key: str, token: str, along: Along | None) -> tuple[bool, Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_seconds
        pause = _FIRST_POLL_SECONDS
        while True:
            if along is None:
                taken, replies = await self.keys.take(key, token), None
            else:
                taken, replies = await self.keys.take_along(key, token, along)
            if taken:
                return True, replies
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False, None
            await asyncio.sleep(min(pause, remaining))
            pause = min(pause * 2, _MAX_POLL_SECONDS)


class FencedLease:
    """One holder among many (a leader): the lease at `key`, renewed by re-acquiring it, and a
    fence number at `fence_key` that goes up with every new holder."""

    def __init__(
        self,
        client: AsyncRedis,
        *,
        key: str,
        fence_key: str,
        holder: str,
        lease_seconds: float,
    ) -> None:
        self.key = key
        self.fence_key = fence_key
        self.holder = holder
        self.keys = OwnedKeys(client, lease_seconds=lease_seconds)
        self._acquire = client.register_script(_ACQUIRE_FENCED)

    async def acquire(self) -> int:
        """Take or keep the lease: its fence number, or 0 while another holder has it."""
        fence = await self._acquire(
            keys=[self.key, self.fence_key], args=[self.holder, self.keys.lease_ms]
        )
        return int(fence or 0)

    async def release(self) -> bool:
        """Step down; False when the lease was no longer ours."""
        return await self.keys.release(self.key, self.holder)

    async def holder_now(self) -> str | None:
        """Who holds the lease, None when nobody does."""
        return await self.keys.owner(self.key)


class FencedWriter:
    """Applies a batch of writes atomically, only while `fence` is still the value at the fence
    key: a leader's fence number (`FencedLease`), or a lock holder's token (`Held`). The keys of
    one batch and the fence key must share a hash slot on Redis Cluster."""

    def __init__(self, client: AsyncRedis, *, fence_key: str) -> None:
        self.fence_key = fence_key
        self._write = client.register_script(_FENCED_WRITE)

    async def write(
        self, fence: int | str, *, keys: Sequence[str], commands: Sequence[Sequence[object]]
    ) -> bool:
        """Run `commands` (`[command, index of its key in keys from 1, args...]`); False, and
        nothing written, when a newer holder's fence is current (or the lock is gone)."""
        applied = await self._write(
            keys=[self.fence_key, *keys], args=[str(fence), json.dumps(commands)]
        )
        return bool(applied)
