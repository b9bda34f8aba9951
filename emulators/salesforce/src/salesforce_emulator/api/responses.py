"""Resource results as HTTP responses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from salesforce_emulator.rest.context import RestResponse, parse_json_body

SALESFORCE_JSON = "application/json;charset=UTF-8"


def to_response(result: RestResponse) -> Response:
    """A JSON response (or an empty one for 204) with the resource's headers."""
    if result.status == 204 or result.body is None:
        return Response(status_code=result.status, headers=result.headers)
    return JSONResponse(
        result.body, status_code=result.status, headers=result.headers, media_type=SALESFORCE_JSON
    )


async def json_body(request: Request) -> object:
    """The parsed JSON body, or 400 JSON_PARSER_ERROR."""
    return parse_json_body(await request.body())


def field_list(value: str | None) -> list[str] | None:
    """`?fields=Id,Name` as a list (None when absent)."""
    if value is None:
        return None
    return [item.strip() for item in value.split(",") if item.strip()]


async def serve(resource: Callable[..., RestResponse], *args: Any, **kwargs: Any) -> Response:
    """Run a resource in a worker thread (it waits for the database lock there, not on the
    event loop) and render its result."""
    return to_response(await run_in_threadpool(resource, *args, **kwargs))
