"""Delta reads on S/4HANA: change stamps and the filters that find what changed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from erp_system.adapters.s4hana.sync import changed_since_filter, partner_changed_at


class TestPartnerChangedAt:
    def test_date_and_time_of_day(self) -> None:
        partner = {"LastChangeDate": "/Date(1717113600000)/", "LastChangeTime": "PT16H08M37S"}

        assert partner_changed_at(partner) == datetime(2024, 5, 31, 16, 8, 37, tzinfo=UTC)

    def test_never_changed_partner_uses_its_creation(self) -> None:
        partner = {"CreationDate": "/Date(1717113600000)/", "CreationTime": "PT01H00M00S"}

        assert partner_changed_at(partner) == datetime(2024, 5, 31, 1, tzinfo=UTC)


class TestChangedSinceFilter:
    def test_later_days_or_the_same_day_from_the_time(self) -> None:
        since = datetime(2024, 5, 31, 18, 8, 37, tzinfo=timezone(timedelta(hours=2)))

        assert changed_since_filter(since) == (
            "(LastChangeDate gt datetime'2024-05-31T00:00:00' or "
            "(LastChangeDate eq datetime'2024-05-31T00:00:00' and "
            "LastChangeTime ge time'PT16H08M37S'))"
        )
