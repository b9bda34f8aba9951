"""COUNT() and aggregate queries (AggregateResult records) over real SQLite tables."""

from __future__ import annotations

import pytest

from salesforce_emulator.soql import SoqlError

from .factory import Org


def _error(org: Org, soql: str) -> SoqlError:
    with pytest.raises(SoqlError) as caught:
        org.query(soql)
    return caught.value


class TestCountAndAggregates:
    def test_count_returns_total_size_only(self, org: Org) -> None:
        for name in ("a", "b", "c"):
            org.insert("Account", Name=name)

        result = org.query("SELECT COUNT() FROM Account WHERE Name != 'c'")

        assert (result.total_size, result.records) == (2, [])

    def test_count_respects_limit(self, org: Org) -> None:
        for name in ("a", "b", "c"):
            org.insert("Account", Name=name)

        assert org.query("SELECT COUNT() FROM Account LIMIT 2").total_size == 2

    def test_count_cannot_mix_with_fields(self, org: Org) -> None:
        assert _error(org, "SELECT COUNT(), Name FROM Account").error_code == "MALFORMED_QUERY"

    def test_count_field_is_an_aggregate_result(self, org: Org) -> None:
        org.insert("Account", Name="a", Industry="Tech")
        org.insert("Account", Name="b")

        result = org.query("SELECT COUNT(Id), COUNT(Industry) FROM Account")

        assert result.records == [
            {"attributes": {"type": "AggregateResult"}, "expr0": 2, "expr1": 1}
        ]
        assert result.total_size == 1

    def test_group_by_with_alias_having_and_order(self, org: Org) -> None:
        for industry, revenue in [("Tech", 1.0), ("Tech", 2.0), ("Retail", 5.0), (None, 1.0)]:
            org.insert("Account", Name="x", Industry=industry, AnnualRevenue=revenue)

        records = org.query(
            "SELECT Industry, COUNT(Id) n, SUM(AnnualRevenue), MAX(AnnualRevenue) FROM Account "
            "WHERE Industry != null GROUP BY Industry HAVING COUNT(Id) > 0 ORDER BY COUNT(Id) DESC"
        ).records

        assert records == [
            {
                "attributes": {"type": "AggregateResult"},
                "Industry": "Tech",
                "n": 2,
                "expr0": 3.0,
                "expr1": 2.0,
            },
            {
                "attributes": {"type": "AggregateResult"},
                "Industry": "Retail",
                "n": 1,
                "expr0": 5.0,
                "expr1": 5.0,
            },
        ]

    def test_ungrouped_field(self, org: Org) -> None:
        error = _error(org, "SELECT Name, COUNT(Id) FROM Account GROUP BY Industry")

        assert error.error_code == "MALFORMED_QUERY"
        assert "Field must be grouped or aggregated: Name" in error.message

    def test_sum_of_text_field(self, org: Org) -> None:
        assert _error(org, "SELECT SUM(Name) FROM Account").error_code == "MALFORMED_QUERY"
