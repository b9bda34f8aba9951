"""Pact matchers for Trivium's own wire conventions, shared by every consumer's pacts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pact import match
from pact.match.matcher import AbstractMatcher

from trivium import ids
from trivium.problems import PROBLEM_BASE_URI

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
SALESFORCE_ID_PATTERN = r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"
ERP_NUMBER_PATTERN = r"^[A-Za-z0-9]{1,10}$"
ULID_PATTERN = ids.ULID_PATTERN
TIMESTAMP_PATTERN = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


def decimal_string(example: str = "12.50") -> AbstractMatcher[Any]:
    """A decimal as a string ("12.50"), as every Trivium API writes numbers that are not counts."""
    return match.regex(example, regex=DECIMAL_PATTERN)


def currency_code(example: str = "EUR") -> AbstractMatcher[Any]:
    """An ISO 4217 currency code."""
    return match.regex(example, regex=CURRENCY_PATTERN)


def money(example: str = "12.50", currency: str = "EUR") -> dict[str, Any]:
    """`{"amount": "12.50", "currency": "EUR"}`, any amount and ISO currency."""
    return {"amount": decimal_string(example), "currency": currency_code(currency)}


def problem(slug: str, status: int) -> dict[str, Any]:
    """An RFC 9457 problem told apart by the last segment of its `type` URI."""
    return {
        "type": match.regex(PROBLEM_BASE_URI + slug, regex=rf"^\S+/{re.escape(slug)}$"),
        "title": match.str("A title for people"),
        "status": status,
    }


def strings_like(body: Mapping[str, Any]) -> dict[str, Any]:
    """`body` with each string matched as any string, in nested objects too."""

    def like(value: Any) -> Any:
        if isinstance(value, Mapping):
            return strings_like(value)
        return match.str(value) if isinstance(value, str) else value

    return {name: like(value) for name, value in body.items()}


def bearer_token() -> AbstractMatcher[Any]:
    """`Authorization` of a service call: the provider checks the token itself."""
    return match.regex("Bearer service-token", regex=r"^Bearer \S+$")


def idempotency_key(example: str = "order:0001") -> AbstractMatcher[Any]:
    """An `Idempotency-Key` header value."""
    return match.regex(example, regex=r"^\S{1,255}$")


def salesforce_id(example: str) -> AbstractMatcher[Any]:
    """A Salesforce record id (15 or 18 characters), as the Salesforce System API passes them on."""
    return match.regex(example, regex=SALESFORCE_ID_PATTERN)


def erp_number(example: str) -> AbstractMatcher[Any]:
    """A number the ERP gives its customers and documents (up to ten letters and digits)."""
    return match.regex(example, regex=ERP_NUMBER_PATTERN)


def ulid(example: str) -> AbstractMatcher[Any]:
    """An id Trivium gives an order or a request (a ULID: 26 Crockford base-32 characters)."""
    return match.regex(example, regex=ULID_PATTERN)


def timestamp(example: str = "2026-11-28T10:15:00.123+00:00") -> AbstractMatcher[Any]:
    """An ISO 8601 date and time with its offset, as Trivium writes when something happened."""
    return match.regex(example, regex=TIMESTAMP_PATTERN)
