"""Salesforce error bodies translated into this API's problems (never passed through raw)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from salesforce_system.adapters.salesforce.mapping import pointer_for
from salesforce_system.domain.errors import (
    CrmAuthenticationFailed,
    CrmBudgetExhausted,
    CrmError,
    CrmUnavailable,
    DuplicateRecord,
    RecordConflict,
    RecordNotFound,
    RecordRejected,
)
from trivium.problems import FieldError, Problem

BUDGET_RETRY_AFTER_SECONDS = 300
OUTAGE_RETRY_AFTER_SECONDS = 30

TRANSIENT_CODES = frozenset({"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "QUERY_TIMEOUT"})
NOT_FOUND_CODES = frozenset({"NOT_FOUND", "ENTITY_IS_DELETED"})
DUPLICATE_CODES = frozenset({"DUPLICATE_VALUE", "DUPLICATES_DETECTED", "DUPLICATE_EXTERNAL_ID"})
CONFLICT_CODES = frozenset({"ENTITY_IS_LOCKED", "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY"})


def error_items(body: Any) -> list[Mapping[str, Any]]:
    """The error objects of a Salesforce error body (array, single object, or nothing)."""
    if isinstance(body, list):
        return [item for item in body if isinstance(item, Mapping)]
    if isinstance(body, Mapping):
        return [body]
    return []


def error_code(item: Mapping[str, Any]) -> str:
    """REST errors say `errorCode`, collection results `statusCode`."""
    return str(item.get("errorCode") or item.get("statusCode") or "UNKNOWN_EXCEPTION")


def first_code(body: Any) -> str | None:
    """The error code of the first error in a body, if there is one."""
    items = error_items(body)
    return error_code(items[0]) if items else None


def field_errors(items: Iterable[Mapping[str, Any]]) -> list[FieldError]:
    """One FieldError per offending field, named as this API names it."""
    errors: list[FieldError] = []
    for item in items:
        fields = item.get("fields") or []
        message = _message(item)
        errors.extend(
            FieldError(pointer=pointer_for(str(field)), detail=message) for field in fields
        )
        if not fields:
            errors.append(FieldError(pointer="/", detail=message))
    return errors


def _message(item: Mapping[str, Any]) -> str:
    return str(item.get("message") or "").strip() or error_code(item)


def problem_for(status: int, body: Any, *, what: str = "record") -> Problem:
    """The problem that tells our client what a Salesforce error means for them."""
    items = error_items(body)
    code = error_code(items[0]) if items else ""
    if code == "REQUEST_LIMIT_EXCEEDED":
        return CrmBudgetExhausted(
            "The CRM's daily API allocation is used up; work resumes when it recovers.",
            headers={"Retry-After": str(BUDGET_RETRY_AFTER_SECONDS)},
        )
    if status == 404 or code in NOT_FOUND_CODES:
        return RecordNotFound(f"The {what} does not exist.")
    if code in DUPLICATE_CODES:
        return DuplicateRecord(
            f"The {what} duplicates an existing one.", errors=field_errors(items)
        )
    if code in CONFLICT_CODES:
        return RecordConflict(_message(items[0]))
    if code in TRANSIENT_CODES or status in (502, 503, 504):
        return CrmUnavailable(
            "The CRM is busy or unavailable; try again shortly.",
            headers={"Retry-After": str(OUTAGE_RETRY_AFTER_SECONDS)},
        )
    if status == 401:
        return CrmAuthenticationFailed("The CRM rejected Trivium's session.")
    if status == 400 and items:
        return RecordRejected(
            f"The CRM rejected the {what}: {_message(items[0])}", errors=field_errors(items)
        )
    return CrmError(f"The CRM answered {status} ({code or 'no error code'}).")
