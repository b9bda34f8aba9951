"""The ERP System API's app: routes, service-token guard, and a lifespan that runs the bootstrap."""

from __future__ import annotations

from fastapi import FastAPI

from erp_system.api import catalog, customers, sales_orders, sync
from erp_system.bootstrap import bootstrap
from erp_system.settings import ErpSystemSettings
from trivium.composition import create_system_api_app


def create_app(settings: ErpSystemSettings | None = None) -> FastAPI:
    """The ERP System API, configured from the environment unless settings are given."""
    settings = settings or ErpSystemSettings()
    return create_system_api_app(
        settings,
        bootstrap,
        title="Trivium ERP System API",
        description="ERP customers, credit, products, stock, sales orders and invoices as clean "
        "resources. Internal: every call needs a service token.",
        routers=[
            customers.router,
            catalog.router,
            sales_orders.simulation_router,
            sales_orders.router,
            sync.router,
        ],
    )
