"""What every ERP adapter does alike with its HTTP conversation: one call on the shared client
with transport failures as problems, and an error answer's status as the problem it means."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import httpx

from erp_system.domain.errors import (
    ConcurrentUpdate,
    ErpAuthenticationFailed,
    ErpError,
    ErpRejected,
    ErpTimeout,
    ErpUnavailable,
    RecordNotFound,
)
from trivium.circuit_breaker import CircuitOpenError
from trivium.http_client import IDEMPOTENT_EXTENSION
from trivium.problems import FieldError, Problem

OUTAGE_RETRY_AFTER_SECONDS = 30


async def send(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    content: bytes | None,
    headers: Mapping[str, str],
    idempotent: bool,
) -> httpx.Response:
    """One request to the ERP; an open breaker, a timeout or no connection as our problems."""
    try:
        return await http.request(
            method,
            url,
            content=content,
            headers=headers,
            extensions={IDEMPOTENT_EXTENSION: idempotent},
        )
    except CircuitOpenError as error:
        raise ErpUnavailable(
            "The ERP is failing; calls to it are paused for a moment.",
            headers={"Retry-After": str(max(math.ceil(error.retry_after), 1))},
        ) from error
    except httpx.TimeoutException as error:
        raise ErpTimeout("The ERP did not answer in time.") from error
    except httpx.TransportError as error:
        raise ErpUnavailable(
            "The ERP cannot be reached.", headers={"Retry-After": str(OUTAGE_RETRY_AFTER_SECONDS)}
        ) from error


def problem_for_status(
    status: int,
    *,
    what: str,
    text: str | None,
    code: str | None,
    errors: list[FieldError],
    not_found: type[Problem] = RecordNotFound,
    retry_after: str | None = None,
) -> Problem:
    """The problem that tells our client what an ERP error answer means for them; `text` and
    `errors` are the ERP's own message (None when it sent none it could be read from)."""
    if status == 404:
        return not_found(f"The {what} does not exist in the ERP.")
    if status in (409, 412):
        return ConcurrentUpdate(f"The {what} was changed in the ERP meanwhile; read it again.")
    if status in (400, 422) and text is not None:
        return ErpRejected(f"The ERP rejected the {what}: {text or code}", errors=errors)
    if status in (429, 502, 503, 504):
        wait = retry_after if retry_after and retry_after.isdigit() else None
        return ErpUnavailable(
            "The ERP is busy or unavailable; try again shortly.",
            headers={"Retry-After": wait or str(OUTAGE_RETRY_AFTER_SECONDS)},
        )
    if status in (401, 403):
        return ErpAuthenticationFailed(
            "The ERP refused Trivium's technical user (logon or authorisation)."
        )
    suffix = f" {code}" if code else ""
    return ErpError(f"The ERP answered {status}{suffix} for the {what}.")


def json_object(response: httpx.Response, *, what: str, kind: str) -> dict[str, Any]:
    """The answer's JSON object; ErpError when it is not JSON, or not an object (`kind` names
    what the ERP should have sent)."""
    try:
        payload = response.json()
    except ValueError as error:
        raise ErpError(f"The ERP's answer for {what} is not JSON.") from error
    if not isinstance(payload, dict):
        raise ErpError(f"The ERP's answer for {what} is not {kind}.")
    return payload
