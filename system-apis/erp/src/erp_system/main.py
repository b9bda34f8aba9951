"""The ERP System API's app: routes, service-token guard, and a lifespan that runs the bootstrap."""

from __future__ import annotations

from fastapi import FastAPI

from erp_system.api import catalog, customers, sales_orders, sync
from erp_system.bootstrap import bootstrap
from erp_system.settings import ErpSystemSettings
from trivium.app import create_service_app
from trivium.composition import system_api_lifespan
from trivium.service_auth import system_api_router


def create_app(settings: ErpSystemSettings | None = None) -> FastAPI:
    """The ERP System API, configured from the environment unless settings are given."""
    settings = settings or ErpSystemSettings()
    app = create_service_app(
        settings,
        title="Trivium ERP System API",
        description="ERP customers, credit, products, stock, sales orders and invoices as clean "
        "resources. Internal: every call needs a service token.",
        lifespan=system_api_lifespan(settings, bootstrap),
    )
    app.include_router(
        system_api_router(
            [
                customers.router,
                catalog.router,
                sales_orders.simulation_router,
                sales_orders.router,
                sync.router,
            ]
        )
    )
    return app
