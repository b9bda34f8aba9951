"""Composition root of the local gateway: kong.yml and the Python Kong plugins on one port.

Every path of the proxy port goes through the routes of kong.yml. The gateway's own `/healthz`,
`/readyz` and `/metrics` are on the status listener (`status_host:status_port`), as Kong's are
on its `status_listen`; `/healthz` and `/readyz` also answer on the proxy port, where the
service harnesses (devstack, the test stacks) wait for a started gateway, but `/metrics` does
not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from trivium.app import create_service_app
from trivium.health import add_readiness_check, redis_check
from trivium.middleware import RequestContextMiddleware
from trivium_gateway.proxy import GatewayProxy
from trivium_gateway.runtime import GatewayRuntime
from trivium_gateway.settings import GatewaySettings
from trivium_gateway.status import StatusListener, create_status_app

# Served by the status listener only.
STATUS_ONLY_PATHS = frozenset({"/metrics"})
# The gateway's own paths on the proxy port; every other request is proxied.
OWN_PATHS = frozenset({"/healthz", "/readyz"})


class ProxyFirst:
    """Sends proxied requests to the proxy behind the request context middleware alone (the
    correlation id, the server span, the request metrics, the last-resort 500), and the rest
    (the gateway's own paths, the lifespan) through the application's whole stack. The
    framework's routing and exception layers, a few tens of microseconds a request, do nothing
    for a proxied request: the proxy answers every failure itself."""

    def __init__(self, application: ASGIApp, proxy: ASGIApp) -> None:
        self.application = application
        self.proxy = proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in OWN_PATHS:
            await self.proxy(scope, receive, send)
        else:
            await self.application(scope, receive, send)


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
        status = StatusListener(
            create_status_app(app), host=settings.status_host, port=settings.status_port
        )
        if settings.status_port:
            await status.start()
        app.state.status_listener = status
        try:
            yield
        finally:
            await status.stop()
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
    # Ahead of the service routes: the proxy answers these paths as Kong's proxy port does.
    for path in STATUS_ONLY_PATHS:
        app.router.routes.insert(0, Route(path, endpoint=proxy))
    app.mount("/", proxy)
    app.middleware_stack = ProxyFirst(
        app.build_middleware_stack(),
        RequestContextMiddleware(proxy, service=settings.service_name),
    )
    return app
