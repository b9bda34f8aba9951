"""Safe SOQL text: every value that reaches a query passes through these functions."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from salesforce_system.domain.errors import RecordNotFound

_ID_SHAPE = re.compile(r"^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$")
_ESCAPES = {"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPE_PATTERN = re.compile(r"[\\'\"\n\r\t]")
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

Literal = str | int | Decimal | bool | date | datetime | None


def quote(value: Literal) -> str:
    """A SOQL literal for `value`; strings are quoted with every special character escaped."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return "'" + _ESCAPE_PATTERN.sub(lambda match: _ESCAPES[match.group()], value) + "'"


def like_contains(text: str) -> str:
    """A quoted LIKE pattern matching `text` anywhere, its own wildcards taken literally."""
    body = _ESCAPE_PATTERN.sub(lambda match: _ESCAPES[match.group()], text)
    body = body.replace("%", "\\%").replace("_", "\\_")
    return f"'%{body}%'"


def to_18(record_id: str) -> str:
    """The 18-character, case-insensitive-safe form of a 15- or 18-character Salesforce id."""
    if len(record_id) == 18:
        return record_id
    suffix = ""
    for start in (0, 5, 10):
        chunk = record_id[start : start + 5]
        bits = sum(1 << position for position, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix += _CHECKSUM_ALPHABET[bits]
    return record_id + suffix


def record_id(value: str, *, prefix: str, what: str) -> str:
    """A well-formed id of the expected object, in 18 characters; 404 for anything else."""
    if not _ID_SHAPE.match(value) or not value.startswith(prefix):
        raise RecordNotFound(f"No {what} has the id {value!r}.")
    return to_18(value)
