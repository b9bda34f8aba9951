"""OData v2 wire values as SAP writes and expects them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from erp_system.adapters.s4hana.wire import (
    any_of,
    entity_path,
    format_date,
    format_decimal,
    parse_date,
    parse_datetime,
    query_string,
    string_literal,
)


class TestDates:
    def test_sandbox_date_is_utc_midnight(self) -> None:
        assert parse_date("/Date(1714521600000)/") == date(2024, 5, 1)

    def test_offset_form_is_an_instant_in_utc(self) -> None:
        parsed = parse_datetime("/Date(1472796947125+0000)/")
        assert parsed == datetime(2016, 9, 2, 6, 15, 47, 125000, tzinfo=UTC)

    def test_null_and_empty_are_absent(self) -> None:
        assert parse_date(None) is None
        assert parse_date("") is None

    def test_format_round_trips(self) -> None:
        assert format_date(date(2024, 5, 8)) == "/Date(1715126400000)/"
        assert parse_date(format_date(date(1999, 12, 31))) == date(1999, 12, 31)


class TestDecimals:
    def test_body_values_have_no_exponent(self) -> None:
        assert format_decimal(Decimal("1E+2")) == "100"
        assert format_decimal(Decimal("1.500")) == "1.500"


class TestLiterals:
    def test_quotes_are_doubled(self) -> None:
        assert string_literal("O'Neil") == "'O''Neil'"

    def test_compound_key_is_percent_encoded_but_readable(self) -> None:
        path = entity_path("A_SalesOrderItem", {"SalesOrder": "4711", "SalesOrderItem": "10"})
        assert path == "A_SalesOrderItem(SalesOrder='4711',SalesOrderItem='10')"
        assert entity_path("A_Product", "TG 11/A") == "A_Product('TG%2011%2FA')"

    def test_any_of_is_parenthesised(self) -> None:
        assert any_of("Material", ["A", "B"]) == "(Material eq 'A' or Material eq 'B')"
        assert any_of("Material", ["A"]) == "Material eq 'A'"

    def test_query_keeps_dollar_and_encodes_spaces(self) -> None:
        query = query_string({"$filter": "SoldToParty eq '17100001'", "$top": 2, "$skip": None})
        assert query == "$filter=SoldToParty%20eq%20'17100001'&$top=2"


class TestFreeText:
    def test_a_key_cannot_end_its_literal_or_leave_its_path_segment(self) -> None:
        path = entity_path("A_Customer", "O'Neil 50%/#?&\n\u00e9")
        assert path == "A_Customer('O''Neil%2050%25%2F%23%3F%26%0A%C3%A9')"

    def test_a_filter_literal_cannot_end_its_option(self) -> None:
        literal = string_literal("a' or '1' eq '1&$top=1#%+\n@{x.id}")
        query = query_string({"$filter": f"Name eq {literal}"})
        assert query == (
            "$filter=Name%20eq%20'a''%20or%20''1''%20eq%20''1%26$top=1%23%25%2B%0A@%7Bx.id%7D'"
        )
