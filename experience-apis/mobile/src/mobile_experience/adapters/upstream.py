"""Calling a lower tier and turning its answers into this API's problems, never passing a
lower tier's problem through as it stands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from mobile_experience.domain.errors import UpstreamFailed, UpstreamUnavailable
from trivium.problems import PROBLEM_BASE_URI, FieldError, Problem

ModelT = TypeVar("ModelT", bound=BaseModel)

# RFC 9457 members that this API sets itself; every other member of a lower tier's problem
# (`orderId`, the existing records of a duplicate, ...) is kept.
_OWN_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "correlationId"})
_NOT_ANSWERED_STATUSES = frozenset({408, 425, 429})


def body_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def problem_slug(body: Any) -> str | None:
    """The last segment of a problem's `type` URI (`record-not-found`), if the body is one."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return None
    problem_type: str = body["type"]
    return problem_type.removeprefix(PROBLEM_BASE_URI).rsplit("/", 1)[-1]


def translate(problem: type[Problem], response: httpx.Response, *, fallback: str) -> Problem:
    """`problem`, carrying the lower tier's detail, field errors, extensions and its `reason`."""
    body = body_of(response)
    document = body if isinstance(body, dict) else {}
    errors = [
        FieldError(pointer=str(item.get("pointer", "")), detail=str(item.get("detail", "")))
        for item in document.get("errors") or []
        if isinstance(item, dict)
    ]
    extensions = {
        name: value
        for name, value in document.items()
        if name not in _OWN_MEMBERS and name != "errors"
    }
    extensions["reason"] = problem_slug(document) or problem.slug
    detail = document.get("detail") if isinstance(document.get("detail"), str) else None
    return problem(detail or fallback, errors=errors or None, **extensions)


class LowerTier:
    """Calls to one lower-tier service; `unavailable` is raised when trying later can help."""

    def __init__(
        self, http: httpx.AsyncClient, *, name: str, unavailable: type[UpstreamUnavailable]
    ) -> None:
        self.name = name
        self.unavailable = unavailable
        self._http = http

    async def call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send the request; no answer at all (refused, timed out, breaker open) is unavailable."""
        try:
            return await self._http.request(method, path, params=params, json=json, headers=headers)
        except httpx.HTTPError as error:
            raise self.unavailable(
                f"{self.name} did not answer the {what} ({type(error).__name__}).",
                headers={"Retry-After": "5"},
            ) from error

    def fail(self, response: httpx.Response, *, what: str) -> NoReturn:
        """Raise for an answer the caller did not expect: unavailable, or a failed upstream."""
        slug = problem_slug(body_of(response))
        if response.status_code >= 500 or response.status_code in _NOT_ANSWERED_STATUSES:
            retry_after = response.headers.get("retry-after") or "5"
            raise self.unavailable(
                f"{self.name} could not answer the {what} now.",
                headers={"Retry-After": retry_after},
                upstreamStatus=response.status_code,
                upstreamType=slug,
            )
        raise UpstreamFailed(
            f"{self.name} refused the {what} ({response.status_code}).",
            upstreamStatus=response.status_code,
            upstreamType=slug,
        )

    def read(
        self,
        response: httpx.Response,
        model: type[ModelT],
        *,
        what: str,
        expected: Callable[[int], bool] = lambda status: status == 200,
    ) -> ModelT:
        """The answer as `model` when its status is expected; otherwise `fail`."""
        if not expected(response.status_code):
            self.fail(response, what=what)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as error:
            raise UpstreamFailed(
                f"{self.name} answered the {what} in an unexpected shape "
                f"({error.error_count()} errors)."
            ) from error
