"""The NetSuite emulator's app: `uvicorn --factory netsuite_emulator.main:create_app`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware

from netsuite_emulator.api import admin, oauth, query, records
from netsuite_emulator.api.errors import install_netsuite_handlers
from netsuite_emulator.api.gate import NetSuiteGate
from netsuite_emulator.emulator import Emulator, build_emulator
from netsuite_emulator.settings import NetSuiteEmulatorSettings
from trivium.app import create_service_app
from trivium.health import add_readiness_check

DESCRIPTION = (
    "A local NetSuite account speaking SuiteTalk REST web services (record service for customer, "
    "salesOrder, inventoryItem, itemFulfillment and invoice; SuiteQL) with token-based "
    "authentication, OAuth 2.0 client credentials, concurrency governance and NetSuite's error "
    "format, backed by SQLite."
)


def create_app(
    settings: NetSuiteEmulatorSettings | None = None, *, emulator: Emulator | None = None
) -> FastAPI:
    """Build the emulator: open its database, seed it when asked, mount the REST services."""
    settings = settings or NetSuiteEmulatorSettings()
    account = emulator or build_emulator(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ticker = asyncio.create_task(account.lifecycle.run(settings.lifecycle_tick_seconds))
        try:
            yield
        finally:
            ticker.cancel()
            with suppress(asyncio.CancelledError):
                await ticker
            account.close()

    app = create_service_app(
        settings,
        title="NetSuite emulator",
        description=DESCRIPTION,
        lifespan=lifespan,
        guard_requests=False,
    )
    app.state.emulator = account

    async def database_answers() -> None:
        await run_in_threadpool(account.store.scalar, "SELECT 1")

    add_readiness_check(app, "database", database_answers)
    # Innermost user middleware: inside the shared request-context middleware, so calls the gate
    # refuses are still measured and logged with their correlation id.
    app.user_middleware.append(Middleware(NetSuiteGate))
    install_netsuite_handlers(app)
    for router in (admin.router, oauth.router, query.router, records.router):
        app.include_router(router)
    return app
