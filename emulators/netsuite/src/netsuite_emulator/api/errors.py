"""Errors on the REST paths answer in NetSuite's error body; elsewhere as problem+json."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from netsuite_emulator.domain.errors import NetSuiteError, invalid_content
from netsuite_emulator.emulator import REST_PREFIX

ERROR_MEDIA_TYPE = "application/vnd.oracle.resource+json; type=error"


def netsuite_response(error: NetSuiteError) -> Response:
    return JSONResponse(error.body(), status_code=error.status, media_type=ERROR_MEDIA_TYPE)


async def _handle_netsuite_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, NetSuiteError)
    return netsuite_response(exc)


def install_netsuite_handlers(app: FastAPI) -> None:
    """NetSuiteError anywhere, and HTTP/validation errors on the REST paths, in NetSuite's form."""
    # The shared problem+json handlers, still used off the REST paths.
    problem_http: Any = app.exception_handlers[StarletteHTTPException]
    problem_validation: Any = app.exception_handlers[RequestValidationError]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if request.url.path.startswith(f"{REST_PREFIX}/"):
            code = {404: "NONEXISTENT_ID", 405: "INVALID_REQUEST"}.get(
                exc.status_code, "USER_ERROR"
            )
            detail = {
                404: f"The resource '{request.url.path}' does not exist.",
                405: f"The method {request.method} is not allowed here.",
            }.get(exc.status_code, str(exc.detail))
            return netsuite_response(NetSuiteError(exc.status_code, code, detail))
        response: Response = await problem_http(request, exc)
        return response

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if request.url.path.startswith(f"{REST_PREFIX}/"):
            first = exc.errors()[0] if exc.errors() else {}
            location = ".".join(str(part) for part in first.get("loc", ())[1:]) or None
            return netsuite_response(
                invalid_content(
                    f"Invalid request: {first.get('msg', 'invalid value')}.", path=location
                )
            )
        response: Response = await problem_validation(request, exc)
        return response

    app.add_exception_handler(NetSuiteError, _handle_netsuite_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
