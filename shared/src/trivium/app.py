"""The composition every Trivium service starts from: errors, context, health and metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI

from trivium.errors import install_problem_handlers
from trivium.health import ReadinessCheck
from trivium.health import router as health_router
from trivium.logs import configure_logging
from trivium.middleware import RequestContextMiddleware
from trivium.service_auth import ServiceTokenIssuer, ServiceTokenVerifier
from trivium.settings import ServiceSettings

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[Any]]


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str = "",
    version: str = "0.1.0",
    lifespan: Lifespan | None = None,
    readiness_checks: dict[str, ReadinessCheck] | None = None,
    **fastapi_options: Any,
) -> FastAPI:
    """A FastAPI app with Trivium's cross-cutting behaviour installed; add routers to it."""
    configure_logging(
        service=settings.service_name, level=settings.log_level, log_format=settings.log_format
    )
    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        **fastapi_options,
    )
    app.state.settings = settings
    app.state.readiness_checks = dict(readiness_checks or {})
    app.state.degradation_checks = {}
    app.state.service_token_issuer = ServiceTokenIssuer(
        issuer=settings.service_name,
        secret=settings.service_token_secret,
        ttl_seconds=settings.service_token_ttl_seconds,
    )
    app.state.service_token_verifier = ServiceTokenVerifier(
        audience=settings.service_name, secret=settings.service_token_secret
    )
    install_problem_handlers(app)
    app.include_router(health_router)
    app.add_middleware(RequestContextMiddleware, service=settings.service_name)
    return app


async def no_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """A lifespan that builds nothing (for services without clients)."""
    yield
