"""Calling a lower tier and turning its answers into the caller's own problems: unavailable (try
again later, with `Retry-After`) or rejected (will not succeed as asked), never the lower tier's
problem passed through as it stands.

Each service passes its own `Problem` classes, so the problems keep its type URIs and titles.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from trivium.circuit_breaker import CircuitOpenError
from trivium.http_client import IDEMPOTENT_EXTENSION
from trivium.paging import InvalidCursor
from trivium.problems import PROBLEM_BASE_URI, FieldError, Problem

ModelT = TypeVar("ModelT", bound=BaseModel)

TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# Conflicts that only mean "someone is doing this right now": the same call will succeed later.
IN_PROGRESS_PROBLEMS = frozenset(
    {"creation-in-progress", "customer-creation-in-progress", "idempotency-request-in-progress"}
)
# The request may be resent: it changes nothing, or changes it to the same end each time.
SAFE_TO_RESEND = {IDEMPOTENT_EXTENSION: True}
# RFC 9457 members the caller sets itself when it renders a problem of its own.
_OWN_MEMBERS = frozenset({"type", "title", "status", "detail", "instance", "correlationId"})


def problem_body(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object ({} when the body is not one)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def problem_slug(answer: httpx.Response | Mapping[str, Any]) -> str | None:
    """The last segment of a problem's `type` URI (`record-not-found`), if the answer is one."""
    body = problem_body(answer) if isinstance(answer, httpx.Response) else answer
    problem_type = body.get("type")
    if not isinstance(problem_type, str):
        return None
    return problem_type.removeprefix(PROBLEM_BASE_URI).rsplit("/", 1)[-1]


def field_errors(body: Mapping[str, Any]) -> list[FieldError]:
    """The problem's field `errors`, skipping entries that are not objects."""
    errors = body.get("errors")
    if not isinstance(errors, list):
        return []
    return [
        FieldError(pointer=str(item.get("pointer", "")), detail=str(item.get("detail", "")))
        for item in errors
        if isinstance(item, dict)
    ]


def is_transient(response: httpx.Response) -> bool:
    """True when the same call may succeed later: a transient status or work still running."""
    return response.status_code in TRANSIENT_STATUSES or (
        response.status_code == 409 and problem_slug(response) in IN_PROGRESS_PROBLEMS
    )


def translate(problem: type[Problem], response: httpx.Response, *, fallback: str) -> Problem:
    """`problem` carrying the lower tier's detail, field errors and extension members, and the
    rule it names as `reason`; for answers the caller expects and passes on in its own terms."""
    body = problem_body(response)
    extensions = {
        name: value for name, value in body.items() if name not in _OWN_MEMBERS | {"errors"}
    }
    extensions["reason"] = problem_slug(body) or problem.slug
    detail = body.get("detail")
    return problem(
        detail if isinstance(detail, str) and detail else fallback,
        errors=field_errors(body) or None,
        **extensions,
    )


class Upstream:
    """Calls to one lower-tier API, with its answers turned into the caller's problems.

    `unavailable` is raised when trying later can help (no answer, a transient status, work still
    in progress), `rejected` otherwise. `retry_after` is the `Retry-After` sent with `unavailable`
    when the lower tier gave none (by default the problem's own `retry_after`; with neither, none is
    sent); an open breaker always says when it closes.
    """

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        name: str,
        unavailable: type[Problem],
        rejected: type[Problem],
        retry_after: str | None = None,
    ) -> None:
        self.name = name
        self.unavailable = unavailable
        self.rejected = rejected
        self.retry_after = retry_after if retry_after is not None else unavailable.retry_after
        self._http = http

    async def call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
        read_seconds: float | None = None,
    ) -> httpx.Response:
        """The answer, whatever its status (`read_seconds` overrides the client's timeout); no
        answer at all is `unavailable`."""
        try:
            return await self._http.request(
                method,
                path,
                params=params,
                json=json,
                headers=headers,
                extensions=dict(extensions) if extensions else None,
                timeout=read_seconds if read_seconds is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except CircuitOpenError as error:
            raise self.unavailable(
                f"{self.name} {what}: not sent, {self.name} is failing.",
                headers={"Retry-After": error.retry_after_header()},
            ) from error
        except httpx.HTTPError as error:
            raise self.unavailable(
                f"{self.name} {what}: no answer ({type(error).__name__}).",
                headers=self._retry_after(None),
            ) from error

    def is_problem(self, response: httpx.Response, status: int, slug: str) -> bool:
        """True when the answer is the problem `slug` with `status`."""
        return response.status_code == status and problem_slug(response) == slug

    def fail(self, response: httpx.Response, *, what: str) -> NoReturn:
        """Raise for an error answer: `unavailable` when trying later can help, else `rejected`."""
        body = problem_body(response)
        slug = problem_slug(body)
        detail = body.get("detail")
        reason = detail if isinstance(detail, str) and detail else None
        text = f"{self.name} {what}: {reason or response.reason_phrase or response.status_code}"
        upstream: dict[str, Any] = {"upstreamStatus": response.status_code, "upstreamType": slug}
        if is_transient(response):
            headers = self._retry_after(response.headers.get("retry-after"))
            raise self.unavailable(text, headers=headers, **upstream)
        raise self.rejected(text, errors=field_errors(body), **upstream)

    def raise_unless_ok(self, response: httpx.Response, *, what: str) -> None:
        """`fail` for an error answer; nothing for a successful one."""
        if not response.is_success:
            self.fail(response, what=what)

    def read(self, response: httpx.Response, model: type[ModelT], *, what: str) -> ModelT:
        """A successful answer as `model`; an error answer fails, one of another shape is
        `rejected` (a contract break)."""
        self.raise_unless_ok(response, what=what)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as error:
            raise self.rejected(
                f"{self.name} {what}: the answer does not have the expected shape "
                f"({error.error_count()} errors)."
            ) from error

    async def read_page(
        self, path: str, model: type[ModelT], *, what: str, params: Mapping[str, str | int | None]
    ) -> ModelT:
        """One page of a cursor-paged list as `model`, asked with the `params` that are set (its
        filters, `limit`, `cursor`). A cursor the lower tier refuses (it issued it to us, so it
        has expired or been altered) is our caller's `InvalidCursor`."""
        sent = {name: value for name, value in params.items() if value not in (None, "")}
        response = await self.call("GET", path, what=what, params=sent)
        if self.is_problem(response, 400, InvalidCursor.slug):
            raise InvalidCursor("The cursor is not one this API issued.")
        return self.read(response, model, what=what)

    def _retry_after(self, given: str | None) -> dict[str, str] | None:
        wait = given or self.retry_after
        return {"Retry-After": wait} if wait else None
