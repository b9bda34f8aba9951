"""Field values between JSON (or CSV text) and storage, checked the way Salesforce checks them."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from salesforce_emulator.domain.errors import ErrorItem
from salesforce_emulator.domain.ids import normalize_id
from salesforce_emulator.domain.schema import ID_TYPES, REAL_TYPES, TEXT_TYPES, FieldDef

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")


class FieldValueError(Exception):
    """A value the field cannot hold; carries the Salesforce error item."""

    def __init__(self, item: ErrorItem) -> None:
        super().__init__(item.message)
        self.item = item


def format_datetime(moment: datetime) -> str:
    """Salesforce's datetime text in UTC: `2024-05-01T10:00:00.000+0000`."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def parse_datetime(text: str) -> datetime | None:
    """An aware datetime from ISO-8601 text (Z, +hh:mm, +hhmm or no zone = UTC), else None."""
    match = _DATETIME.match(text.strip())
    if not match:
        return None
    day, hour, minute, second, fraction, zone = match.groups()
    try:
        base = date.fromisoformat(day)
        micros = int((fraction or "0")[:6].ljust(6, "0"))
        moment = datetime(
            base.year, base.month, base.day, int(hour or 0), int(minute or 0), int(second or 0),
            micros, tzinfo=UTC,
        )  # fmt: skip
    except ValueError:
        return None
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset_minutes = sign * (int(digits[:2]) * 60 + int(digits[2:]))
        moment -= timedelta(minutes=offset_minutes)
    return moment


def deserialize_error(field: FieldDef, value: Any, java_type: str) -> FieldValueError:
    """JSON_PARSER_ERROR in the wording of Salesforce's JSON deserializer."""
    token = {dict: "START_OBJECT", list: "START_ARRAY", bool: "VALUE_TRUE"}.get(
        type(value), "VALUE_STRING"
    )
    if isinstance(value, bool) and not value:
        token = "VALUE_FALSE"
    elif isinstance(value, int | float) and not isinstance(value, bool):
        token = "VALUE_NUMBER_INT" if isinstance(value, int) else "VALUE_NUMBER_FLOAT"
    shown = {"START_OBJECT": "{", "START_ARRAY": "["}.get(token, str(value))
    return FieldValueError(
        ErrorItem(
            "JSON_PARSER_ERROR",
            f"Cannot deserialize instance of {java_type} from {token} value {shown} "
            f"or request may be missing a required field",
            (field.name,),
        )
    )


def encode_value(field: FieldDef, value: Any) -> Any:
    """The stored form of `value` for `field`; raises FieldValueError like Salesforce would."""
    if value is None:
        return None
    kind = field.type
    if kind in TEXT_TYPES:
        return _encode_text(field, value)
    if kind in ID_TYPES:
        return _encode_id(field, value)
    if kind == "boolean":
        return _encode_boolean(field, value)
    if kind == "int":
        return _encode_int(field, value)
    if kind in REAL_TYPES:
        return _encode_real(field, value)
    if kind == "date":
        return _encode_date(field, value)
    if kind == "datetime":
        return _encode_datetime(field, value)
    raise deserialize_error(field, value, kind)


def _encode_text(field: FieldDef, value: Any) -> str | None:
    if isinstance(value, dict | list):
        raise deserialize_error(field, value, "string")
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value)) if abs(value) < 1e15 else repr(value)
    else:
        text = str(value)
    if text == "":
        return None  # Salesforce stores an empty string as null
    if field.length and len(text) > field.length:
        raise FieldValueError(
            ErrorItem(
                "STRING_TOO_LONG",
                f"{field.label}: data value too large: {text[:80]} (max length={field.length})",
                (field.name,),
            )
        )
    if field.type == "email" and not _EMAIL.match(text):
        raise FieldValueError(
            ErrorItem(
                "INVALID_EMAIL_ADDRESS",
                f"{field.label}: invalid email address: {text}",
                (field.name,),
            )
        )
    if field.type == "picklist" and field.restricted_picklist and text not in field.picklist:
        raise FieldValueError(
            ErrorItem(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{field.label}: bad value for restricted picklist field: {text}",
                (field.name,),
            )
        )
    return text


def _encode_id(field: FieldDef, value: Any) -> str | None:
    if not isinstance(value, str):
        raise deserialize_error(field, value, "id")
    if value == "":
        return None
    normalized = normalize_id(value)
    if normalized is None:
        raise malformed_id(field, value)
    return normalized


def malformed_id(field: FieldDef, value: str) -> FieldValueError:
    """MALFORMED_ID for a reference value that is not an id of the right kind."""
    return FieldValueError(
        ErrorItem(
            "MALFORMED_ID", f"{field.label}: id value of incorrect type: {value}", (field.name,)
        )
    )


def _encode_boolean(field: FieldDef, value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return int(value.strip().lower() in ("true", "1"))
    raise deserialize_error(field, value, "boolean")


def _as_number(field: FieldDef, value: Any, java_type: str) -> float:
    if isinstance(value, bool | dict | list):
        raise deserialize_error(field, value, java_type)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _NUMBER.match(value.strip()):
        number = float(value.strip())
    else:
        raise deserialize_error(field, value, java_type)
    if not math.isfinite(number):
        raise deserialize_error(field, value, java_type)
    return number


def _check_range(field: FieldDef, number: float, shown: Any) -> None:
    integer_digits = max(field.precision - field.scale, 1)
    if abs(number) >= 10**integer_digits:
        raise FieldValueError(
            ErrorItem(
                "NUMBER_OUTSIDE_VALID_RANGE",
                f"{field.label}: value outside of valid range on numeric field: {shown}",
                (field.name,),
            )
        )


def _encode_int(field: FieldDef, value: Any) -> int:
    number = _as_number(field, value, "int")
    if not number.is_integer():
        raise deserialize_error(field, value, "int")
    _check_range(field, number, value)
    return int(number)


def _encode_real(field: FieldDef, value: Any) -> float:
    number = _as_number(field, value, "double")
    _check_range(field, number, value)
    return round(number, field.scale) if field.scale or field.precision else number


def _encode_date(field: FieldDef, value: Any) -> str:
    if isinstance(value, str) and len(value.strip()) >= 10:
        try:
            return date.fromisoformat(value.strip()[:10]).isoformat()
        except ValueError:
            pass
    raise deserialize_error(field, value, "date")


def _encode_datetime(field: FieldDef, value: Any) -> str:
    if isinstance(value, str):
        moment = parse_datetime(value)
        if moment is not None:
            return format_datetime(moment)
    raise deserialize_error(field, value, "datetime")


def decode_value(kind: str, stored: Any) -> Any:
    """The JSON value of a stored field value."""
    if stored is None:
        return None
    if kind == "boolean":
        return bool(stored)
    if kind in REAL_TYPES:
        return float(stored)
    if kind == "int":
        return int(stored)
    return stored
