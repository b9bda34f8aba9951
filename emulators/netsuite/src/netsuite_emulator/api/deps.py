"""What the REST routers read from a request: the emulator, its record context, a JSON body."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import JSONResponse

from netsuite_emulator.domain.errors import invalid_content
from netsuite_emulator.domain.records.common import RecordContext

if TYPE_CHECKING:
    from netsuite_emulator.emulator import Emulator

MAX_BODY_BYTES = 10 * 1024 * 1024


class SingularResource(JSONResponse):
    """A record, as NetSuite types it."""

    media_type = "application/vnd.oracle.resource+json; type=singular-resource"


class CollectionResource(JSONResponse):
    """A page of records or query rows, as NetSuite types it."""

    media_type = "application/vnd.oracle.resource+json; type=collection"


def emulator_of(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def record_context(request: Request) -> RecordContext:
    return emulator_of(request).records(str(request.base_url))


async def json_body(request: Request) -> Any:
    """The request's JSON document; INVALID_CONTENT when there is none or it is malformed."""
    content_type = request.headers.get("content-type", "application/json")
    if "json" not in content_type:
        raise invalid_content(f"Unsupported content type '{content_type}'; JSON is expected.")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise invalid_content("The request body is too large.")
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise invalid_content("The request body is not valid JSON.") from None
