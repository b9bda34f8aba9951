"""The Salesforce org emulator's app: `uvicorn --factory salesforce_emulator.main:create_app`."""

from __future__ import annotations

from fastapi import FastAPI

from emulator_kit.app import create_emulator_app
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

DESCRIPTION = (
    "A local Salesforce org speaking the REST API wire protocol (OAuth 2.0, sObjects, SOQL, "
    "composite, Bulk API 2.0, limits, Change Data Capture over CometD), backed by SQLite."
)


def create_app(settings: SalesforceEmulatorSettings | None = None) -> FastAPI:
    """Build the emulator: open its database, seed it when asked, and mount the Salesforce API."""
    settings = settings or SalesforceEmulatorSettings()
    emulator = build_emulator(settings)
    routers = (
        versions.router, auth.router, sobjects.router, query.router, composite.router,
        bulk2.router, streaming.router, admin.router,
    )  # fmt: skip
    return create_emulator_app(
        settings,
        emulator,
        title="Salesforce org emulator",
        description=DESCRIPTION,
        gate=SalesforceGate,
        install_handlers=install_salesforce_handlers,
        routers=routers,
        check_database=emulator.check_database,
    )
