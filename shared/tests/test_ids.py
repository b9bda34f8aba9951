"""ULIDs match their pattern and sort by the millisecond they were made in."""

from __future__ import annotations

import re

from trivium.ids import ULID_PATTERN, new_ulid


class TestNewUlid:
    def test_ids_match_the_pattern_and_sort_by_time(self) -> None:
        earlier, later = new_ulid(1_000), new_ulid(1_001)
        assert re.fullmatch(ULID_PATTERN, earlier)
        assert earlier < later
        assert earlier[:10] == new_ulid(1_000)[:10]

    def test_ids_of_one_millisecond_differ(self) -> None:
        assert new_ulid(5) != new_ulid(5)
