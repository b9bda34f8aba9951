"""Exception handlers: Salesforce's error array on its paths, problem+json on the admin paths."""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from salesforce_emulator.api.gate import is_salesforce_path
from salesforce_emulator.api.responses import SALESFORCE_JSON
from salesforce_emulator.domain.auth import OAuthError
from salesforce_emulator.domain.errors import (
    SalesforceError,
    api_error,
    bad_request,
    method_not_allowed,
    not_found,
)


def salesforce_response(error: SalesforceError) -> JSONResponse:
    return JSONResponse(error.to_json(), status_code=error.status, media_type=SALESFORCE_JSON)


async def _salesforce_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SalesforceError)
    return salesforce_response(exc)


async def _oauth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description}, status_code=exc.status
    )


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette reports only the first route's)."""
    allowed = [
        method
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.routes
        )
    ]
    if "GET" in allowed:
        allowed.insert(1, "HEAD")
    return allowed


async def _delegate(handler: Any, request: Request, exc: Exception) -> Response:
    """Call the shared problem+json handler this module replaced (sync or async)."""
    result = handler(request, exc)
    if inspect.isawaitable(result):
        result = await result
    assert isinstance(result, Response)
    return result


def install_salesforce_handlers(app: FastAPI) -> None:
    """Render our errors, and framework errors on Salesforce paths, the way Salesforce does."""
    problem_validation = app.exception_handlers[RequestValidationError]
    problem_http = app.exception_handlers[StarletteHTTPException]

    async def validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if not is_salesforce_path(request.url.path):
            return await _delegate(problem_validation, request, exc)
        first = exc.errors()[0] if exc.errors() else {}
        location = first.get("loc", ("body",))
        if location and location[0] == "body":
            return salesforce_response(bad_request("JSON_PARSER_ERROR", str(first.get("msg"))))
        name = location[-1] if location else "parameter"
        return salesforce_response(
            bad_request(
                "INVALID_INPUT", f"Invalid value for parameter '{name}': {first.get('msg')}"
            )
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not is_salesforce_path(request.url.path):
            return await _delegate(problem_http, request, exc)
        if exc.status_code == 404:
            return salesforce_response(not_found())
        if exc.status_code == 405:
            return salesforce_response(method_not_allowed(request.method, allowed_methods(request)))
        return salesforce_response(api_error(exc.status_code, "UNKNOWN_EXCEPTION", str(exc.detail)))

    app.add_exception_handler(SalesforceError, _salesforce_error)
    app.add_exception_handler(OAuthError, _oauth_error)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http_error)
