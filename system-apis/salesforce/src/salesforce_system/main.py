"""Composition root of the Salesforce System API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio
from fastapi import APIRouter, Depends, FastAPI

from salesforce_system.adapters.salesforce.account_feed import SalesforceAccountChanges
from salesforce_system.adapters.salesforce.account_sync import SalesforceAccountSync
from salesforce_system.adapters.salesforce.budget import BudgetTracker
from salesforce_system.adapters.salesforce.catalog import PricebookCatalog
from salesforce_system.adapters.salesforce.crm import SalesforceCrm
from salesforce_system.adapters.salesforce.product_upsert import ProductUpserter
from salesforce_system.adapters.salesforce.rest import (
    SalesforceRest,
    is_transient_salesforce_answer,
)
from salesforce_system.adapters.salesforce.session import SessionProvider
from salesforce_system.api import accounts, limits, orders, products, quotes, sync, system
from salesforce_system.settings import SalesforceSystemSettings
from trivium.app import create_service_app
from trivium.health import add_readiness_check, http_check, redis_check
from trivium.http_client import create_http_client_from_settings
from trivium.idempotency import IdempotencyStore
from trivium.service_auth import EXPERIENCE_APIS, PROCESS_APIS, require_service_token

ORG_CURRENCY = "EUR"


def create_app(settings: SalesforceSystemSettings | None = None) -> FastAPI:
    """The Salesforce System API, configured from the environment unless settings are given."""
    settings = settings or SalesforceSystemSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis_client = redis.asyncio.Redis.from_url(settings.redis_url)
        login_client = create_http_client_from_settings(
            settings, backend="salesforce-login", base_url=settings.login_url
        )
        api_client = create_http_client_from_settings(
            settings,
            backend="salesforce",
            base_url=settings.login_url,
            is_retryable_response=is_transient_salesforce_answer,
        )
        sessions = SessionProvider(
            settings=settings, redis_client=redis_client, login_client=login_client
        )
        rest = SalesforceRest(
            http=api_client,
            sessions=sessions,
            budget=BudgetTracker(redis_client),
            api_version=settings.api_version,
            call_options_client=settings.call_options_client,
        )
        app.state.crm = SalesforceCrm(
            rest=rest,
            catalog=PricebookCatalog(
                rest=rest, redis_client=redis_client, ttl=settings.catalog_ttl_seconds
            ),
            upserter=ProductUpserter(
                rest=rest,
                bulk_threshold=settings.bulk_threshold,
                poll_seconds=settings.bulk_poll_seconds,
                timeout_seconds=settings.bulk_timeout_seconds,
            ),
            currency=ORG_CURRENCY,
        )
        app.state.idempotency = IdempotencyStore.from_settings(redis_client, settings)
        app.state.account_feed = SalesforceAccountChanges(
            http=api_client,
            sessions=sessions,
            api_version=settings.api_version,
            suite_client=settings.call_options_client,
        )
        app.state.account_sync = SalesforceAccountSync(rest=rest, currency=ORG_CURRENCY)
        add_readiness_check(app, "redis", redis_check(redis_client))
        add_readiness_check(app, "salesforce", http_check(login_client, "/services/data/"))
        try:
            yield
        finally:
            await api_client.aclose()
            await login_client.aclose()
            await redis_client.aclose()

    app = create_service_app(
        settings,
        title="Trivium Salesforce System API",
        description="CRM accounts, contacts, opportunities, quotes, orders and products as clean "
        "resources. Internal: every call needs a service token.",
        lifespan=lifespan,
        body_limits={"/products": products.MAX_UPSERT_BYTES},
    )
    # The process and experience APIs call System APIs; identity claims are not read here.
    callers = require_service_token(*PROCESS_APIS, *EXPERIENCE_APIS)
    internal = APIRouter(dependencies=[Depends(callers)])
    for module in (accounts, quotes, orders, products, limits, sync, system):
        internal.include_router(module.router)
    app.include_router(internal)
    return app
