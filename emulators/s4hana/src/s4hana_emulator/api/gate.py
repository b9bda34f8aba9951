"""What stands before every SAP path: chaos, `sap-client`, logon, and CSRF protection.

A pure ASGI middleware inside the shared request-context middleware, so refused calls are
still measured and logged with their correlation id. The answers it gives itself are the ones
ICF gives: an HTML logon error (401), a plain-text CSRF refusal (403 with
`x-csrf-token: Required`), and a Web Dispatcher style 503 in an outage.
"""

from __future__ import annotations

import asyncio
import logging
from http.cookies import CookieError, SimpleCookie
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from emulator_kit.asgi import Headers, call_app, header, send_response
from s4hana_emulator.domain.security import (
    SecuritySession,
    basic_credentials,
    bearer_token,
    same_secret,
)
from s4hana_emulator.odata.errors import PROTOCOL_CODES, ErrorContext, ODataError, render_error

if TYPE_CHECKING:
    from s4hana_emulator.emulator import Emulator

log = logging.getLogger("s4hana_emulator.gate")

SAP_PREFIX = "/sap/"
ODATA_PREFIX = "/sap/opu/odata/"
MODIFYING = frozenset({"POST", "PUT", "PATCH", "MERGE", "DELETE"})


def requested_client(scope: Scope) -> str | None:
    """`sap-client` from the query string, else from the header (ICF accepts both)."""
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "sap-client":
            return value
    return header(scope, "sap-client")


async def send_plain(
    send: Send, status: int, text: str, headers: Headers, *, content_type: bytes = b"text/plain"
) -> None:
    await send_response(
        send, status, text.encode(), content_type=content_type + b"; charset=utf-8", headers=headers
    )


async def send_odata_error(send: Send, error: ODataError, *, service: str = "") -> None:
    body, content_type = render_error(error, ErrorContext(service=service), xml=False)
    await send_response(send, error.status, body, content_type=content_type.encode())


class SapGate:
    """Chaos, client, logon and CSRF checks for the /sap/ paths."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(SAP_PREFIX):
            await self.app(scope, receive, send)
            return
        emulator: Emulator = scope["app"].state.emulator
        delay = emulator.chaos.delay_seconds()
        if delay:
            await asyncio.sleep(delay)
        if emulator.chaos.settings.outage:
            await send_plain(
                send, 503, OUTAGE_PAGE, [(b"retry-after", b"30")], content_type=b"text/html"
            )
            return
        client = requested_client(scope)
        if client is not None and client != emulator.settings.sap_client:
            await self._refuse_logon(send, emulator, f"Client {client} is not available")
            return
        if not scope["path"].startswith(ODATA_PREFIX):
            await self.app(scope, receive, send)
            return
        await self._odata(emulator, scope, receive, send)

    async def _odata(self, emulator: Emulator, scope: Scope, receive: Receive, send: Send) -> None:
        cookie_name = emulator.session_cookie_name
        session = emulator.sessions.lookup(_cookie(scope, cookie_name))
        user = self._logon(emulator, scope, session)
        if user is None:
            await self._refuse_logon(send, emulator, "Logon failed")
            return
        if emulator.chaos.should_fail(scope["method"]):
            error = ODataError(
                503,
                PROTOCOL_CODES["unavailable"],
                "Service temporarily unavailable (injected by the emulator's chaos settings)",
            )
            await send_odata_error(send, error)
            return
        method = scope["method"].upper()
        extra: Headers = []
        if method in MODIFYING:
            if not emulator.sessions.is_valid_token(session, header(scope, "x-csrf-token")):
                await send_plain(
                    send, 403, "CSRF token validation failed", [(b"x-csrf-token", b"Required")]
                )
                return
        elif (header(scope, "x-csrf-token") or "").lower() == "fetch":
            if session is None or session.user != user:
                session = emulator.sessions.open(user)
                extra += self._session_cookies(emulator, session)
            token = emulator.sessions.issue_token(session)
            extra.append((b"x-csrf-token", token.encode()))
        state: dict[str, Any] = scope.setdefault("state", {})
        state["sap_user"] = user
        await self._call(scope, receive, send, extra)

    @staticmethod
    def _logon(emulator: Emulator, scope: Scope, session: SecuritySession | None) -> str | None:
        settings = emulator.settings
        authorization = header(scope, "authorization")
        credentials = basic_credentials(authorization)
        if credentials is not None:
            user, password = credentials
            expected = settings.password.get_secret_value()
            valid = user.upper() == settings.username.upper() and same_secret(password, expected)
            return settings.username if valid else None
        token = bearer_token(authorization)
        if token is not None:
            return emulator.tokens.lookup(token)
        return session.user if session is not None else None

    @staticmethod
    def _session_cookies(emulator: Emulator, session: SecuritySession) -> Headers:
        client = emulator.settings.sap_client
        return [
            (
                b"set-cookie",
                f"{emulator.session_cookie_name}={session.id}; path=/; HttpOnly".encode(),
            ),
            (b"set-cookie", f"sap-usercontext=sap-client={client}; path=/".encode()),
        ]

    @staticmethod
    async def _refuse_logon(send: Send, emulator: Emulator, reason: str) -> None:
        settings = emulator.settings
        realm = f"SAP NetWeaver Application Server [{settings.system_id}/{settings.sap_client}]"
        page = LOGON_PAGE.format(reason=reason)
        headers = [(b"www-authenticate", f'Basic realm="{realm}"'.encode())]
        await send_plain(send, 401, page, headers, content_type=b"text/html")

    async def _call(self, scope: Scope, receive: Receive, send: Send, extra: Headers) -> None:
        async def unexpected() -> None:
            error = ODataError(500, "/IWBEP/CM_MGW_RT/000", "An unexpected error occurred")
            await send_odata_error(send, error)

        await call_app(
            self.app, scope, receive, send,
            extra=extra, on_error=unexpected, log=log, event="s4hana.unhandled_error",
        )  # fmt: skip


def _cookie(scope: Scope, name: str) -> str | None:
    raw = header(scope, "cookie")
    if not raw:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel is not None else None


LOGON_PAGE = (
    "<html><head><title>Logon Error Message</title></head><body>"
    "<h1>401 Unauthorized</h1><p>{reason}</p></body></html>"
)
OUTAGE_PAGE = (
    "<html><head><title>Service Unavailable</title></head><body>"
    "<h1>503 Service Unavailable</h1><p>No server is available to handle this request, "
    "or the application is temporarily unavailable.</p></body></html>"
)
