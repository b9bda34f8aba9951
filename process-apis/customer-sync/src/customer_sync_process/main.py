"""The customer-sync Process API: the app, its routes, and a lifespan that runs what
`bootstrap` builds (with this replica's part in the leader election)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from customer_sync_process.api import parked, status, syncs
from customer_sync_process.bootstrap import bootstrap
from customer_sync_process.settings import CustomerSyncSettings
from trivium.app import create_service_app
from trivium.composition import install
from trivium.health import add_degradation_check
from trivium.service_auth import OPERATOR, require_service_token
from trivium.work_queue.runner import running_worker_pool


def create_app(settings: CustomerSyncSettings | None = None) -> FastAPI:
    """The customer-sync Process API, configured from the environment unless settings are
    given; the field ownership is validated here, before anything starts."""
    settings = settings or CustomerSyncSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with bootstrap(settings, issuer=app.state.service_token_issuer) as container:
            install(app, container)
            add_degradation_check(app, "sync", container.status.degradation)
            # A replica with consumers switched off serves the API and never leads.
            async with (
                running_worker_pool(container.leadership, name=settings.service_name)
                if settings.consumers
                else contextlib.nullcontext()
            ):
                yield

    app = create_service_app(
        settings,
        title="Trivium customer-sync Process API",
        description="Keeps CRM accounts and ERP customers consistent under field ownership "
        "rules (change events one way, delta polls the other), puts ERP order status on CRM "
        "orders, and syncs ERP stock and prices to CRM products in bulk. Internal: every call "
        "needs a service token.",
        lifespan=lifespan,
    )
    # Syncs run on their own; what is called here is operators' work.
    operators = require_service_token(OPERATOR, identity_from=[OPERATOR])
    internal = APIRouter(dependencies=[operators])
    internal.include_router(syncs.router)
    internal.include_router(status.router)
    internal.include_router(parked.router)
    app.include_router(internal)
    return app
