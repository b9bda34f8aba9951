"""The Salesforce org emulator's app: `uvicorn --factory salesforce_emulator.main:create_app`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware

from salesforce_emulator.api import (
    admin,
    auth,
    bulk2,
    composite,
    query,
    sobjects,
    streaming,
    versions,
)  # fmt: skip
from salesforce_emulator.api.errors import install_salesforce_handlers
from salesforce_emulator.api.gate import SalesforceGate
from salesforce_emulator.emulator import build_emulator
from salesforce_emulator.settings import SalesforceEmulatorSettings
from trivium.app import create_service_app

DESCRIPTION = (
    "A local Salesforce org speaking the REST API wire protocol (OAuth 2.0, sObjects, SOQL, "
    "composite, Bulk API 2.0, limits, Change Data Capture over CometD), backed by SQLite."
)


def create_app(settings: SalesforceEmulatorSettings | None = None) -> FastAPI:
    """Build the emulator: open its database, seed it when asked, and mount the Salesforce API."""
    settings = settings or SalesforceEmulatorSettings()
    emulator = build_emulator(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            emulator.close()

    async def database_answers() -> None:
        await run_in_threadpool(emulator.check_database)

    app = create_service_app(
        settings,
        title="Salesforce org emulator",
        description=DESCRIPTION,
        lifespan=lifespan,
        readiness_checks={"database": database_answers},
        guard_requests=False,
    )
    app.state.emulator = emulator
    # Innermost user middleware: inside the shared request-context middleware, so calls the gate
    # refuses are still measured and logged with their correlation id.
    app.user_middleware.append(Middleware(SalesforceGate))
    install_salesforce_handlers(app)
    routers = (
        versions.router, auth.router, sobjects.router, query.router, composite.router,
        bulk2.router, streaming.router, admin.router,
    )  # fmt: skip
    for router in routers:
        app.include_router(router)
    return app
