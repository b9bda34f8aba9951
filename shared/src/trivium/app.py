"""The composition every Trivium service starts from: errors, context, tracing, health and
metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider

from trivium.errors import install_problem_handlers
from trivium.health import ReadinessCheck
from trivium.health import router as health_router
from trivium.logs import configure_logging
from trivium.middleware import RequestContextMiddleware
from trivium.request_guard import RequestGuardMiddleware
from trivium.service_auth import token_pair
from trivium.settings import ServiceSettings
from trivium.tracing import FASTAPI_TELEMETRY_OFF, install_tracing

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[Any]]
# How long a stopping process waits for its last spans to reach an OTLP collector.
SPAN_FLUSH_TIMEOUT_MILLIS = 5000


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str = "",
    version: str = "0.1.0",
    lifespan: Lifespan | None = None,
    readiness_checks: dict[str, ReadinessCheck] | None = None,
    guard_requests: bool = True,
    body_limits: Mapping[str, int | None] | None = None,
    open_paths: Collection[str] = (),
    **fastapi_options: Any,
) -> FastAPI:
    """A FastAPI app with Trivium's cross-cutting behaviour installed; add routers to it.

    `guard_requests`: every path but health, metrics and the API description needs a valid
    service token, checked before the body is read, and bodies are limited to
    `TRIVIUM_MAX_BODY_BYTES` (`body_limits` sets other limits by path prefix; None: no limit);
    `open_paths` are served without a token as well (e.g. a public web page).
    Off for the emulators and the gateway, which authenticate and limit as the systems they
    stand for do."""
    configure_logging(
        service=settings.service_name, level=settings.log_level, log_format=settings.log_format
    )
    spans = install_tracing(settings)
    fastapi_options.setdefault("telemetry", FASTAPI_TELEMETRY_OFF)
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=writing_spans_at_shutdown(lifespan or no_lifespan, spans),
        **fastapi_options,
    )
    app.state.settings = settings
    app.state.readiness_checks = dict(readiness_checks or {})
    app.state.degradation_checks = {}
    app.state.service_token_issuer, app.state.service_token_verifier = token_pair(settings)
    install_problem_handlers(app)
    app.include_router(health_router)
    if guard_requests:
        # Inside the request context: refusals are counted, logged and correlated too.
        app.add_middleware(
            RequestGuardMiddleware,
            tokens_required=True,
            max_body_bytes=settings.max_body_bytes,
            path_limits=body_limits,
            open_paths=open_paths,
        )
    app.add_middleware(RequestContextMiddleware, service=settings.service_name)
    return app


def writing_spans_at_shutdown(lifespan: Lifespan, spans: TracerProvider) -> Lifespan:
    """`lifespan`, and then the spans the process still keeps written (and sent): uvicorn ends
    a process that SIGTERM stopped by raising that signal again once the app has shut down, so
    the interpreter's exit handlers, which would write them, never run."""

    @asynccontextmanager
    async def lifespan_then_spans(app: FastAPI) -> AsyncIterator[Any]:
        try:
            async with lifespan(app) as state:
                yield state
        finally:
            spans.force_flush(SPAN_FLUSH_TIMEOUT_MILLIS)

    return lifespan_then_spans


@asynccontextmanager
async def no_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """A lifespan that builds nothing (for services without clients)."""
    yield
