"""Composition root of the Salesforce System API: settings in, one container of its ports out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from salesforce_system.adapters.ports import AccountChangesPort, AccountSyncPort, CrmPort
from salesforce_system.adapters.salesforce.account_feed import SalesforceAccountChanges
from salesforce_system.adapters.salesforce.account_sync import SalesforceAccountSync
from salesforce_system.adapters.salesforce.budget import BudgetTracker
from salesforce_system.adapters.salesforce.call_names import BACKEND as SALESFORCE_BACKEND
from salesforce_system.adapters.salesforce.call_names import salesforce_call_name
from salesforce_system.adapters.salesforce.catalog import PricebookCatalog
from salesforce_system.adapters.salesforce.crm import SalesforceCrm
from salesforce_system.adapters.salesforce.product_upsert import ProductUpserter
from salesforce_system.adapters.salesforce.rest import (
    SalesforceRest,
    is_transient_salesforce_answer,
)
from salesforce_system.adapters.salesforce.session import SessionProvider
from salesforce_system.settings import SalesforceSystemSettings
from trivium.health import ReadinessCheck, http_check, redis_check
from trivium.http_client import create_http_client_from_settings
from trivium.idempotency import IdempotencyStore
from trivium.redis_client import service_redis

ORG_CURRENCY = "EUR"


@dataclass(frozen=True, slots=True)
class SalesforceSystem:
    """Everything the routes use: the CRM, its account changes and sync reads, idempotency."""

    settings: SalesforceSystemSettings
    crm: CrmPort
    account_changes: AccountChangesPort
    account_sync: AccountSyncPort
    idempotency: IdempotencyStore
    readiness: Mapping[str, ReadinessCheck]


@asynccontextmanager
async def bootstrap(settings: SalesforceSystemSettings) -> AsyncIterator[SalesforceSystem]:
    """The Salesforce System API on the org and Redis; its clients close when the block ends."""
    async with AsyncExitStack() as stack:
        redis_client = service_redis(stack, settings)
        login_client = create_http_client_from_settings(
            settings, backend="salesforce-login", base_url=settings.login_url
        )
        stack.push_async_callback(login_client.aclose)
        api_client = create_http_client_from_settings(
            settings,
            backend=SALESFORCE_BACKEND,
            base_url=settings.login_url,
            is_retryable_response=is_transient_salesforce_answer,
            span_name=salesforce_call_name,
        )
        stack.push_async_callback(api_client.aclose)
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
        crm = SalesforceCrm(
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
        account_changes = SalesforceAccountChanges(
            http=api_client,
            sessions=sessions,
            api_version=settings.api_version,
            suite_client=settings.call_options_client,
        )
        yield SalesforceSystem(
            settings=settings,
            crm=crm,
            account_changes=account_changes,
            account_sync=SalesforceAccountSync(rest=rest, currency=ORG_CURRENCY),
            idempotency=IdempotencyStore.from_settings(redis_client, settings),
            readiness={
                "redis": redis_check(redis_client),
                "salesforce": http_check(login_client, "/services/data/"),
            },
        )
