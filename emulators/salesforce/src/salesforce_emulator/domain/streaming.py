"""The Streaming API's Bayeux protocol (CometD long polling) over the change event log."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from salesforce_emulator.domain.events import ALL_CHANGES_CHANNEL, StoredEvent, entity_channel
from salesforce_emulator.domain.org import Org

Message = dict[str, Any]
RunBlocking = Callable[..., Awaitable[Any]]
NEW_EVENTS, ALL_EVENTS = -1, -2
MAX_EVENTS_PER_CONNECT = 1000


def invalid_replay(replay_id: Any) -> str:
    return (
        f"400::The replayId {{{replay_id}}} you provided was invalid. Please provide a valid ID, "
        "-2 to replay all events, or -1 to replay only new events."
    )


@dataclass
class BayeuxClient:
    """One handshaken client: its channels and, per channel, the last replay id delivered."""

    id: str
    user_id: str
    cursors: dict[str, int] = field(default_factory=dict)
    last_seen: float = field(default_factory=time.monotonic)


class StreamingHub:
    """Clients, subscriptions and long-poll wake-ups; events come from the org's log."""

    def __init__(self, org: Org, *, timeout_seconds: float, run_blocking: RunBlocking) -> None:
        self.org = org
        self.timeout_seconds = timeout_seconds
        self._run_blocking = run_blocking
        self._clients: dict[str, BayeuxClient] = {}
        self._waiters: set[asyncio.Event] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        org.events.add_listener(self._notify)

    @property
    def connects_in_progress(self) -> int:
        """How many /meta/connect polls are being answered (most of them waiting for events)."""
        return len(self._waiters)

    def advice(self) -> dict[str, Any]:
        return {"reconnect": "retry", "interval": 0, "timeout": int(self.timeout_seconds * 1000)}

    def channels(self) -> dict[str, frozenset[str] | None]:
        """Subscribable channels -> the entities they carry (None: every entity)."""
        channels: dict[str, frozenset[str] | None] = {ALL_CHANGES_CHANNEL: None}
        for entity in self.org.events.entities:
            channels[entity_channel(entity)] = frozenset({entity})
        return channels

    def _notify(self) -> None:
        """Wake every waiting /meta/connect (callable from any thread)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake_all)

    def _wake_all(self) -> None:
        for waiter in list(self._waiters):
            waiter.set()

    def handshake(self, user_id: str) -> BayeuxClient:
        self._loop = asyncio.get_running_loop()
        stale = time.monotonic() - self.timeout_seconds - 120
        for client_id in [key for key, item in self._clients.items() if item.last_seen < stale]:
            del self._clients[client_id]
        client = BayeuxClient(secrets.token_hex(12), user_id)
        self._clients[client.id] = client
        return client

    def client(self, client_id: Any) -> BayeuxClient | None:
        client = self._clients.get(str(client_id))
        if client is not None:
            client.last_seen = time.monotonic()
        return client

    def disconnect(self, client_id: str) -> None:
        self._clients.pop(client_id, None)

    async def subscribe(self, client: BayeuxClient, channel: str, replay: Any) -> str | None:
        """Start a subscription at a replay position; an error text when refused."""
        if channel not in self.channels():
            return f"400::The channel you requested to subscribe to does not exist {{{channel}}}"
        bounds = await self._run_blocking(self._replay_bounds)
        oldest, latest = bounds
        if replay is None or replay == NEW_EVENTS:
            client.cursors[channel] = latest
        elif replay == ALL_EVENTS:
            client.cursors[channel] = (oldest - 1) if oldest is not None else latest
        elif (
            isinstance(replay, int)
            and not isinstance(replay, bool)
            and ((oldest is not None and oldest - 1 <= replay <= latest) or replay == latest)
        ):
            client.cursors[channel] = replay
        else:
            return invalid_replay(replay)
        return None

    def _replay_bounds(self) -> tuple[int | None, int]:
        events = self.org.events
        with self.org.store.transaction() as conn:
            events.purge(conn, now_ms=int(time.time() * 1000))
            return events.oldest_replay_id(conn), events.latest_replay_id(conn)

    def _pending(self, client: BayeuxClient) -> list[Message]:
        messages: list[Message] = []
        channels = self.channels()
        with self.org.store.reading() as conn:
            for channel, cursor in list(client.cursors.items()):
                found: list[StoredEvent] = self.org.events.read_after(
                    conn, cursor, entities=channels.get(channel), limit=MAX_EVENTS_PER_CONNECT
                )
                if found:
                    client.cursors[channel] = found[-1].replay_id
                    messages.extend(event.message(channel) for event in found)
        return messages

    async def connect(
        self, client: BayeuxClient, *, wait: bool, timeout_seconds: float | None = None
    ) -> list[Message]:
        """Events after the client's cursors, waiting up to the advised timeout for some (or
        the client's own advice, when shorter: CometD clients send `advice.timeout`)."""
        self._loop = asyncio.get_running_loop()
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        try:
            messages: list[Message] = await self._run_blocking(self._pending, client)
            if messages or not wait or not client.cursors:
                return messages
            hold = self.timeout_seconds
            if timeout_seconds is not None:
                hold = max(0.0, min(hold, timeout_seconds))
            deadline = time.monotonic() + hold
            while not messages and client.id in self._clients:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(waiter.wait(), timeout=remaining)
                except TimeoutError:
                    break
                waiter.clear()
                messages = await self._run_blocking(self._pending, client)
            return messages
        finally:
            self._waiters.discard(waiter)
