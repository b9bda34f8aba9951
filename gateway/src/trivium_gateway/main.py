"""Composition root of the local gateway: kong.yml and the Python Kong plugins on one port.

`/healthz`, `/readyz` and `/metrics` are the gateway's own; every other path goes through the
routes of kong.yml.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from trivium.app import create_service_app
from trivium.health import add_readiness_check, redis_check
from trivium_gateway.proxy import GatewayProxy
from trivium_gateway.runtime import GatewayRuntime
from trivium_gateway.settings import GatewaySettings


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """The local gateway, configured from the environment unless settings are given."""
    settings = settings or GatewaySettings()
    proxy = GatewayProxy()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = await GatewayRuntime.start(settings)
        app.state.gateway = runtime
        proxy.runtime = runtime
        add_readiness_check(app, "redis", redis_check(runtime.redis))
        try:
            yield
        finally:
            proxy.runtime = None
            await runtime.close()

    app = create_service_app(
        settings,
        title="Trivium local gateway",
        description="Runs gateway/kong.yml and the Python Kong plugins without Kong.",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        guard_requests=False,
    )
    app.mount("/", proxy)
    return app
