"""The account's concurrency governance: at most `limit` requests in flight at once."""

from __future__ import annotations

import threading


class ConcurrencyGovernor:
    """Counts requests in flight; one over the limit is refused, not queued (as NetSuite does)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._in_flight = 0
        self._lock = threading.Lock()
        self.refused = 0

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def try_enter(self) -> bool:
        with self._lock:
            if self._in_flight >= self.limit:
                self.refused += 1
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._in_flight = max(self._in_flight - 1, 0)
