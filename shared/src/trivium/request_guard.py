"""Refuse before any work: the service token is checked, and the body's size bounded, before a
route reads the body, parses it, or touches the idempotency store.

FastAPI reads and parses a request's body before it runs the route's dependencies, so the
route's own token check (`require_service_token`) comes too late to protect the work before it.
This ASGI middleware answers 401 for a missing or invalid service token on every path but the
open ones (health, metrics, the API description) without reading the body; the route still
checks the token itself (which callers it accepts), from the verifier's memo. A body larger than
the limit is refused with 413: at once when `Content-Length` says so, else as soon as the bytes
received pass the limit, before they are buffered further.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trivium.correlation import correlation_id_var
from trivium.problems import PROBLEM_CONTENT_TYPE, PayloadTooLarge, Problem, Unauthorized

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
OPEN_PATHS = frozenset(
    {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
)
WWW_AUTHENTICATE = (b"www-authenticate", b'Bearer realm="trivium"')


class _BodyTooLarge(Exception):
    pass


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestGuardMiddleware:
    """Service token first (when `tokens_required`; not for health, metrics, the API
    description and the app's `open_paths`), then the body limit: `max_body_bytes`, or the limit
    of the longest `path_limits` prefix the path starts with (None: no limit)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        tokens_required: bool,
        max_body_bytes: int | None,
        path_limits: Mapping[str, int | None] | None = None,
        open_paths: Collection[str] = (),
    ) -> None:
        self.app = app
        self.tokens_required = tokens_required
        self.open_paths = OPEN_PATHS | frozenset(open_paths)
        self.max_body_bytes = max_body_bytes
        # Longest prefix first, so a specific route's limit wins over a broader one.
        self.path_limits = sorted((path_limits or {}).items(), key=lambda item: -len(item[0]))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.tokens_required and scope["path"] not in self.open_paths:
            refusal = self._authentication_refusal(scope)
            if refusal is not None:
                await _send_problem(scope, send, refusal, extra_headers=[WWW_AUTHENTICATE])
                return
        limit = self._limit_for(scope["path"])
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_problem(scope, send, _too_large(limit))
            return
        await self._bounded(scope, receive, send, limit)

    def _authentication_refusal(self, scope: Scope) -> Problem | None:
        scheme, _, token = (_header(scope, b"authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return Unauthorized("This internal API needs a service token (Authorization: Bearer).")
        verifier = scope["app"].state.service_token_verifier
        try:
            verifier.verify(token.strip())
        except Unauthorized as refusal:
            return refusal
        return None

    def _limit_for(self, path: str) -> int | None:
        for prefix, limit in self.path_limits:
            if path.startswith(prefix):
                return limit
        return self.max_body_bytes

    async def _bounded(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        received = 0
        refused = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return  # whatever the app makes of the cut body, the answer is the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_BodyTooLarge):
            await self.app(scope, counting_receive, guarded_send)
        if refused and not started:
            await _send_problem(scope, send, _too_large(limit))


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The request body is larger than this API takes ({limit} bytes).", maxBytes=limit
    )


async def _send_problem(
    scope: Scope, send: Send, problem: Problem, *, extra_headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    body: dict[str, Any] = problem.to_document(
        instance=scope["path"], correlation_id=correlation_id_var.get(None)
    )
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": problem.status,
            "headers": [
                (b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                (b"content-length", str(len(payload)).encode()),
                *extra_headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
