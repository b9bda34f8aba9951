"""The S/4HANA emulator's app: `uvicorn --factory s4hana_emulator.main:create_app`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware

from s4hana_emulator.api import admin, oauth, odata
from s4hana_emulator.api.errors import install_sap_handlers
from s4hana_emulator.api.gate import SapGate
from s4hana_emulator.emulator import build_emulator
from s4hana_emulator.settings import S4HanaEmulatorSettings
from trivium.app import create_service_app
from trivium.health import add_readiness_check

DESCRIPTION = (
    "A local SAP S/4HANA speaking its public OData v2 APIs (business partner, sales order, "
    "product, material stock, pricing conditions, credit management, billing document) with "
    "$metadata, CSRF tokens, ETags, $batch and SAP's error format, backed by SQLite."
)


def create_app(settings: S4HanaEmulatorSettings | None = None) -> FastAPI:
    """Build the emulator: open its database, seed it when asked, mount the OData services."""
    settings = settings or S4HanaEmulatorSettings()
    emulator = build_emulator(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ticker = asyncio.create_task(emulator.lifecycle.run(settings.lifecycle_tick_seconds))
        try:
            yield
        finally:
            ticker.cancel()
            with suppress(asyncio.CancelledError):
                await ticker
            emulator.close()

    app = create_service_app(
        settings, title="SAP S/4HANA emulator", description=DESCRIPTION, lifespan=lifespan,
        guard_requests=False,
    )  # fmt: skip
    app.state.emulator = emulator

    async def database_answers() -> None:
        await run_in_threadpool(emulator.store.scalar, "SELECT 1")

    add_readiness_check(app, "database", database_answers)
    # Innermost user middleware: inside the shared request-context middleware, so calls the gate
    # refuses are still measured and logged with their correlation id.
    app.user_middleware.append(Middleware(SapGate))
    install_sap_handlers(app)
    for router in (admin.router, oauth.router, odata.router):
        app.include_router(router)
    return app
