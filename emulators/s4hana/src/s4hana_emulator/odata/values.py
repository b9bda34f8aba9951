"""Edm values in their three forms: JSON on the wire, URI literals, and SQLite storage.

Storage: strings and decimals as TEXT (decimals at their scale), booleans as 0/1, DateTime as
milliseconds since the epoch, DateTimeOffset as microseconds (ETags show 7 digits), Time as
seconds since midnight. Like ABAP, empty strings, zero amounts and `false` are values, not
nulls; only dates, times and timestamps are null when initial.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from s4hana_emulator.odata.model import Property

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_JSON_DATE = re.compile(r"^/Date\((-?\d+)(?:([+-])(\d{4}))?\)/$")
_DURATION = re.compile(r"^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.\d+)?S)?$")
_INT_RANGES = {"Byte": (0, 255), "Int16": (-(2**15), 2**15 - 1), "Int32": (-(2**31), 2**31 - 1)}
INTEGER_TYPES = frozenset({"Byte", "Int16", "Int32", "Int64"})
NUMERIC_TYPES = INTEGER_TYPES | {"Decimal", "Double"}
NULL_GUID = "00000000-0000-0000-0000-000000000000"


class ValueProblem(ValueError):
    """A value that does not fit its property (the caller names the property)."""


def default_value(prop: Property) -> Any:
    """The initial value of a property, as ABAP would have it."""
    if prop.type == "String":
        return ""
    if prop.type == "Boolean" or prop.type in INTEGER_TYPES:
        return 0
    if prop.type == "Decimal":
        return format_decimal(Decimal(0), prop.scale)
    if prop.type == "Double":
        return 0.0
    if prop.type == "Guid":
        return NULL_GUID
    return None


def format_decimal(value: Decimal, scale: int | None) -> str:
    """A decimal at the property's scale, never in exponent notation."""
    if scale is not None:
        value = value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    return format(value, "f")


def datetime_to_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(milliseconds=1)


def datetime_to_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) // timedelta(microseconds=1)


def date_to_ms(day: date) -> int:
    """An Edm.DateTime date: UTC midnight."""
    return datetime_to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))


def us_to_datetime(micros: int) -> datetime:
    return EPOCH + timedelta(microseconds=micros)


def ms_to_datetime(millis: int) -> datetime:
    return EPOCH + timedelta(milliseconds=millis)


def parse_iso(text: str) -> datetime:
    """An ISO date or timestamp (UTC when no offset is given)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise ValueProblem(f"'{text}' is not a valid date and time") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_decimal(value: Any, prop: Property) -> str:
    try:
        number = Decimal(str(value).strip().rstrip("mM"))
    except InvalidOperation as error:
        raise ValueProblem(f"'{value}' is not a valid decimal") from error
    if not number.is_finite():
        raise ValueProblem(f"'{value}' is not a valid decimal")
    text = format_decimal(number, prop.scale)
    digits = len(text.lstrip("-").split(".")[0].lstrip("0"))
    if prop.precision is not None and digits > prop.precision - (prop.scale or 0):
        raise ValueProblem(f"'{value}' has too many digits")
    return text


def parse_time(text: str) -> int:
    match = _DURATION.match(text)
    if match is None:
        raise ValueProblem(f"'{text}' is not a valid time")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def format_time(seconds: int) -> str:
    return f"PT{seconds // 3600:02d}H{seconds % 3600 // 60:02d}M{seconds % 60:02d}S"


def from_json(prop: Property, value: Any) -> Any:
    """A request body value converted to storage; raises ValueProblem when it does not fit."""
    if value is None:
        if not prop.nullable:
            raise ValueProblem("null is not allowed")
        return default_value(prop)
    kind = prop.type
    if kind == "String":
        if not isinstance(value, str):
            raise ValueProblem(f"{value!r} is not a string")
        if prop.max_length is not None and len(value) > prop.max_length:
            raise ValueProblem(f"'{value}' is longer than {prop.max_length} characters")
        return value
    if kind == "Boolean":
        if not isinstance(value, bool):
            raise ValueProblem(f"{value!r} is not a boolean")
        return int(value)
    if kind in INTEGER_TYPES:
        return _integer(kind, value)
    if kind == "Decimal":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueProblem(f"{value!r} is not a decimal")
        return parse_decimal(value, prop)
    if kind == "Double":
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueProblem(f"{value!r} is not a number")
        return float(value)
    if kind in ("DateTime", "DateTimeOffset"):
        return _timestamp(kind, value)
    if kind == "Time":
        return parse_time(str(value))
    if kind == "Guid":
        try:
            return str(uuid.UUID(str(value)))
        except ValueError as error:
            raise ValueProblem(f"'{value}' is not a valid GUID") from error
    raise ValueProblem(f"unsupported type {kind}")


def _integer(kind: str, value: Any) -> int:
    try:
        number = int(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        number = None
    if number is None or (isinstance(value, float) and not value.is_integer()):
        raise ValueProblem(f"{value!r} is not an integer")
    low, high = _INT_RANGES.get(kind, (-(2**63), 2**63 - 1))
    if not low <= number <= high:
        raise ValueProblem(f"{value!r} is out of range")
    return number


def _timestamp(kind: str, value: Any) -> int:
    if not isinstance(value, str):
        raise ValueProblem(f"{value!r} is not a date")
    match = _JSON_DATE.match(value)
    if match is not None:
        millis = int(match.group(1))
        return millis if kind == "DateTime" else millis * 1000
    moment = parse_iso(value)
    return datetime_to_ms(moment) if kind == "DateTime" else datetime_to_us(moment)


# The types whose JSON differs from their stored value; `to_json` answers any other as stored.
JSON_CONVERTED_TYPES = frozenset(
    {"Boolean", "Decimal", "Int64", "DateTime", "DateTimeOffset", "Time"}
)


def to_json(prop: Property, stored: Any) -> Any:
    """A stored value in OData v2 verbose JSON."""
    if stored is None:
        return None
    kind = prop.type
    if kind == "Boolean":
        return bool(stored)
    if kind == "Decimal":
        return format_decimal(Decimal(str(stored)), prop.scale)
    if kind == "Int64":
        return str(stored)
    if kind == "DateTime":
        return f"/Date({int(stored)})/"
    if kind == "DateTimeOffset":
        return f"/Date({int(stored) // 1000}+0000)/"
    if kind == "Time":
        return format_time(int(stored))
    return stored


def to_uri_literal(prop: Property, stored: Any) -> str:
    """A stored key value as a URI literal (`'4711'`, `datetime'2024-05-01T00%3A00%3A00'`)."""
    kind = prop.type
    if kind == "String":
        return "'" + str(stored).replace("'", "''") + "'"
    if kind == "DateTime":
        return _datetime_literal(int(stored))
    if kind == "DateTimeOffset":
        return _datetimeoffset_literal(int(stored))
    if kind == "Guid":
        return f"guid'{stored}'"
    if kind == "Boolean":
        return "true" if stored else "false"
    if kind == "Int64":
        return f"{stored}L"
    if kind == "Decimal":
        return f"{stored}M"
    return str(stored)


# Every entity of a set with a date in its key (a price's validity) carries it in its URI, and the
# same few dates recur (validity ends): strftime costs over ten times the rest of the URI.
@lru_cache(maxsize=4096)
def _datetime_literal(stored_ms: int) -> str:
    text = ms_to_datetime(stored_ms).strftime("%Y-%m-%dT%H:%M:%S")
    return "datetime'" + text.replace(":", "%3A") + "'"


@lru_cache(maxsize=4096)
def _datetimeoffset_literal(stored_us: int) -> str:
    text = us_to_datetime(stored_us).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return "datetimeoffset'" + text.replace(":", "%3A") + "'"


def etag_of(stored_micros: int | None) -> str | None:
    """SAP's weak ETag of a DateTimeOffset concurrency token (7 fractional digits)."""
    if stored_micros is None:
        return None
    text = us_to_datetime(int(stored_micros)).strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
    return "W/\"datetimeoffset'" + text.replace(":", "%3A") + "'\""
