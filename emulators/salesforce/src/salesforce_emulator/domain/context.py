"""Who writes, through which API, in which transaction: what change events and audit fields need."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)


def change_origin(*, api: str, api_version: str, client: str | None) -> str:
    """`com/salesforce/api/rest/62.0;client=erp-sync`, as CDC's changeOrigin reports it."""
    origin = f"com/salesforce/api/{api}/{api_version}"
    return f"{origin};client={client}" if client else origin


@dataclass
class WriteContext:
    """One transaction's writer: user, origin, transaction key and event sequence."""

    user_id: str
    origin: str
    transaction_key: str = field(default_factory=lambda: str(uuid.uuid4()))
    clock: Callable[[], datetime] = utc_now
    publish_events: bool = True  # False for seed data, which predates every subscriber
    _sequence: int = 0

    def next_sequence(self) -> int:
        self._sequence += 1
        return self._sequence

    def now(self) -> datetime:
        return self.clock()

    def fresh_transaction(self) -> WriteContext:
        """The same writer in a new transaction (own key, sequence restarting at 1)."""
        return WriteContext(
            self.user_id, self.origin, clock=self.clock, publish_events=self.publish_events
        )
