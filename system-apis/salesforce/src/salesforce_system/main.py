"""The Salesforce System API's app: routes, service-token guard, and a lifespan that runs the
bootstrap."""

from __future__ import annotations

from fastapi import FastAPI

from salesforce_system.api import accounts, limits, orders, products, quotes, sync, system
from salesforce_system.bootstrap import bootstrap
from salesforce_system.settings import SalesforceSystemSettings
from trivium.app import create_service_app
from trivium.composition import system_api_lifespan
from trivium.service_auth import system_api_router


def create_app(settings: SalesforceSystemSettings | None = None) -> FastAPI:
    """The Salesforce System API, configured from the environment unless settings are given."""
    settings = settings or SalesforceSystemSettings()
    app = create_service_app(
        settings,
        title="Trivium Salesforce System API",
        description="CRM accounts, contacts, opportunities, quotes, orders and products as clean "
        "resources. Internal: every call needs a service token.",
        lifespan=system_api_lifespan(settings, bootstrap),
        body_limits={"/products": products.MAX_UPSERT_BYTES},
    )
    routes = (accounts, quotes, orders, products, limits, sync, system)
    app.include_router(system_api_router([module.router for module in routes]))
    return app
