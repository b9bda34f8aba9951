"""The NetSuite emulator's app: `uvicorn --factory netsuite_emulator.main:create_app`."""

from __future__ import annotations

from fastapi import FastAPI

from emulator_kit.app import create_emulator_app
from netsuite_emulator.api import admin, oauth, query, records
from netsuite_emulator.api.errors import install_netsuite_handlers
from netsuite_emulator.api.gate import NetSuiteGate
from netsuite_emulator.emulator import Emulator, build_emulator
from netsuite_emulator.settings import NetSuiteEmulatorSettings

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
    tick_seconds = settings.lifecycle_tick_seconds
    return create_emulator_app(
        settings,
        account,
        title="NetSuite emulator",
        description=DESCRIPTION,
        gate=NetSuiteGate,
        install_handlers=install_netsuite_handlers,
        routers=(admin.router, oauth.router, query.router, records.router),
        check_database=lambda: account.store.scalar("SELECT 1"),
        background=lambda: account.lifecycle.run(tick_seconds),
    )
