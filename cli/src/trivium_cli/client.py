"""Calls to the services as the operator: each request carries a fresh short-lived operator
token for the service it goes to, and a problem answer becomes one readable error."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
import typer

from trivium.keys import KeyMaterialError, load_private_key
from trivium.service_auth import ServiceTokenIssuer
from trivium_cli.settings import CliSettings

OPERATOR = "operator"
OPERATOR_CLAIMS = {"roles": ["operator"]}


class OperatorError(Exception):
    """A call that did not do what was asked: `operator_client` prints it, and the command
    exits with status 1."""


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


def problem_message(response: httpx.Response) -> str:
    """One line for an error answer: its problem's title and detail, else its status."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, Mapping) and body.get("title"):
        detail = f": {body['detail']}" if body.get("detail") else ""
        return f"{response.status_code} {body['title']}{detail}"
    return f"{response.status_code} {response.reason_phrase}"


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
    ) -> httpx.Response:
        """One call to `service`; any answer but 2xx raises an OperatorError."""
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
        if response.is_error:
            raise OperatorError(f"{service} {method} {path}: {problem_message(response)}")
        return response

    def get(self, service: str, path: str, **params: Any) -> Any:
        """The JSON body of a GET."""
        return self.request("GET", service, path, params=params).json()


@contextmanager
def operator_client(settings: CliSettings) -> Iterator[OperatorClient]:
    """An OperatorClient for the duration of one command; an OperatorError inside ends the
    command with its message on stderr and exit status 1."""
    try:
        client = OperatorClient(settings, operator_issuer(settings))
        try:
            yield client
        finally:
            client.close()
    except OperatorError as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(1) from error
