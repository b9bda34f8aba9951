"""Composition root of the ERP System API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import redis.asyncio
from fastapi import APIRouter, Depends, FastAPI

from erp_system.adapters.s4hana.adapter import S4HanaErp
from erp_system.adapters.s4hana.auth import (
    TOKEN_PATH,
    Authenticator,
    BasicAuthenticator,
    ClientCredentialsAuthenticator,
)
from erp_system.adapters.s4hana.odata import ODataClient
from erp_system.adapters.s4hana.sync import build_sync
from erp_system.api import catalog, customers, sales_orders, sync
from erp_system.settings import ErpSystemSettings
from trivium.app import create_service_app
from trivium.health import add_readiness_check, redis_check
from trivium.http_client import create_http_client_from_settings
from trivium.idempotency import IdempotencyStore
from trivium.locks import LeaseLocks
from trivium.service_auth import EXPERIENCE_APIS, PROCESS_APIS, require_service_token

READINESS_SERVICE = "API_SALES_ORDER_SRV"


def build_authenticator(
    settings: ErpSystemSettings, token_client: httpx.AsyncClient
) -> Authenticator:
    """Basic auth with the communication user, or OAuth 2.0 client credentials."""
    if settings.auth_method == "basic":
        return BasicAuthenticator(
            username=settings.username, password=settings.password.get_secret_value()
        )
    return ClientCredentialsAuthenticator(
        http=token_client,
        token_url=settings.oauth_token_url or settings.base_url.rstrip("/") + TOKEN_PATH,
        client_id=settings.oauth_client_id,
        client_secret=settings.oauth_client_secret.get_secret_value(),
        scope=settings.oauth_scope,
        sap_client=settings.sap_client,
    )


def create_app(settings: ErpSystemSettings | None = None) -> FastAPI:
    """The ERP System API, configured from the environment unless settings are given."""
    settings = settings or ErpSystemSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis_client = redis.asyncio.Redis.from_url(settings.redis_url)
        token_client = create_http_client_from_settings(
            settings, backend="s4hana-oauth", base_url=settings.base_url
        )
        api_client = create_http_client_from_settings(
            settings, backend="s4hana", base_url=settings.base_url
        )
        odata = ODataClient(
            http=api_client,
            auth=build_authenticator(settings, token_client),
            sap_client=settings.sap_client,
            language=settings.sap_language,
            csrf_ttl_seconds=settings.csrf_ttl_seconds,
        )
        app.state.erp = S4HanaErp(odata, settings)
        app.state.erp_sync = build_sync(odata, settings)
        app.state.locks = LeaseLocks(
            redis_client,
            prefix="trivium",
            namespace=settings.service_name,
            lease_seconds=60,
            wait_seconds=10,
            hashed=True,
        )
        app.state.idempotency = IdempotencyStore.from_settings(redis_client, settings)
        add_readiness_check(app, "redis", redis_check(redis_client))
        add_readiness_check(app, "s4hana", lambda: odata.ping(READINESS_SERVICE))
        try:
            yield
        finally:
            await api_client.aclose()
            await token_client.aclose()
            await redis_client.aclose()

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
