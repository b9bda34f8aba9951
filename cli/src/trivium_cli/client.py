"""Calls to the services as the operator: each request carries a fresh short-lived operator
token for the service it goes to, and a problem answer becomes one readable error."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import httpx
import typer

from trivium.keys import KeyMaterialError, load_private_key
from trivium.service_auth import ServiceTokenIssuer
from trivium_cli.settings import CliSettings

OPERATOR = "operator"
OPERATOR_CLAIMS = {"roles": ["operator"]}


class OperatorError(Exception):
    """A call that did not do what was asked: `reported_errors` prints it, and the command
    exits with status 1. `problem` is the service's problem body, when it sent one."""

    def __init__(self, message: str, *, problem: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.problem: Mapping[str, Any] = problem or {}


def operator_issuer(settings: CliSettings) -> ServiceTokenIssuer:
    """The operator's token issuer, from the operator key the settings name."""
    path = settings.operator_key_path()
    if not path.exists():
        raise OperatorError(
            f"no operator key at {path}: run `make run` once in this checkout, or set "
            "TRIVIUM_CLI_OPERATOR_KEY_FILE"
        )
    try:
        key = load_private_key(path)
    except KeyMaterialError as error:
        raise OperatorError(f"the operator key at {path} cannot be used: {error}") from error
    return ServiceTokenIssuer(
        issuer=OPERATOR, private_key=key, ttl_seconds=settings.token_ttl_seconds
    )


def segment(value: str) -> str:
    """A path segment from what the operator typed: a `/` or `?` in it stays inside it."""
    return quote(value, safe=":")


def problem_of(response: httpx.Response) -> Mapping[str, Any] | None:
    """The problem body of an error answer, when it has one."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, Mapping) and body.get("title") else None


def problem_message(response: httpx.Response) -> str:
    """One line for an error answer: its problem's title and detail, else its status."""
    problem = problem_of(response)
    if problem is None:
        return f"{response.status_code} {response.reason_phrase}"
    detail = f": {problem['detail']}" if problem.get("detail") else ""
    return f"{response.status_code} {problem['title']}{detail}"


class OperatorClient:
    """Synchronous HTTP to the operator routes of the services (a command runs one call after
    another, so the services' async client and its retries buy nothing here)."""

    def __init__(self, settings: CliSettings, issuer: ServiceTokenIssuer) -> None:
        self._settings = settings
        self._issuer = issuer
        self._http = httpx.Client(timeout=settings.timeout_seconds)

    def close(self) -> None:
        self._http.close()

    def request(
        self,
        method: str,
        service: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        missing_ok: bool = False,
    ) -> httpx.Response:
        """One call to `service`; any answer but 2xx (or 404 when `missing_ok`) raises an
        OperatorError."""
        url = self._settings.service_url(service) + path
        token = self._issuer.token_for(service, claims=OPERATOR_CLAIMS)
        try:
            response = self._http.request(
                method,
                url,
                params={k: v for k, v in (params or {}).items() if v is not None},
                json=json,
                headers={"Authorization": f"Bearer {token}"},
            )
        except httpx.TransportError as error:
            raise OperatorError(f"{service} at {url} did not answer: {error}") from error
        if response.is_error and not (missing_ok and response.status_code == 404):
            raise OperatorError(
                f"{service} {method} {path}: {problem_message(response)}",
                problem=problem_of(response),
            )
        return response

    def get(self, service: str, path: str, **params: Any) -> Any:
        """The JSON body of a GET."""
        return self.request("GET", service, path, params=params).json()

    def find(self, service: str, path: str) -> Any:
        """The JSON body of a GET, or None when the service answers 404."""
        response = self.request("GET", service, path, missing_ok=True)
        return None if response.status_code == 404 else response.json()

    def post(self, service: str, path: str, *, json: Any = None) -> Any:
        """The JSON body of a POST's answer (None when it has none)."""
        response = self.request("POST", service, path, json=json)
        return response.json() if response.content else None

    def delete(self, service: str, path: str) -> None:
        """A DELETE."""
        self.request("DELETE", service, path)


@contextmanager
def reported_errors() -> Iterator[None]:
    """End the command on an OperatorError: its message on stderr, exit status 1."""
    try:
        yield
    except OperatorError as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(1) from error


@contextmanager
def operator_client(settings: CliSettings) -> Iterator[OperatorClient]:
    """An OperatorClient for the duration of one command; an OperatorError inside ends the
    command (`reported_errors`)."""
    with reported_errors():
        client = OperatorClient(settings, operator_issuer(settings))
        try:
            yield client
        finally:
            client.close()
