"""The org's API request allocation, counted per rolling day like Salesforce counts it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

DAY_SECONDS = 86_400.0

# Allocations reported by /limits that the emulator does not enforce (Enterprise Edition values).
STATIC_LIMITS = {
    "DailyBulkV2QueryFileStorageMB": 976_562,
    "DailyDurableStreamingApiEvents": 10_000,
    "DurableStreamingApiConcurrentClients": 20,
    "DataStorageMB": 1_024,
    "FileStorageMB": 10_240,
    "SingleEmailMessages": 5_000,
}


@dataclass
class Allocation:
    """One counted allocation: how many used out of how many, in the current window."""

    maximum: int
    used: int = 0

    @property
    def remaining(self) -> int:
        return max(self.maximum - self.used, 0)


class ApiLimits:
    """Daily API requests (and Bulk API counters); thread-safe, reset every 24 hours."""

    def __init__(
        self,
        *,
        daily_api_requests: int,
        daily_bulk_batches: int = 15_000,
        daily_bulk_query_jobs: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._window_start = clock()
        self.api = Allocation(daily_api_requests)
        self.bulk_batches = Allocation(daily_bulk_batches)
        self.bulk_query_jobs = Allocation(daily_bulk_query_jobs)

    def _roll(self) -> None:
        if self._clock() - self._window_start >= DAY_SECONDS:
            self._window_start = self._clock()
            for allocation in (self.api, self.bulk_batches, self.bulk_query_jobs):
                allocation.used = 0

    def consume_request(self) -> bool:
        """Count one API request; False (and not counted) once the allocation is used up."""
        with self._lock:
            self._roll()
            if self.api.used >= self.api.maximum:
                return False
            self.api.used += 1
            return True

    def consume(self, allocation: Allocation, amount: int = 1) -> None:
        """Count bulk batches or query jobs (reported, not enforced)."""
        with self._lock:
            self._roll()
            allocation.used += amount

    def usage(self) -> tuple[int, int]:
        """(used, max) of daily API requests."""
        with self._lock:
            self._roll()
            return self.api.used, self.api.maximum

    def set_remaining(self, remaining: int) -> None:
        """Make `remaining` API requests left in this window (chaos: exhaust the budget)."""
        with self._lock:
            self.api.used = max(self.api.maximum - max(remaining, 0), 0)

    def reset(self, *, daily_api_requests: int | None = None) -> None:
        """Start a fresh window (optionally with a new allocation)."""
        with self._lock:
            self._window_start = self._clock()
            if daily_api_requests is not None:
                self.api.maximum = daily_api_requests
            for allocation in (self.api, self.bulk_batches, self.bulk_query_jobs):
                allocation.used = 0

    def report(self) -> dict[str, dict[str, int]]:
        """The body of the `/limits` resource."""
        with self._lock:
            self._roll()
            counted = {
                "DailyApiRequests": self.api,
                "DailyBulkApiBatches": self.bulk_batches,
                "DailyBulkV2QueryJobs": self.bulk_query_jobs,
            }
            body = {
                name: {"Max": item.maximum, "Remaining": item.remaining}
                for name, item in counted.items()
            }
        body.update(
            {name: {"Max": value, "Remaining": value} for name, value in STATIC_LIMITS.items()}
        )
        return dict(sorted(body.items()))
