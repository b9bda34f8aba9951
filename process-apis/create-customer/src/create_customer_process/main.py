"""The create-customer Process API: the app, its routes, and a lifespan that runs what
`bootstrap` builds (with the in-process worker pool)."""

from __future__ import annotations

from fastapi import FastAPI

from create_customer_process.api import attention, customers, dead_letters
from create_customer_process.bootstrap import bootstrap
from create_customer_process.settings import CreateCustomerSettings
from trivium.app import create_service_app
from trivium.service_auth import process_api_router
from trivium.work_queue.runner import lifespan_with_worker_pool


def create_app(settings: CreateCustomerSettings | None = None) -> FastAPI:
    """The create-customer Process API, configured from the environment unless settings are
    given."""
    settings = settings or CreateCustomerSettings()
    app = create_service_app(
        settings,
        title="Trivium create-customer Process API",
        description="A new customer becomes a Salesforce account and an ERP customer with its "
        "sales area, linked to each other, exactly once and without duplicates. Internal: every "
        "call needs a service token.",
        lifespan=lifespan_with_worker_pool(settings, bootstrap, concurrency=settings.workers),
    )
    app.include_router(
        process_api_router(
            business=[customers.router], operations=[attention.router, dead_letters.router]
        )
    )
    return app
