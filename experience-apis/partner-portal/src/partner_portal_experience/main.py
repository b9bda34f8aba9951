"""Composition root of the partner-portal Experience API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import redis.asyncio
from fastapi import APIRouter, Depends, FastAPI

from partner_portal_experience.adapters.erp_system import ErpSystemErp
from partner_portal_experience.adapters.quote_to_order import QuoteToOrderOrders
from partner_portal_experience.adapters.redis_cache import RedisCache
from partner_portal_experience.adapters.salesforce_system import SalesforceSystemCrm
from partner_portal_experience.api import account, catalog, orders, page
from partner_portal_experience.domain.portal import PartnerPortal, PortalPolicy
from partner_portal_experience.settings import PartnerPortalSettings
from trivium.app import create_service_app
from trivium.health import add_readiness_check, redis_check
from trivium.http_client import create_http_client_from_settings
from trivium.idempotency import IdempotencyStore
from trivium.service_auth import ServiceTokenIssuer, require_service_token

QUOTE_TO_ORDER = "quote-to-order"


def build_policy(settings: PartnerPortalSettings) -> PortalPolicy:
    return PortalPolicy(
        identity_issuers=frozenset(settings.identity_issuers),
        identity_ttl_seconds=settings.identity_cache_seconds,
        catalog_ttl_seconds=settings.catalog_cache_seconds,
        progress_ttl_seconds=settings.order_progress_cache_seconds,
        low_stock_below=settings.low_stock_below,
        erp_reads_at_once=settings.erp_reads_at_once,
    )


@asynccontextmanager
async def open_portal(
    settings: PartnerPortalSettings, *, issuer: ServiceTokenIssuer
) -> AsyncIterator[tuple[PartnerPortal, redis.asyncio.Redis]]:
    """Build the clients and adapters; close them when the block ends."""
    redis_client = redis.asyncio.Redis.from_url(settings.redis_url)

    def client(audience: str, base_url: str) -> httpx.AsyncClient:
        return create_http_client_from_settings(
            settings,
            backend=audience,
            base_url=base_url,
            service_token=lambda: issuer.token_for(audience),
        )

    def order_token(identity: Mapping[str, Any]) -> str:
        return issuer.token_for(QUOTE_TO_ORDER, claims=identity)

    clients = [
        client("salesforce-system", settings.salesforce_system_url),
        client("erp-system", settings.erp_system_url),
        client(QUOTE_TO_ORDER, settings.quote_to_order_url),
    ]
    crm_http, erp_http, orders_http = clients
    portal = PartnerPortal(
        crm=SalesforceSystemCrm(crm_http),
        erp=ErpSystemErp(erp_http),
        orders=QuoteToOrderOrders(orders_http, token_for=order_token),
        cache=RedisCache(redis_client),
        policy=build_policy(settings),
    )
    try:
        yield portal, redis_client
    finally:
        for http in clients:
            with contextlib.suppress(Exception):
                await http.aclose()
        await redis_client.aclose()


def create_app(settings: PartnerPortalSettings | None = None) -> FastAPI:
    """The partner-portal Experience API, configured from the environment unless settings are
    given."""
    settings = settings or PartnerPortalSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_portal(settings, issuer=app.state.service_token_issuer) as opened:
            portal, redis_client = opened
            app.state.portal = portal
            app.state.idempotency = IdempotencyStore.from_settings(redis_client, settings)
            # Only Redis: with a system down, the portal still answers, degraded.
            add_readiness_check(app, "redis", redis_check(redis_client))
            yield

    app = create_service_app(
        settings,
        title="Trivium partner portal API",
        description="A partner's own account, catalog (at the partner's price, with stock) and "
        "orders. Called through the gateway with the partner's API key (header `apikey`); "
        "every call is scoped to that partner.",
        lifespan=lifespan,
        open_paths=page.PAGE_PATHS,
    )
    # A partner's identity comes from the gateway's key alone; the page needs none.
    gateway = require_service_token(
        *settings.identity_issuers, identity_from=settings.identity_issuers
    )
    internal = APIRouter(dependencies=[Depends(gateway)])
    for module in (account, catalog, orders):
        internal.include_router(module.router)
    app.include_router(internal)
    app.include_router(page.router)
    return app
