"""The Salesforce System API's app: routes, service-token guard, and a lifespan that runs the
bootstrap."""

from __future__ import annotations

from fastapi import FastAPI

from salesforce_system.api import accounts, limits, orders, products, quotes, sync, system
from salesforce_system.bootstrap import bootstrap
from salesforce_system.settings import SalesforceSystemSettings
from trivium.composition import create_system_api_app


def create_app(settings: SalesforceSystemSettings | None = None) -> FastAPI:
    """The Salesforce System API, configured from the environment unless settings are given."""
    settings = settings or SalesforceSystemSettings()
    routes = (accounts, quotes, orders, products, limits, sync, system)
    return create_system_api_app(
        settings,
        bootstrap,
        title="Trivium Salesforce System API",
        description="CRM accounts, contacts, opportunities, quotes, orders and products as clean "
        "resources. Internal: every call needs a service token.",
        routers=[module.router for module in routes],
        body_limits={"/products": products.MAX_UPSERT_BYTES},
    )
