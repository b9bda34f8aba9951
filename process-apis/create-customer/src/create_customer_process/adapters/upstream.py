"""Turning a System API's answer into this service's problems: unavailable (try again later) or
rejected (will not succeed as asked), never the upstream's own problem passed through."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, NoReturn, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from create_customer_process.domain.errors import UpstreamRejected, UpstreamUnavailable
from trivium.http_client import IDEMPOTENT_EXTENSION
from trivium.problems import PROBLEM_BASE_URI, FieldError

ModelT = TypeVar("ModelT", bound=BaseModel)

TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# Conflicts that only mean "someone is doing this right now": the same call will succeed later.
IN_PROGRESS_PROBLEMS = frozenset({"creation-in-progress", "idempotency-request-in-progress"})
# The request may be resent: it changes nothing, or changes it to the same end each time.
SAFE_TO_RESEND = {IDEMPOTENT_EXTENSION: True}


def problem_slug(body: Any) -> str | None:
    """The last segment of a problem's `type` URI (`record-not-found`), if the body is one."""
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return None
    problem_type: str = body["type"]
    return problem_type.removeprefix(PROBLEM_BASE_URI).rsplit("/", 1)[-1]


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _field_errors(body: Any) -> list[FieldError]:
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return []
    return [
        FieldError(pointer=str(item.get("pointer", "")), detail=str(item.get("detail", "")))
        for item in body["errors"]
        if isinstance(item, dict)
    ]


def raise_for_answer(
    response: httpx.Response,
    *,
    what: str,
    unavailable: type[UpstreamUnavailable],
    rejected: type[UpstreamRejected],
) -> NoReturn:
    """Raise the problem for an error answer: `unavailable` when trying later can help."""
    body = _body(response)
    slug = problem_slug(body)
    detail = body.get("detail") if isinstance(body, dict) else None
    text = f"{what}: {detail or response.reason_phrase or response.status_code}"
    upstream: dict[str, Any] = {"upstreamStatus": response.status_code, "upstreamType": slug}
    if response.status_code in TRANSIENT_STATUSES or (
        response.status_code == 409 and slug in IN_PROGRESS_PROBLEMS
    ):
        retry_after = response.headers.get("retry-after")
        headers = {"Retry-After": retry_after} if retry_after else None
        raise unavailable(text, headers=headers, **upstream)
    raise rejected(text, errors=_field_errors(body), **upstream)


def read_answer(
    response: httpx.Response, model: type[ModelT], *, what: str, rejected: type[UpstreamRejected]
) -> ModelT:
    """The answer's body as `model`; an answer of another shape is a refusal (a contract break)."""
    try:
        return model.model_validate_json(response.content)
    except ValidationError as error:
        raise rejected(
            f"{what}: the answer does not have the expected shape ({error.error_count()} errors)."
        ) from error


class SystemApi:
    """Calls to one System API, with its answers turned into this service's problems."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        name: str,
        unavailable: type[UpstreamUnavailable],
        rejected: type[UpstreamRejected],
    ) -> None:
        self.name = name
        self.unavailable = unavailable
        self.rejected = rejected
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
        extensions: dict[str, Any] | None = None,
    ) -> httpx.Response:
        """Send the request; no answer at all is `unavailable`."""
        with translate_transport_errors(what=f"{self.name} {what}", unavailable=self.unavailable):
            return await self._http.request(
                method, path, params=params, json=json, headers=headers, extensions=extensions
            )

    def is_problem(self, response: httpx.Response, status: int, slug: str) -> bool:
        """True when the answer is the problem `slug` with `status`."""
        return response.status_code == status and problem_slug(_body(response)) == slug

    def raise_unless_ok(self, response: httpx.Response, *, what: str) -> None:
        """Raise `unavailable` or `rejected` for an error answer."""
        if not response.is_success:
            raise_for_answer(
                response,
                what=f"{self.name} {what}",
                unavailable=self.unavailable,
                rejected=self.rejected,
            )

    def read(self, response: httpx.Response, model: type[ModelT], *, what: str) -> ModelT:
        """A successful answer as `model` (raising for an error answer first)."""
        self.raise_unless_ok(response, what=what)
        return read_answer(response, model, what=f"{self.name} {what}", rejected=self.rejected)


@contextlib.contextmanager
def translate_transport_errors(
    *, what: str, unavailable: type[UpstreamUnavailable]
) -> Iterator[None]:
    """A call that got no answer (refused, timed out, breaker open) is unavailable."""
    try:
        yield
    except httpx.HTTPError as error:
        raise unavailable(f"{what}: no answer ({type(error).__name__}).") from error
