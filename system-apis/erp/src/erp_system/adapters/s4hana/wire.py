"""OData v2 wire values: `/Date(ms)/`, decimal strings, URI literals, keys and query strings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote

_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Characters OData keeps readable in paths and query options; everything else is escaped.
_PATH_SAFE = "()',=$"
_QUERY_SAFE = "$',()=:/*@"


def parse_datetime(value: Any) -> datetime | None:
    """A `/Date(ms)/` or `/Date(ms+0000)/` value (UTC instant), or an ISO string; None if empty."""
    if not value:
        return None
    if isinstance(value, str):
        match = _DATE.match(value)
        if match:
            # The offset only says which local time the instant was entered in; ms are UTC.
            return _EPOCH + timedelta(milliseconds=int(match.group(1)))
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def parse_date(value: Any) -> date | None:
    """The calendar date of an Edm.DateTime date field (SAP sends UTC midnight)."""
    parsed = parse_datetime(value)
    return parsed.date() if parsed else None


def format_date(value: date) -> str:
    """An Edm.DateTime body value for a pure date: UTC midnight as `/Date(ms)/`."""
    midnight = datetime(value.year, value.month, value.day, tzinfo=UTC)
    return f"/Date({int((midnight - _EPOCH).total_seconds()) * 1000})/"


def date_literal(value: date) -> str:
    """A `$filter` literal for an Edm.DateTime date."""
    return f"datetime'{value.isoformat()}T00:00:00'"


def format_decimal(value: Decimal) -> str:
    """An Edm.Decimal body value: a plain decimal string, never exponent notation."""
    return format(value.normalize() if value == value.to_integral() else value, "f")


def string_literal(value: str) -> str:
    """An Edm.String URI literal: quoted, embedded quotes doubled."""
    return "'" + value.replace("'", "''") + "'"


def entity_path(entity_set: str, key: str | Mapping[str, str]) -> str:
    """`Set('k')` or `Set(A='1',B='2')`, percent-encoded as a path segment."""
    if isinstance(key, str):
        predicate = string_literal(key)
    else:
        predicate = ",".join(f"{name}={string_literal(part)}" for name, part in key.items())
    return quote(f"{entity_set}({predicate})", safe=_PATH_SAFE)


def any_of(field: str, values: Iterable[str]) -> str:
    """`(F eq 'a' or F eq 'b')`, parenthesised so it combines safely with `and`."""
    terms = [f"{field} eq {string_literal(value)}" for value in values]
    return "(" + " or ".join(terms) + ")" if len(terms) > 1 else terms[0]


def query_string(options: Mapping[str, str | int | None]) -> str:
    """A query string with `$` options kept literal and spaces as `%20`, as SAP clients send."""
    parts = [
        f"{quote(name, safe='$')}={quote(str(value), safe=_QUERY_SAFE)}"
        for name, value in options.items()
        if value is not None and value != ""
    ]
    return "&".join(parts)


def with_query(path: str, options: Mapping[str, str | int | None]) -> str:
    """`path?query` (or just the path when no option has a value)."""
    query = query_string(options)
    return f"{path}?{query}" if query else path


def results(payload: Any) -> list[dict[str, Any]]:
    """The entities of a collection body: `{"d": {"results": [...]}}` or v1's `{"d": [...]}`."""
    body = payload.get("d", payload) if isinstance(payload, Mapping) else payload
    if isinstance(body, Mapping):
        body = body.get("results", [])
    return [item for item in body if isinstance(item, dict)] if isinstance(body, list) else []


def expanded(entity: Mapping[str, Any], navigation: str) -> list[dict[str, Any]]:
    """The rows of an expanded to-many navigation (`{"results": [...]}` or a bare list)."""
    value = entity.get(navigation)
    if isinstance(value, Mapping):
        if "__deferred" in value:
            return []
        value = value.get("results", [])
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def expanded_one(entity: Mapping[str, Any], navigation: str) -> dict[str, Any] | None:
    """An expanded 0..1 navigation, or None when absent, null or deferred."""
    value = entity.get(navigation)
    if isinstance(value, dict) and "__deferred" not in value:
        return value
    return None
