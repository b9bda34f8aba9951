"""Values as both ERPs' wire formats carry them: text with an empty string read as absent, and
decimals sent as strings (sometimes numbers)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def text(value: Any) -> str | None:
    """A string value, stripped; None when absent or empty (both ERPs send "" for "not set")."""
    if value is None:
        return None
    stripped = str(value).strip()
    return stripped or None


def parse_decimal(value: Any) -> Decimal | None:
    """A decimal (a JSON string, sometimes a number); None when empty or malformed."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None
