"""Calls to one upstream API, with its failures turned into this service's problems:
unavailable (503, try again later) or failed (502), never the upstream's problem passed on."""

from __future__ import annotations

import math
from typing import Any, NoReturn, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from partner_portal_experience.domain.errors import UpstreamFailed, UpstreamUnavailable
from trivium.circuit_breaker import CircuitOpenError
from trivium.problems import PROBLEM_BASE_URI

ModelT = TypeVar("ModelT", bound=BaseModel)

TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
DEFAULT_RETRY_AFTER = "2"


def problem_slug(response: httpx.Response) -> str | None:
    """The last segment of a problem answer's `type` (`order-not-found`), if it is one."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("type"), str):
        return None
    kind: str = body["type"]
    return kind.removeprefix(PROBLEM_BASE_URI).rsplit("/", 1)[-1]


def problem_body(response: httpx.Response) -> dict[str, Any]:
    """The answer's JSON object ({} when it has none)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class Upstream:
    """One upstream API behind the shared resilient client."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        name: str,
        unavailable: type[UpstreamUnavailable],
        failed: type[UpstreamFailed],
    ) -> None:
        self.name = name
        self.unavailable = unavailable
        self.failed = failed
        self._http = http

    async def send(
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
        """The upstream's answer, whatever its status; no answer at all is `unavailable`."""
        try:
            return await self._http.request(
                method, path, params=params, json=json, headers=headers, extensions=extensions
            )
        except CircuitOpenError as error:
            wait = str(max(1, math.ceil(error.retry_after)))
            raise self.unavailable(
                f"{self.name} is failing; {what} is paused for a moment.",
                headers={"Retry-After": wait},
            ) from error
        except httpx.HTTPError as error:
            raise self.unavailable(
                f"{self.name} did not answer ({what}).",
                headers={"Retry-After": DEFAULT_RETRY_AFTER},
            ) from error

    def fail(self, response: httpx.Response, *, what: str) -> NoReturn:
        """Raise `unavailable` when trying later can help, `failed` otherwise."""
        if response.status_code in TRANSIENT_STATUSES:
            retry_after = response.headers.get("retry-after") or DEFAULT_RETRY_AFTER
            raise self.unavailable(
                f"{self.name} cannot answer right now ({what}).",
                headers={"Retry-After": retry_after},
            )
        raise self.failed(
            f"{self.name} refused {what} ({response.status_code} {problem_slug(response) or ''})."
        )

    def read(self, response: httpx.Response, model: type[ModelT], *, what: str) -> ModelT:
        """A successful answer as `model`; another status or shape raises."""
        if not response.is_success:
            self.fail(response, what=what)
        try:
            return model.model_validate_json(response.content)
        except ValidationError as error:
            raise self.failed(
                f"{self.name} answered {what} in an unexpected shape "
                f"({error.error_count()} errors)."
            ) from error
