"""Consumer contract tests run a service's real adapter against Pact's mock server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from trivium.http_client import create_http_client


@asynccontextmanager
async def lower_tier_client(url: object, *, backend: str) -> AsyncIterator[httpx.AsyncClient]:
    """The client a service builds for a lower tier, pointed at a mock server (no retries, a
    placeholder service token: the pact pins that a bearer token is sent, not its value)."""
    http = create_http_client(
        backend=backend, base_url=str(url), max_retries=0, service_token=lambda: "service-token"
    )
    try:
        yield http
    finally:
        await http.aclose()
