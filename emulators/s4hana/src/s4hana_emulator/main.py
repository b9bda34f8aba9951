"""The S/4HANA emulator's app: `uvicorn --factory s4hana_emulator.main:create_app`."""

from __future__ import annotations

from fastapi import FastAPI

from emulator_kit.app import create_emulator_app
from s4hana_emulator.api import admin, oauth, odata
from s4hana_emulator.api.errors import install_sap_handlers
from s4hana_emulator.api.gate import SapGate
from s4hana_emulator.emulator import build_emulator
from s4hana_emulator.settings import S4HanaEmulatorSettings

DESCRIPTION = (
    "A local SAP S/4HANA speaking its public OData v2 APIs (business partner, sales order, "
    "product, material stock, pricing conditions, credit management, billing document) with "
    "$metadata, CSRF tokens, ETags, $batch and SAP's error format, backed by SQLite."
)


def create_app(settings: S4HanaEmulatorSettings | None = None) -> FastAPI:
    """Build the emulator: open its database, seed it when asked, mount the OData services."""
    settings = settings or S4HanaEmulatorSettings()
    emulator = build_emulator(settings)
    tick_seconds = settings.lifecycle_tick_seconds
    return create_emulator_app(
        settings,
        emulator,
        title="SAP S/4HANA emulator",
        description=DESCRIPTION,
        gate=SapGate,
        install_handlers=install_sap_handlers,
        routers=(admin.router, oauth.router, odata.router),
        check_database=lambda: emulator.store.scalar("SELECT 1"),
        background=lambda: emulator.lifecycle.run(tick_seconds),
    )
