"""The ERP System API's app: routes, service-token guard, and a lifespan that runs the bootstrap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI

from erp_system.api import catalog, customers, sales_orders, sync
from erp_system.bootstrap import bootstrap
from erp_system.settings import ErpSystemSettings
from trivium.app import create_service_app
from trivium.composition import install
from trivium.service_auth import EXPERIENCE_APIS, PROCESS_APIS, require_service_token


def create_app(settings: ErpSystemSettings | None = None) -> FastAPI:
    """The ERP System API, configured from the environment unless settings are given."""
    settings = settings or ErpSystemSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with bootstrap(settings) as container:
            install(app, container)
            yield

    app = create_service_app(
        settings,
        title="Trivium ERP System API",
        description="ERP customers, credit, products, stock, sales orders and invoices as clean "
        "resources. Internal: every call needs a service token.",
        lifespan=lifespan,
    )
    # The process and experience APIs call System APIs; identity claims are not read here.
    callers = require_service_token(*PROCESS_APIS, *EXPERIENCE_APIS)
    internal = APIRouter(dependencies=[Depends(callers)])
    internal.include_router(customers.router)
    internal.include_router(catalog.router)
    internal.include_router(sales_orders.simulation_router)
    internal.include_router(sales_orders.router)
    internal.include_router(sync.router)
    app.include_router(internal)
    return app
