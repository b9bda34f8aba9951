"""SOQL literals built from client text: quoted and escaped, wildcards taken literally."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from salesforce_system.adapters.salesforce import soql
from salesforce_system.domain.errors import RecordNotFound


class TestQuote:
    def test_quotes_backslashes_and_line_breaks_are_escaped(self) -> None:
        assert soql.quote('O\'Brien \\ "x"\n\r\t') == "'O\\'Brien \\\\ \\\"x\\\"\\n\\r\\t'"

    def test_an_injection_stays_inside_the_literal(self) -> None:
        assert soql.quote("x' OR Name != '") == "'x\\' OR Name != \\''"

    def test_references_wildcards_and_unicode_are_kept(self) -> None:
        assert (
            soql.quote("@{order.id} %_ \u05e9 \U0001f680") == "'@{order.id} %_ \u05e9 \U0001f680'"
        )

    def test_other_values(self) -> None:
        assert soql.quote(None) == "null"
        assert soql.quote(True) == "true"
        assert soql.quote(Decimal("1.50")) == "1.50"
        assert soql.quote(date(2026, 12, 7)) == "2026-12-07"
        assert soql.quote(datetime(2026, 12, 7, 5, 6, 7, tzinfo=UTC)) == "2026-12-07T05:06:07Z"


class TestLikeContains:
    def test_wildcards_are_literal(self) -> None:
        assert soql.like_contains("50%_off") == "'%50\\%\\_off%'"

    def test_quotes_and_backslashes_are_escaped_before_the_wildcards(self) -> None:
        assert soql.like_contains("a\\%'") == "'%a\\\\\\%\\'%'"


class TestRecordId:
    @pytest.mark.parametrize("value", ["001' OR Id != '", "001000000000001AA\n", "@{order.id}"])
    def test_anything_but_an_id_is_not_found(self, value: str) -> None:
        with pytest.raises(RecordNotFound):
            soql.record_id(value, prefix="001", what="account")
