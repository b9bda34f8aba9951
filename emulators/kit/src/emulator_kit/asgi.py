"""Small ASGI pieces the emulators' gates share: reading a header, answering without the app, and
calling the app with headers added and a protocol-shaped answer for an unhandled error."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

Headers = list[tuple[bytes, bytes]]


def header(scope: Scope, name: str) -> str | None:
    wanted = name.lower().encode()
    for key, value in scope["headers"]:
        if key.lower() == wanted:
            return str(value.decode("latin-1"))
    return None


async def send_response(
    send: Send, status: int, body: bytes, *, content_type: bytes, headers: Headers | None = None
) -> None:
    """A whole response the gate gives itself."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def call_app(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    *,
    extra: Headers,
    on_error: Callable[[], Awaitable[None]],
    log: logging.Logger,
    event: str,
) -> None:
    """Call the app, adding `extra` headers to its answer. An unhandled error is logged as `event`
    and answered by `on_error` in the backend's own format, unless the answer had already begun."""
    started = False

    async def send_with_headers(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
            if extra:
                message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)

    try:
        await app(scope, receive, send_with_headers)
    except Exception:
        log.exception(event, extra={"path": scope["path"]})
        if started:
            raise
        await on_error()
