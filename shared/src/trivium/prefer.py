"""`Prefer: respond-async` (RFC 7240): how a client asks a route that may take long to answer
`202 Accepted` at once, how such a route documents that answer, and how a caller asks for it and
reads whether it was applied."""

from __future__ import annotations

import re
from typing import Annotated, Any

import httpx
from fastapi import Header, status
from pydantic import BaseModel

PreferHeader = Annotated[str | None, Header(description="`respond-async` to get 202 at once.")]


def prefers_async(prefer: str | None) -> bool:
    """True when a `Prefer` header (RFC 7240) asks for `respond-async`."""
    if not prefer:
        return False
    tokens = (part.split("=", 1)[0].strip().lower() for part in re.split(r"[,;]", prefer))
    return "respond-async" in tokens


def accepted_response(model: type[BaseModel], description: str) -> dict[int | str, dict[str, Any]]:
    """The route's documented `202 Accepted` answer (for its `responses=`)."""
    return {status.HTTP_202_ACCEPTED: {"model": model, "description": description}}


def call_headers(
    token: str, *, idempotency_key: str | None = None, respond_async: bool = False
) -> dict[str, str]:
    """The headers of a call signed with `token`, with its Idempotency-Key and
    `Prefer: respond-async` when given."""
    headers = {"Authorization": f"Bearer {token}"}
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    if respond_async:
        headers["Prefer"] = "respond-async"
    return headers


def async_applied(response: httpx.Response) -> bool:
    """True when the answer says it applied `respond-async` (`Preference-Applied`)."""
    return "respond-async" in response.headers.get("preference-applied", "").lower()
