"""The quote-to-order Process API: the app, its routes, and a lifespan that runs what
`bootstrap` builds (with the in-process worker pool)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI

from quote_to_order_process.api import attention, dead_letters, orders
from quote_to_order_process.bootstrap import bootstrap
from quote_to_order_process.settings import QuoteToOrderSettings
from trivium.app import create_service_app
from trivium.composition import install
from trivium.service_auth import EXPERIENCE_APIS, OPERATOR, require_service_token
from trivium.work_queue.runner import running_worker_pool


def create_app(settings: QuoteToOrderSettings | None = None) -> FastAPI:
    """The quote-to-order Process API, configured from the environment unless settings are given."""
    settings = settings or QuoteToOrderSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with bootstrap(settings, issuer=app.state.service_token_issuer) as container:
            install(app, container)
            pool = container.worker_pool(settings.workers)
            async with running_worker_pool(pool, name=settings.service_name):
                yield

    app = create_service_app(
        settings,
        title="Trivium quote-to-order Process API",
        description="An accepted quote or a partner's order becomes an ERP sales order exactly "
        "once, with credit and stock checked, and a CRM order carrying the ERP order number. "
        "Internal: every call needs a service token.",
        lifespan=lifespan,
    )
    # The experience APIs call for their users (whose identity they pass), operators read too;
    # only operators' tokens open the routes of work that needs attention.
    callers = (*EXPERIENCE_APIS, OPERATOR)
    channels = require_service_token(*callers, identity_from=callers)
    internal = APIRouter(dependencies=[Depends(channels)])
    internal.include_router(orders.router)
    app.include_router(internal)
    operations = APIRouter(
        dependencies=[Depends(require_service_token(OPERATOR, identity_from=[OPERATOR]))]
    )
    operations.include_router(attention.router)
    operations.include_router(dead_letters.router)
    app.include_router(operations)
    return app
