"""Composition root of the mobile field-sales Experience API: settings (and the app's token
issuer) in, one container of its use cases out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from mobile_experience.adapters.erp_system import ErpSystemErp
from mobile_experience.adapters.ports import (
    Cache,
    CrmPort,
    CustomersPort,
    ErpPort,
    OrdersPort,
    ViewMetrics,
)
from mobile_experience.adapters.process_apis import CreateCustomerCustomers, QuoteToOrderOrders
from mobile_experience.adapters.salesforce_system import SalesforceSystemCrm
from mobile_experience.domain.accounts import CustomerViews, ViewPolicy
from mobile_experience.domain.models import Rep
from mobile_experience.domain.orders import OrderDesk
from mobile_experience.metrics import PrometheusViewMetrics
from mobile_experience.settings import MobileSettings
from trivium.cache import RedisCache
from trivium.health import ReadinessCheck, redis_check
from trivium.http_client import service_client, system_api_clients
from trivium.idempotency import IdempotencyStore
from trivium.redis_client import service_redis
from trivium.service_auth import ServiceTokenIssuer

DAY_SECONDS = 86_400.0


@dataclass(frozen=True, slots=True)
class MobileExperience:
    """Everything the routes use: the rep's views, the order desk and idempotency."""

    settings: MobileSettings
    views: CustomerViews
    desk: OrderDesk
    idempotency: IdempotencyStore
    readiness: Mapping[str, ReadinessCheck]


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


def assemble(
    settings: MobileSettings,
    *,
    crm: CrmPort,
    erp: ErpPort,
    orders: OrdersPort,
    customers: CustomersPort,
    cache: Cache,
    metrics: ViewMetrics,
    idempotency: IdempotencyStore,
    readiness: Mapping[str, ReadinessCheck],
) -> MobileExperience:
    """The use cases on the given ports: real ones from `bootstrap`, fakes in tests."""
    views = CustomerViews(
        crm=crm, erp=erp, cache=cache, policy=view_policy(settings), metrics=metrics
    )
    desk = OrderDesk(
        orders=orders,
        customers=customers,
        views=views,
        cache=cache,
        placer_retention_seconds=settings.order_visibility_days * DAY_SECONDS,
    )
    return MobileExperience(
        settings=settings, views=views, desk=desk, idempotency=idempotency, readiness=readiness
    )


@asynccontextmanager
async def bootstrap(
    settings: MobileSettings, *, issuer: ServiceTokenIssuer
) -> AsyncIterator[MobileExperience]:
    """The mobile API on the System and Process APIs and Redis; its clients close when the block
    ends."""

    def as_rep(audience: str) -> Callable[[Rep], str]:
        return lambda rep: issuer.token_for(audience, claims=rep.claims())

    async with AsyncExitStack() as stack:
        redis_client = service_redis(stack, settings)
        crm_http, erp_http = system_api_clients(stack, settings, issuer)
        # The process APIs get a token per call, carrying the rep: see `as_rep`.
        orders_http = service_client(
            stack, settings, backend="quote-to-order", base_url=settings.quote_to_order_url
        )
        customers_http = service_client(
            stack, settings, backend="create-customer", base_url=settings.create_customer_url
        )
        yield assemble(
            settings,
            crm=SalesforceSystemCrm(crm_http),
            erp=ErpSystemErp(erp_http),
            orders=QuoteToOrderOrders(orders_http, token_for=as_rep("quote-to-order")),
            customers=CreateCustomerCustomers(customers_http, token_for=as_rep("create-customer")),
            cache=RedisCache(redis_client),
            metrics=PrometheusViewMetrics(),
            idempotency=IdempotencyStore.from_settings(redis_client, settings),
            # Only Redis: with a lower tier down, the views degrade instead of failing.
            readiness={"redis": redis_check(redis_client)},
        )
