"""The quote-to-order Process API: the app, its routes, and a lifespan that runs what
`bootstrap` builds (with the in-process worker pool)."""

from __future__ import annotations

from fastapi import FastAPI

from quote_to_order_process.api import attention, dead_letters, orders
from quote_to_order_process.bootstrap import bootstrap
from quote_to_order_process.settings import QuoteToOrderSettings
from trivium.work_queue.runner import create_process_api_app


def create_app(settings: QuoteToOrderSettings | None = None) -> FastAPI:
    """The quote-to-order Process API, configured from the environment unless settings are given."""
    settings = settings or QuoteToOrderSettings()
    return create_process_api_app(
        settings,
        bootstrap,
        title="Trivium quote-to-order Process API",
        description="An accepted quote or a partner's order becomes an ERP sales order exactly "
        "once, with credit and stock checked, and a CRM order carrying the ERP order number. "
        "Internal: every call needs a service token.",
        business=[orders.router],
        operations=[attention.router, dead_letters.router],
    )
