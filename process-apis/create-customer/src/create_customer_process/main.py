"""The create-customer Process API: the app, its routes, and a lifespan that runs what
`bootstrap` builds (with the in-process worker pool)."""

from __future__ import annotations

from fastapi import FastAPI

from create_customer_process.api import attention, customers, dead_letters
from create_customer_process.bootstrap import bootstrap
from create_customer_process.settings import CreateCustomerSettings
from trivium.work_queue.runner import create_process_api_app


def create_app(settings: CreateCustomerSettings | None = None) -> FastAPI:
    """The create-customer Process API, configured from the environment unless settings are
    given."""
    settings = settings or CreateCustomerSettings()
    return create_process_api_app(
        settings,
        bootstrap,
        title="Trivium create-customer Process API",
        description="A new customer becomes a Salesforce account and an ERP customer with its "
        "sales area, linked to each other, exactly once and without duplicates. Internal: every "
        "call needs a service token.",
        business=[customers.router],
        operations=[attention.router, dead_letters.router],
    )
