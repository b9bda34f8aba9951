"""What stands before every REST path: chaos, the concurrency limit, and the login.

A pure ASGI middleware inside the shared request-context middleware, so refused calls are
still measured and logged with their correlation id. The token endpoint is open (the client
proves itself with its assertion there); everything else under /services/rest/ needs a TBA
signature or a bearer token. A request holds its concurrency slot for as long as it runs,
injected latency included, which is how slow requests exhaust an account's limit.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from emulator_kit.asgi import call_app, header, send_response
from netsuite_emulator.domain.errors import NetSuiteError, invalid_login
from netsuite_emulator.domain.oauth1 import OAuthRefused
from netsuite_emulator.emulator import REST_PREFIX

if TYPE_CHECKING:
    from netsuite_emulator.emulator import Emulator

log = logging.getLogger("netsuite_emulator.gate")

TOKEN_PATH = f"{REST_PREFIX}/auth/oauth2/v1/token"


def request_url(scope: Scope) -> str:
    """The URL the client addressed (and signed): scheme, Host header, path."""
    host = header(scope, "host") or "localhost"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope['path']}"


async def send_error(
    send: Send, error: NetSuiteError, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    if extra is None:
        extra = []
    await send_response(
        send,
        error.status,
        json.dumps(error.body()).encode(),
        content_type=b"application/vnd.oracle.resource+json; type=error; charset=UTF-8",
        headers=extra,
    )


def authenticate(emulator: Emulator, scope: Scope) -> bool:
    authorization = header(scope, "authorization") or ""
    scheme = authorization.partition(" ")[0].lower()
    if scheme == "bearer":
        return emulator.bearer_tokens.is_valid(authorization.partition(" ")[2].strip())
    if scheme != "oauth":
        return False
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    try:
        emulator.oauth1.verify(
            method=scope["method"],
            url=request_url(scope),
            authorization=authorization,
            query=parse_qsl(query, keep_blank_values=True),
        )
    except OAuthRefused as refusal:
        log.info("netsuite.login_refused", extra={"reason": str(refusal)})
        return False
    return True


class NetSuiteGate:
    """Chaos, concurrency governance and login for /services/rest/."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(f"{REST_PREFIX}/"):
            await self.app(scope, receive, send)
            return
        emulator: Emulator = scope["app"].state.emulator
        if emulator.chaos.settings.outage:
            await send_error(
                send,
                _unavailable("The account is down (emulator outage)."),
                [(b"retry-after", b"30")],
            )
            return
        if scope["path"] == TOKEN_PATH:
            await self._call(scope, receive, send)
            return
        if not emulator.governor.try_enter():
            await send_error(send, _concurrency_exceeded(emulator.governor.limit))
            return
        try:
            delay = emulator.chaos.delay_seconds()
            if delay:
                await asyncio.sleep(delay)
            if not authenticate(emulator, scope):
                await send_error(send, invalid_login(), [(b"www-authenticate", b"OAuth")])
                return
            if emulator.chaos.should_fail(scope["method"]):
                await send_error(send, _unavailable("Injected by the emulator's chaos settings."))
                return
            await self._call(scope, receive, send)
        finally:
            emulator.governor.leave()

    async def _call(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def unexpected() -> None:
            error = NetSuiteError(500, "UNEXPECTED_ERROR", "An unexpected error occurred.")
            await send_error(send, error)

        await call_app(
            self.app, scope, receive, send,
            extra=[], on_error=unexpected, log=log, event="netsuite.unhandled_error",
        )  # fmt: skip


def _unavailable(detail: str) -> NetSuiteError:
    return NetSuiteError(503, "SERVICE_UNAVAILABLE", detail)


def _concurrency_exceeded(limit: int) -> NetSuiteError:
    return NetSuiteError(
        429,
        "CONCURRENCY_LIMIT_EXCEEDED",
        f"Concurrent request limit exceeded. The account allows {limit} concurrent requests; "
        "retry when one has finished.",
    )
