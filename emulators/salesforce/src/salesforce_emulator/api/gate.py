"""What stands before every Salesforce resource: chaos, sign-in, the API allocation and its header.

A pure ASGI middleware placed inside the shared request-context middleware, so refused calls are
still measured and logged with their correlation id.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import TYPE_CHECKING, Any

from starlette.types import ASGIApp, Receive, Scope, Send

from emulator_kit.asgi import call_app, send_response
from salesforce_emulator.domain.errors import SalesforceError, api_error, invalid_session, not_found
from salesforce_emulator.domain.versions import OLDEST_SERVED

if TYPE_CHECKING:
    from salesforce_emulator.emulator import Emulator

log = logging.getLogger("salesforce_emulator.gate")

SALESFORCE_PREFIXES = ("/services/", "/cometd/", "/id/")
DATA_PATH = re.compile(r"^/services/data/v(\d+)\.(\d)(?:/.*)?$")
LIMIT_HEADER = b"sforce-limit-info"


def is_salesforce_path(path: str) -> bool:
    """Paths that answer in Salesforce's formats (everything but health, metrics and admin)."""
    return path.startswith(SALESFORCE_PREFIXES) or path == "/services/data"


def supported_version(path: str, newest: str) -> bool:
    match = DATA_PATH.match(path)
    if match is None:
        return False
    major, minor = int(match.group(1)), int(match.group(2))
    return minor == 0 and OLDEST_SERVED <= major <= int(float(newest))


def bearer_token(scope: Scope) -> str | None:
    """The token of `Authorization: Bearer <t>` (or `OAuth <t>`)."""
    for key, value in scope["headers"]:
        if key == b"authorization":
            scheme, _, token = str(value.decode("latin-1")).partition(" ")
            if scheme.lower() in ("bearer", "oauth") and token.strip():
                return token.strip()
    return None


async def send_error(
    send: Send, error: SalesforceError, headers: list[tuple[bytes, bytes]]
) -> None:
    """Answer with Salesforce's error array."""
    payload = json.dumps(error.to_json(), separators=(",", ":")).encode()
    await send_response(
        send, error.status, payload, content_type=b"application/json;charset=UTF-8", headers=headers
    )


class SalesforceGate:
    """Chaos, version, session and allocation checks for the Salesforce paths."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_salesforce_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        # Salesforce answers with and without a trailing slash (simple-salesforce sends both).
        # The scope is changed in place: the request-context middleware reads the matched route
        # from this same dict.
        path = scope["path"].rstrip("/") or "/"
        scope["path"], scope["raw_path"] = path, path.encode()
        emulator: Emulator = scope["app"].state.emulator
        delay = emulator.chaos.delay_seconds()
        if delay:
            await asyncio.sleep(delay)
        if emulator.chaos.settings.outage:
            await send_error(send, api_error(503, "SERVER_UNAVAILABLE", "Server is down"), [])
            return
        if not DATA_PATH.match(path):
            await self._call(scope, receive, send, [])
            return
        await self._data_call(emulator, scope, receive, send)

    async def _data_call(
        self, emulator: Emulator, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if not supported_version(scope["path"], emulator.settings.api_version):
            await send_error(send, not_found(), [])
            return
        token = bearer_token(scope)
        session = emulator.sessions.lookup(token) if token else None
        if session is None:
            await send_error(send, invalid_session(), [])
            return
        allowed = emulator.limits.consume_request()
        used, maximum = emulator.limits.usage()
        limit_header = [(LIMIT_HEADER, f"api-usage={used}/{maximum}".encode())]
        if not allowed:
            error = api_error(
                403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", fields=None
            )
            await send_error(send, error, limit_header)
            return
        injected = emulator.chaos.pick_error()
        if injected is not None:
            await send_error(send, injected, limit_header)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        state["sf_session"] = session
        await self._call(scope, receive, send, limit_header)

    async def _call(
        self, scope: Scope, receive: Receive, send: Send, extra: list[tuple[bytes, bytes]]
    ) -> None:
        async def unexpected() -> None:
            error = api_error(
                500,
                "UNKNOWN_EXCEPTION",
                "An unexpected error occurred. Please include this ErrorId if you contact "
                "support: 1978342913-52771 (-1145295362)",
            )
            await send_error(send, error, extra)

        await call_app(
            self.app, scope, receive, send,
            extra=extra, on_error=unexpected, log=log, event="salesforce.unhandled_error",
        )  # fmt: skip
