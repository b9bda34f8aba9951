"""Composition root of the mobile field-sales Experience API."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import redis.asyncio
from fastapi import APIRouter, Depends, FastAPI

from mobile_experience.adapters.erp_system import ErpSystemErp
from mobile_experience.adapters.process_apis import CreateCustomerCustomers, QuoteToOrderOrders
from mobile_experience.adapters.redis_cache import RedisCache
from mobile_experience.adapters.salesforce_system import SalesforceSystemCrm
from mobile_experience.api import accounts, customers, orders
from mobile_experience.domain.accounts import CustomerViews, ViewPolicy
from mobile_experience.domain.models import Rep
from mobile_experience.domain.orders import OrderDesk
from mobile_experience.settings import MobileSettings
from trivium.app import create_service_app
from trivium.health import add_readiness_check, redis_check
from trivium.http_client import create_http_client_from_settings
from trivium.idempotency import IdempotencyStore
from trivium.service_auth import ServiceTokenIssuer, require_service_token

DAY_SECONDS = 86_400.0


def view_policy(settings: MobileSettings) -> ViewPolicy:
    return ViewPolicy(
        cache_ttl_seconds=settings.view_cache_ttl_seconds,
        link_ttl_seconds=settings.account_link_ttl_seconds,
        section_timeout_seconds=settings.section_timeout_seconds,
        key_contacts=settings.key_contacts,
        open_opportunities=settings.open_opportunities,
        recent_orders=settings.recent_orders,
        open_invoices=settings.open_invoices,
    )


def create_app(settings: MobileSettings | None = None) -> FastAPI:
    """The mobile Experience API, configured from the environment unless settings are given."""
    settings = settings or MobileSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        issuer: ServiceTokenIssuer = app.state.service_token_issuer

        def as_rep(audience: str) -> Callable[[Rep], str]:
            return lambda rep: issuer.token_for(audience, claims=rep.claims())

        redis_client = redis.asyncio.Redis.from_url(settings.redis_url)
        clients = [
            create_http_client_from_settings(
                settings,
                backend="salesforce-system",
                base_url=settings.salesforce_system_url,
                service_token=lambda: issuer.token_for("salesforce-system"),
            ),
            create_http_client_from_settings(
                settings,
                backend="erp-system",
                base_url=settings.erp_system_url,
                service_token=lambda: issuer.token_for("erp-system"),
            ),
            create_http_client_from_settings(
                settings, backend="quote-to-order", base_url=settings.quote_to_order_url
            ),
            create_http_client_from_settings(
                settings, backend="create-customer", base_url=settings.create_customer_url
            ),
        ]
        crm_http, erp_http, orders_http, customers_http = clients
        cache = RedisCache(redis_client)
        views = CustomerViews(
            crm=SalesforceSystemCrm(crm_http),
            erp=ErpSystemErp(erp_http),
            cache=cache,
            policy=view_policy(settings),
        )
        app.state.views = views
        app.state.desk = OrderDesk(
            orders=QuoteToOrderOrders(orders_http, token_for=as_rep("quote-to-order")),
            customers=CreateCustomerCustomers(customers_http, token_for=as_rep("create-customer")),
            views=views,
            cache=cache,
            placer_retention_seconds=settings.order_visibility_days * DAY_SECONDS,
        )
        app.state.idempotency = IdempotencyStore.from_settings(redis_client, settings)
        # Only Redis: with a lower tier down, the views degrade instead of failing.
        add_readiness_check(app, "redis", redis_check(redis_client))
        try:
            yield
        finally:
            for client in clients:
                with contextlib.suppress(Exception):
                    await client.aclose()
            await redis_client.aclose()

    app = create_service_app(
        settings,
        title="Trivium mobile field-sales Experience API",
        description="What a sales rep's phone needs: their accounts, a customer 360 in one call "
        "that degrades section by section, orders from quotes and new customers. Called through "
        "the gateway, which signs the rep's identity into a service token.",
        lifespan=lifespan,
    )
    # End-user identity comes from the gateway's key alone.
    gateway = require_service_token(
        *settings.identity_issuers, identity_from=settings.identity_issuers
    )
    internal = APIRouter(dependencies=[Depends(gateway)])
    for module in (accounts, customers, orders):
        internal.include_router(module.router)
    app.include_router(internal)
    return app
