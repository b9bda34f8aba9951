"""The status listener: the gateway's health and metrics on a port of their own.

As Kong's Status API (`status_listen`), it keeps `/metrics` (routes, consumers' plans, upstream
names and error rates) off the public proxy port: the proxy only answers kong.yml's routes, and
operators and Prometheus reach the status port on a private address (127.0.0.1 by default).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from trivium.health import router as health_router
from trivium.tracing import FASTAPI_TELEMETRY_OFF

log = logging.getLogger("trivium_gateway.status")


def create_status_app(proxy_app: FastAPI) -> FastAPI:
    """/healthz, /readyz and /metrics, reading the proxy app's readiness checks."""
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, telemetry=FASTAPI_TELEMETRY_OFF)
    app.state.readiness_checks = proxy_app.state.readiness_checks
    app.state.degradation_checks = proxy_app.state.degradation_checks
    app.include_router(health_router)
    return app


class _EmbeddedServer(uvicorn.Server):
    """A uvicorn server running beside the proxy's: signals stay with the proxy's server,
    which stops this one from its lifespan."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class StatusListener:
    """Serves the status app on host:port in the running event loop until stopped."""

    def __init__(self, app: FastAPI, *, host: str, port: int) -> None:
        self.host = host
        self.port = port
        config = uvicorn.Config(
            app, log_config=None, access_log=False, lifespan="off", proxy_headers=False
        )
        self._server = _EmbeddedServer(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> bool:
        """Listen; False (and an error logged) when the address cannot be bound."""
        listener = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((self.host, self.port))
        except OSError as error:
            listener.close()
            log.error(
                "gateway.status_listener_unavailable",
                extra={"address": f"{self.host}:{self.port}", "error": str(error)},
            )
            return False
        self.port = listener.getsockname()[1]
        self._task = asyncio.create_task(self._server.serve(sockets=[listener]))
        while not self._server.started:
            if self._task.done():
                self._task.result()
                return False
            await asyncio.sleep(0.01)
        log.info("gateway.status_listener_started", extra={"address": f"{self.host}:{self.port}"})
        return True

    async def stop(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
