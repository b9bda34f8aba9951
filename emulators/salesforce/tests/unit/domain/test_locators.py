from __future__ import annotations

from typing import Any

import pytest

from salesforce_emulator.domain.errors import SalesforceError
from salesforce_emulator.domain.locators import QueryLocators


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def next_url(locator: str) -> str:
    return f"/services/data/v62.0/query/{locator}"


RECORDS: list[dict[str, Any]] = [{"n": index} for index in range(5)]


class TestQueryLocators:
    def test_pages_until_done(self) -> None:
        locators = QueryLocators(ttl_seconds=60, clock=FakeClock())
        first = locators.page(RECORDS, total_size=5, batch_size=2, next_url=next_url)
        assert (first["done"], first["records"]) == (False, RECORDS[:2])
        locator = first["nextRecordsUrl"].rsplit("/", 1)[1]
        second = locators.next_page(locator, next_url=next_url)
        third = locators.next_page(second["nextRecordsUrl"].rsplit("/", 1)[1], next_url=next_url)
        assert (third["done"], third["records"]) == (True, RECORDS[4:])
        assert "nextRecordsUrl" not in third

    def test_idle_locator_expires(self) -> None:
        clock = FakeClock()
        locators = QueryLocators(ttl_seconds=60, clock=clock)
        first = locators.page(RECORDS, total_size=5, batch_size=2, next_url=next_url)
        clock.now = 61
        with pytest.raises(SalesforceError) as raised:
            locators.next_page(first["nextRecordsUrl"].rsplit("/", 1)[1], next_url=next_url)
        assert raised.value.first.error_code == "INVALID_QUERY_LOCATOR"

    def test_oldest_locators_are_dropped_past_the_cap(self) -> None:
        locators = QueryLocators(ttl_seconds=60, max_open=1, clock=FakeClock())
        first = locators.page(RECORDS, total_size=5, batch_size=2, next_url=next_url)
        locators.page(RECORDS, total_size=5, batch_size=2, next_url=next_url)
        with pytest.raises(SalesforceError):
            locators.next_page(first["nextRecordsUrl"].rsplit("/", 1)[1], next_url=next_url)
