"""The Salesforce System API's app: routes, service-token guard, and a lifespan that runs the
bootstrap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI

from salesforce_system.api import accounts, limits, orders, products, quotes, sync, system
from salesforce_system.bootstrap import bootstrap
from salesforce_system.settings import SalesforceSystemSettings
from trivium.app import create_service_app
from trivium.composition import install
from trivium.service_auth import EXPERIENCE_APIS, PROCESS_APIS, require_service_token


def create_app(settings: SalesforceSystemSettings | None = None) -> FastAPI:
    """The Salesforce System API, configured from the environment unless settings are given."""
    settings = settings or SalesforceSystemSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with bootstrap(settings) as container:
            install(app, container)
            yield

    app = create_service_app(
        settings,
        title="Trivium Salesforce System API",
        description="CRM accounts, contacts, opportunities, quotes, orders and products as clean "
        "resources. Internal: every call needs a service token.",
        lifespan=lifespan,
        body_limits={"/products": products.MAX_UPSERT_BYTES},
    )
    # The process and experience APIs call System APIs; identity claims are not read here.
    callers = require_service_token(*PROCESS_APIS, *EXPERIENCE_APIS)
    internal = APIRouter(dependencies=[Depends(callers)])
    for module in (accounts, quotes, orders, products, limits, sync, system):
        internal.include_router(module.router)
    app.include_router(internal)
    return app
