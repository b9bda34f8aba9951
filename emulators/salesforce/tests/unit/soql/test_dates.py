"""Relative date literals resolve to Salesforce's day ranges (weeks start on Sunday)."""

from __future__ import annotations

import datetime as dt

import pytest

from salesforce_emulator.soql.dates import resolve_date_literal

WEDNESDAY = dt.date(2024, 5, 15)


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class TestResolveDateLiteral:
    @pytest.mark.parametrize(
        ("name", "n", "start", "end"),
        [
            ("TODAY", None, "2024-05-15", "2024-05-16"),
            ("YESTERDAY", None, "2024-05-14", "2024-05-15"),
            ("TOMORROW", None, "2024-05-16", "2024-05-17"),
            ("THIS_WEEK", None, "2024-05-12", "2024-05-19"),
            ("LAST_WEEK", None, "2024-05-05", "2024-05-12"),
            ("THIS_MONTH", None, "2024-05-01", "2024-06-01"),
            ("LAST_MONTH", None, "2024-04-01", "2024-05-01"),
            ("NEXT_MONTH", None, "2024-06-01", "2024-07-01"),
            ("THIS_QUARTER", None, "2024-04-01", "2024-07-01"),
            ("LAST_QUARTER", None, "2024-01-01", "2024-04-01"),
            ("THIS_YEAR", None, "2024-01-01", "2025-01-01"),
            ("LAST_YEAR", None, "2023-01-01", "2024-01-01"),
            ("THIS_FISCAL_YEAR", None, "2024-01-01", "2025-01-01"),
            ("LAST_90_DAYS", None, "2024-02-15", "2024-05-16"),
            ("NEXT_90_DAYS", None, "2024-05-16", "2024-08-14"),
            ("LAST_N_DAYS", 7, "2024-05-08", "2024-05-16"),
            ("NEXT_N_DAYS", 3, "2024-05-16", "2024-05-19"),
            ("N_DAYS_AGO", 3, "2024-05-12", "2024-05-13"),
            ("LAST_N_WEEKS", 2, "2024-04-28", "2024-05-12"),
            ("NEXT_N_WEEKS", 1, "2024-05-19", "2024-05-26"),
            ("LAST_N_MONTHS", 2, "2024-03-01", "2024-05-01"),
            ("NEXT_N_MONTHS", 2, "2024-06-01", "2024-08-01"),
            ("N_MONTHS_AGO", 5, "2023-12-01", "2024-01-01"),
            ("LAST_N_QUARTERS", 2, "2023-10-01", "2024-04-01"),
            ("LAST_N_YEARS", 1, "2023-01-01", "2024-01-01"),
            ("NEXT_N_YEARS", 2, "2025-01-01", "2027-01-01"),
            ("N_YEARS_AGO", 1, "2023-01-01", "2024-01-01"),
        ],
    )
    def test_range_on_a_wednesday(self, name: str, n: int | None, start: str, end: str) -> None:
        assert resolve_date_literal(name, n, WEDNESDAY) == (_d(start), _d(end))

    def test_week_starting_today_on_sunday(self) -> None:
        sunday = dt.date(2024, 5, 12)

        assert resolve_date_literal("THIS_WEEK", None, sunday) == (sunday, _d("2024-05-19"))

    def test_months_wrap_the_year(self) -> None:
        new_years_eve = dt.date(2024, 12, 31)

        assert resolve_date_literal("NEXT_MONTH", None, new_years_eve) == (
            _d("2025-01-01"),
            _d("2025-02-01"),
        )
