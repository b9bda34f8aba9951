"""Composition root of the partner-portal Experience API: settings (and the app's token issuer)
in, one container of the portal and its idempotency store out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from partner_portal_experience.adapters.erp_system import ErpSystemErp
from partner_portal_experience.adapters.quote_to_order import QuoteToOrderOrders
from partner_portal_experience.adapters.salesforce_system import SalesforceSystemCrm
from partner_portal_experience.domain.portal import PartnerPortal, PortalPolicy
from partner_portal_experience.settings import PartnerPortalSettings
from trivium.cache import RedisCache
from trivium.health import ReadinessCheck, redis_check
from trivium.http_client import service_client, system_api_clients
from trivium.idempotency import IdempotencyStore
from trivium.redis_client import service_redis
from trivium.service_auth import ServiceTokenIssuer

QUOTE_TO_ORDER = "quote-to-order"


@dataclass(frozen=True, slots=True)
class PartnerPortalExperience:
    """Everything the routes use: the portal's ports and policy, and idempotency."""

    settings: PartnerPortalSettings
    portal: PartnerPortal
    idempotency: IdempotencyStore
    readiness: Mapping[str, ReadinessCheck]


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
async def bootstrap(
    settings: PartnerPortalSettings, *, issuer: ServiceTokenIssuer
) -> AsyncIterator[PartnerPortalExperience]:
    """The portal on the System APIs, quote-to-order and Redis; its clients close when the
    block ends."""

    def order_token(identity: Mapping[str, Any]) -> str:
        return issuer.token_for(QUOTE_TO_ORDER, claims=identity)

    async with AsyncExitStack() as stack:
        redis_client = service_redis(stack, settings)
        crm_http, erp_http = system_api_clients(stack, settings, issuer)
        orders_http = service_client(
            stack,
            settings,
            backend=QUOTE_TO_ORDER,
            base_url=settings.quote_to_order_url,
            issuer=issuer,
        )
        portal = PartnerPortal(
            crm=SalesforceSystemCrm(crm_http),
            erp=ErpSystemErp(erp_http),
            orders=QuoteToOrderOrders(orders_http, token_for=order_token),
            cache=RedisCache(redis_client, prefix="partner-portal:"),
            policy=build_policy(settings),
        )
        yield PartnerPortalExperience(
            settings=settings,
            portal=portal,
            idempotency=IdempotencyStore.from_settings(redis_client, settings),
            # Only Redis: with a system down, the portal still answers, degraded.
            readiness={"redis": redis_check(redis_client)},
        )
