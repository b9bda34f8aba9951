"""Exception handlers that render every error as RFC 9457 problem details."""

from __future__ import annotations

from typing import Any

import redis.exceptions
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from trivium.correlation import current_correlation_id
from trivium.problems import (
    PROBLEM_CONTENT_TYPE,
    FieldError,
    Problem,
    ServiceUnavailable,
    ValidationFailed,
    problem_document,
    problem_for_status,
)


class ProblemResponse(JSONResponse):
    """A JSON response with the `application/problem+json` media type."""

    media_type = PROBLEM_CONTENT_TYPE


def problem_response(problem: Problem, request: Request) -> ProblemResponse:
    """Render a Problem raised while handling `request`."""
    body = problem.to_document(instance=request.url.path, correlation_id=current_correlation_id())
    return ProblemResponse(body, status_code=problem.status, headers=problem.headers or None)


def _pointer(location: tuple[Any, ...]) -> str:
    """`("body", "lines", 0, "sku")` → `/lines/0/sku`; query/header/path → the parameter name."""
    source, *path = location or ("body",)
    if source == "body":
        return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in path)
    return ".".join(str(part) for part in path) or str(source)


def field_errors(error: RequestValidationError) -> list[FieldError]:
    """One FieldError per pydantic error, pointing at the field the client sent."""
    return [
        FieldError(pointer=_pointer(tuple(item.get("loc", ()))), detail=item.get("msg", "invalid"))
        for item in error.errors()
    ]


async def _handle_problem(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc, request)


async def _handle_validation(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    problem = ValidationFailed("One or more fields are invalid.", errors=field_errors(exc))
    return problem_response(problem, request)


async def _handle_http_exception(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    problem_class = problem_for_status(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) else None
    body = problem_document(
        type_uri=problem_class.type_uri(),
        title=problem_class.title,
        status=exc.status_code,
        detail=detail if detail != problem_class.title else None,
        instance=request.url.path,
        correlation_id=current_correlation_id(),
    )
    return ProblemResponse(body, status_code=exc.status_code, headers=exc.headers)


# Redis cannot answer for now: a lost or timed-out connection, or a Redis Cluster failing over
# (CLUSTERDOWN, MASTERDOWN, TRYAGAIN, a slot no node serves yet).
STORE_UNREACHABLE: tuple[type[Exception], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ClusterDownError,
    redis.exceptions.TryAgainError,
    redis.exceptions.SlotNotCoveredError,
)


async def _handle_store_unreachable(request: Request, exc: Exception) -> ProblemResponse:
    # Redis restarting or failing over is an outage the client can wait out, not a bug.
    problem = ServiceUnavailable(
        "A data store of this service is unreachable; retry shortly.",
        headers={"Retry-After": "1"},
    )
    return problem_response(problem, request)


async def _handle_cluster_error(request: Request, exc: Exception) -> ProblemResponse:
    # A cluster client reports that no node answers for the slot map with RedisClusterException
    # (no RedisError), caused by the connection error; any other (keys of two slots in one
    # transaction) is a bug, left to the last-resort 500.
    if isinstance(exc.__cause__, STORE_UNREACHABLE):
        return await _handle_store_unreachable(request, exc)
    raise exc


def install_problem_handlers(app: FastAPI) -> None:
    """Make Problems, validation errors, HTTP errors and an unreachable Redis answer as
    problem+json."""
    app.add_exception_handler(Problem, _handle_problem)
    for unreachable in STORE_UNREACHABLE:
        app.add_exception_handler(unreachable, _handle_store_unreachable)
    app.add_exception_handler(redis.exceptions.RedisClusterException, _handle_cluster_error)
    app.add_exception_handler(RequestValidationError, _handle_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
