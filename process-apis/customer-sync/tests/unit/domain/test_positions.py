"""Stored and configured positions of the account change feed as the feed takes them today."""

from __future__ import annotations

from customer_sync_process.domain.positions import current_position


class TestCurrentPosition:
    def test_starting_points_in_the_crms_own_numbers_of_older_releases(self) -> None:
        assert current_position("-1") == "now"
        assert current_position("-2") == "earliest"

    def test_anything_else_is_sent_back_as_stored(self) -> None:
        assert current_position("now") == "now"
        assert current_position("7234") == "7234"
        assert current_position("eyJyZXBsYXlJZCI6MTh9") == "eyJyZXBsYXlJZCI6MTh9"
