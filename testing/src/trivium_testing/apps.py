"""Calling an ASGI app in process, as unit tests of routes and middleware do."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx
from starlette.types import ASGIApp


@asynccontextmanager
async def app_client(
    app: ASGIApp,
    *,
    raise_app_exceptions: bool = True,
    headers: Mapping[str, str] | None = None,
) -> AsyncIterator[httpx.AsyncClient]:
    """A client calling `app` in process at `http://test` (no server, no lifespan), sending
    `headers` on every call; with `raise_app_exceptions=False` an unhandled error is answered as
    the app's 500 instead."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=headers
    ) as client:
        yield client
