"""Edm values: request JSON to storage, storage to OData v2 JSON, ETags and URI literals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from s4hana_emulator.odata.model import parse_properties
from s4hana_emulator.odata.values import (
    ValueProblem,
    datetime_to_us,
    default_value,
    etag_of,
    from_json,
    to_json,
    to_uri_literal,
)

PROPS = {
    prop.name: prop
    for prop in parse_properties(
        """
        Key                 String(10)        key
        Name                String(5)
        Amount              Decimal(16,3)
        Quantity            Decimal(31,14)
        Day                 DateTime
        Stamp               DateTimeOffset(7) etag
        Flag                Boolean
        Count               Int32
        Big                 Int64
        At                  Time
        Id                  Guid
        """
    )
}


class TestFromJson:
    @pytest.mark.parametrize(
        ("name", "value", "stored"),
        [
            ("Name", "abc", "abc"),
            ("Amount", "12.5", "12.500"),
            ("Amount", 3, "3.000"),
            ("Amount", "1.2345", "1.235"),
            ("Day", "/Date(1714521600000)/", 1714521600000),
            ("Day", "2024-05-01T00:00:00", 1714521600000),
            ("Stamp", "/Date(1714557600123+0000)/", 1714557600123000),
            ("Stamp", "2024-05-01T10:00:00.5Z", 1714557600500000),
            ("Flag", True, 1),
            ("Count", 42, 42),
            ("At", "PT14H30M15S", 52215),
            ("Id", "00163E03-A070-1EE2-88BE-9895233EBD27", "00163e03-a070-1ee2-88be-9895233ebd27"),
            ("Name", None, ""),
        ],
    )
    def test_converts_to_storage(self, name: str, value: object, stored: object) -> None:
        assert from_json(PROPS[name], value) == stored

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("Name", "toolong"),
            ("Name", 5),
            ("Amount", "abc"),
            ("Amount", "12345678901234.5"),
            ("Amount", True),
            ("Day", "yesterday"),
            ("Flag", "true"),
            ("Count", 2**40),
            ("Count", 1.5),
            ("Key", None),
        ],
    )
    def test_refuses_values_that_do_not_fit(self, name: str, value: object) -> None:
        with pytest.raises(ValueProblem):
            from_json(PROPS[name], value)


class TestToJson:
    @pytest.mark.parametrize(
        ("name", "stored", "wire"),
        [
            ("Amount", "52.65", "52.650"),
            ("Quantity", "120", "120.00000000000000"),
            ("Day", 1714521600000, "/Date(1714521600000)/"),
            ("Stamp", 1714557600123456, "/Date(1714557600123+0000)/"),
            ("Flag", 0, False),
            ("Big", 42, "42"),
            ("At", 52215, "PT14H30M15S"),
            ("Day", None, None),
        ],
    )
    def test_writes_odata_v2_json(self, name: str, stored: object, wire: object) -> None:
        assert to_json(PROPS[name], stored) == wire

    def test_initial_values_are_not_null_except_dates(self) -> None:
        assert default_value(PROPS["Name"]) == ""
        assert default_value(PROPS["Amount"]) == "0.000"
        assert default_value(PROPS["Flag"]) == 0
        assert default_value(PROPS["Day"]) is None


class TestEtagOf:
    def test_weak_datetimeoffset_etag_with_seven_digits(self) -> None:
        stamp = datetime_to_us(datetime(2016, 9, 2, 6, 15, 47, 125705, tzinfo=UTC))
        assert etag_of(stamp) == "W/\"datetimeoffset'2016-09-02T06%3A15%3A47.1257050Z'\""


class TestToUriLiteral:
    def test_string_quotes_are_doubled(self) -> None:
        assert to_uri_literal(PROPS["Name"], "O'Neil") == "'O''Neil'"

    def test_datetime_key_is_percent_encoded(self) -> None:
        assert to_uri_literal(PROPS["Day"], 253402214400000) == "datetime'9999-12-31T00%3A00%3A00'"
