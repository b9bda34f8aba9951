"""`Prefer: respond-async` (RFC 7240): how a client asks a route that may take long to answer
`202 Accepted` at once, and how such a route documents that answer."""

from __future__ import annotations

import re
from typing import Annotated, Any

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
