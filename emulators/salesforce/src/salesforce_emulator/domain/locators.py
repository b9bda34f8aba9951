"""Query locators: the rest of a query's records, served batch by batch via `nextRecordsUrl`."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from salesforce_emulator.domain.errors import SalesforceError, bad_request
from salesforce_emulator.domain.ids import IdAllocator, normalize_id

LOCATOR_PREFIX = "01g"


@dataclass
class OpenQuery:
    """A query result kept for paging."""

    records: list[dict[str, Any]]
    total_size: int
    batch_size: int
    expires_at: float


def invalid_locator() -> SalesforceError:
    return bad_request("INVALID_QUERY_LOCATOR", "invalid query locator", fields=None)


class QueryLocators:
    """Open query cursors of this process; idle ones expire, the oldest are dropped past a cap."""

    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_open: int = 100,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_open = max_open
        self._clock = clock
        self._open: OrderedDict[str, OpenQuery] = OrderedDict()
        self._ids = IdAllocator()
        self._lock = threading.Lock()

    def page(
        self,
        records: list[dict[str, Any]],
        *,
        total_size: int,
        batch_size: int,
        next_url: Callable[[str], str],
    ) -> dict[str, Any]:
        """The first batch of a result; a locator keeps the rest when there is more."""
        if len(records) <= batch_size:
            return {"totalSize": total_size, "done": True, "records": records}
        locator = self._ids.new_id(LOCATOR_PREFIX)
        with self._lock:
            self._drop_expired()
            self._open[locator] = OpenQuery(
                records, total_size, batch_size, self._clock() + self.ttl_seconds
            )
            while len(self._open) > self.max_open:
                self._open.popitem(last=False)
        return self._batch(locator, records, total_size, batch_size, 0, next_url)

    def next_page(self, locator_text: str, *, next_url: Callable[[str], str]) -> dict[str, Any]:
        """The batch a `nextRecordsUrl` locator (`01g...-2000`) points at."""
        raw_id, _, raw_offset = locator_text.partition("-")
        locator = normalize_id(raw_id)
        if locator is None or not raw_offset.isdigit():
            raise invalid_locator()
        with self._lock:
            self._drop_expired()
            query = self._open.get(locator)
            if query is None or int(raw_offset) > len(query.records):
                raise invalid_locator()
            query.expires_at = self._clock() + self.ttl_seconds
            self._open.move_to_end(locator)
        return self._batch(
            locator, query.records, query.total_size, query.batch_size, int(raw_offset), next_url
        )

    def _batch(
        self,
        locator: str,
        records: list[dict[str, Any]],
        total_size: int,
        batch_size: int,
        offset: int,
        next_url: Callable[[str], str],
    ) -> dict[str, Any]:
        end = offset + batch_size
        body: dict[str, Any] = {"totalSize": total_size, "done": end >= len(records)}
        if end < len(records):
            body["nextRecordsUrl"] = next_url(f"{locator}-{end}")
        else:
            with self._lock:
                self._open.pop(locator, None)
        body["records"] = records[offset:end]
        return body

    def _drop_expired(self) -> None:
        now = self._clock()
        for locator in [key for key, item in self._open.items() if item.expires_at <= now]:
            del self._open[locator]

    def clear(self) -> None:
        with self._lock:
            self._open.clear()
