"""Salesforce's API errors: an HTTP status and a list of {message, errorCode, fields}."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ErrorItem:
    """One entry of Salesforce's error array."""

    error_code: str
    message: str
    fields: tuple[str, ...] | None = ()  # None: the error has no `fields` key (query errors)

    def to_json(self) -> dict[str, Any]:
        """The REST shape: `{"message", "errorCode", "fields"}`."""
        body: dict[str, Any] = {"message": self.message, "errorCode": self.error_code}
        if self.fields is not None:
            body["fields"] = list(self.fields)
        return body

    def to_result_json(self) -> dict[str, Any]:
        """The shape inside sObject Collections results, which says `statusCode`."""
        return {
            "statusCode": self.error_code,
            "message": self.message,
            "fields": list(self.fields or ()),
        }


@dataclass
class SalesforceError(Exception):
    """A request Salesforce rejects; rendered as a JSON array with `status`."""

    status: int
    errors: list[ErrorItem] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(f"{item.error_code}: {item.message}" for item in self.errors)

    @property
    def first(self) -> ErrorItem:
        return self.errors[0]

    def to_json(self) -> list[dict[str, Any]]:
        return [item.to_json() for item in self.errors]


def api_error(
    status: int, error_code: str, message: str, fields: Sequence[str] | None = ()
) -> SalesforceError:
    """A SalesforceError with one item."""
    return SalesforceError(
        status, [ErrorItem(error_code, message, None if fields is None else tuple(fields))]
    )


def bad_request(
    error_code: str, message: str, fields: Sequence[str] | None = ()
) -> SalesforceError:
    """A 400 error with one item."""
    return api_error(400, error_code, message, fields)


NOT_FOUND_MESSAGE = "The requested resource does not exist"


def not_found(message: str = NOT_FOUND_MESSAGE) -> SalesforceError:
    """404 NOT_FOUND (no `fields` key, like Salesforce)."""
    return api_error(404, "NOT_FOUND", message, fields=None)


def entity_is_deleted() -> SalesforceError:
    """404 ENTITY_IS_DELETED, for a record in the recycle bin."""
    return api_error(404, "ENTITY_IS_DELETED", "entity is deleted")


def invalid_session() -> SalesforceError:
    """401 INVALID_SESSION_ID: missing, unknown or expired token."""
    return api_error(401, "INVALID_SESSION_ID", "Session expired or invalid", fields=None)


def json_parser_error(message: str) -> SalesforceError:
    """400 JSON_PARSER_ERROR for a body that is not the JSON expected."""
    return bad_request("JSON_PARSER_ERROR", message)


def method_not_allowed(method: str, allowed: Sequence[str]) -> SalesforceError:
    """405 METHOD_NOT_ALLOWED in Salesforce's wording."""
    return api_error(
        405,
        "METHOD_NOT_ALLOWED",
        f"HTTP Method '{method}' not allowed. Allowed are {','.join(allowed)}",
        fields=None,
    )
