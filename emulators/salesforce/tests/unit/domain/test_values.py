from __future__ import annotations

from typing import Any

import pytest

from salesforce_emulator.domain.objects import build_catalog
from salesforce_emulator.domain.schema import FieldDef
from salesforce_emulator.domain.values import (
    FieldValueError,
    decode_value,
    encode_value,
    format_datetime,
    parse_datetime,
)

CATALOG = build_catalog()


def field(object_name: str, name: str) -> FieldDef:
    obj = CATALOG.object(object_name)
    assert obj is not None
    item = obj.field(name)
    assert item is not None
    return item


def error_code(item: FieldDef, value: Any) -> str:
    with pytest.raises(FieldValueError) as raised:
        encode_value(item, value)
    return raised.value.item.error_code


class TestEncodeValue:
    def test_text_too_long(self) -> None:
        assert error_code(field("Account", "AccountNumber"), "x" * 41) == "STRING_TOO_LONG"

    def test_empty_string_is_null(self) -> None:
        assert encode_value(field("Account", "Phone"), "") is None

    def test_restricted_picklist(self) -> None:
        stage = field("Opportunity", "StageName")
        assert encode_value(stage, "Prospecting") == "Prospecting"
        assert error_code(stage, "Dreaming") == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"

    def test_unrestricted_picklist_takes_any_value(self) -> None:
        assert encode_value(field("Account", "Industry"), "Space") == "Space"

    def test_email(self) -> None:
        assert error_code(field("Contact", "Email"), "not-an-email") == "INVALID_EMAIL_ADDRESS"

    def test_reference_must_be_an_id(self) -> None:
        assert error_code(field("Contact", "AccountId"), "abc") == "MALFORMED_ID"
        assert (
            encode_value(field("Contact", "AccountId"), "001000000000001") == "001000000000001AAA"
        )

    def test_boolean(self) -> None:
        active = field("Product2", "IsActive")
        assert encode_value(active, True) == 1
        assert encode_value(active, "false") == 0
        assert error_code(active, "maybe") == "JSON_PARSER_ERROR"

    def test_numbers(self) -> None:
        amount = field("Opportunity", "Amount")
        assert encode_value(amount, "12.345") == 12.35
        assert encode_value(amount, 3) == 3.0
        assert error_code(amount, "twelve") == "JSON_PARSER_ERROR"
        assert error_code(amount, 1e20) == "NUMBER_OUTSIDE_VALID_RANGE"

    def test_int_rejects_fractions(self) -> None:
        employees = field("Account", "NumberOfEmployees")
        assert encode_value(employees, 12.0) == 12
        assert error_code(employees, 1.5) == "JSON_PARSER_ERROR"

    def test_date(self) -> None:
        close = field("Opportunity", "CloseDate")
        assert encode_value(close, "2024-05-01") == "2024-05-01"
        assert error_code(close, "2024-13-01") == "JSON_PARSER_ERROR"
        assert error_code(close, {"a": 1}) == "JSON_PARSER_ERROR"

    def test_datetime_is_stored_in_utc(self) -> None:
        activated = field("Order", "ActivatedDate")
        # Read-only, but the encoder itself is type-driven.
        assert (
            encode_value(activated, "2024-05-01T12:00:00+02:00") == "2024-05-01T10:00:00.000+0000"
        )
        assert encode_value(activated, "2024-05-01T10:00:00.5Z") == "2024-05-01T10:00:00.500+0000"


class TestDatetimes:
    def test_round_trip(self) -> None:
        moment = parse_datetime("2024-05-01T10:00:00.123+0000")
        assert moment is not None
        assert format_datetime(moment) == "2024-05-01T10:00:00.123+0000"

    def test_rejects_garbage(self) -> None:
        assert parse_datetime("yesterday") is None


class TestDecodeValue:
    def test_types(self) -> None:
        assert decode_value("boolean", 1) is True
        assert decode_value("currency", 2) == 2.0
        assert isinstance(decode_value("currency", 2), float)
        assert decode_value("int", 3) == 3
        assert decode_value("string", None) is None
