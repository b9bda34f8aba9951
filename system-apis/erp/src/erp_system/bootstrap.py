"""Composition root of the ERP System API: its settings in, one container of its ports out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx

from erp_system.adapters.ports import ErpPort, KeyLockPort
from erp_system.adapters.s4hana.adapter import S4HanaErp
from erp_system.adapters.s4hana.auth import (
    TOKEN_PATH,
    Authenticator,
    BasicAuthenticator,
    ClientCredentialsAuthenticator,
)
from erp_system.adapters.s4hana.call_names import BACKEND as S4HANA_BACKEND
from erp_system.adapters.s4hana.call_names import s4hana_call_name
from erp_system.adapters.s4hana.odata import ODataClient
from erp_system.adapters.s4hana.sync import build_sync
from erp_system.adapters.sync_port import ErpSyncPort
from erp_system.settings import ErpSystemSettings
from trivium.health import ReadinessCheck, redis_check
from trivium.http_client import create_http_client_from_settings
from trivium.idempotency import IdempotencyStore
from trivium.locks import LeaseLocks
from trivium.redis_client import create_redis

READINESS_SERVICE = "API_SALES_ORDER_SRV"


@dataclass(frozen=True, slots=True)
class ErpSystem:
    """Everything the routes use: the ERP, its sync reads, per-key locks and idempotency."""

    settings: ErpSystemSettings
    erp: ErpPort
    sync: ErpSyncPort
    locks: KeyLockPort
    idempotency: IdempotencyStore
    readiness: Mapping[str, ReadinessCheck]


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


@asynccontextmanager
async def bootstrap(settings: ErpSystemSettings) -> AsyncIterator[ErpSystem]:
    """The ERP System API on S/4HANA and Redis; its clients close when the block ends."""
    async with AsyncExitStack() as stack:
        redis_client = create_redis(settings.redis_url)
        stack.push_async_callback(redis_client.aclose)
        token_client = create_http_client_from_settings(
            settings, backend="s4hana-oauth", base_url=settings.base_url
        )
        stack.push_async_callback(token_client.aclose)
        api_client = create_http_client_from_settings(
            settings, backend=S4HANA_BACKEND, base_url=settings.base_url, span_name=s4hana_call_name
        )
        stack.push_async_callback(api_client.aclose)
        odata = ODataClient(
            http=api_client,
            auth=build_authenticator(settings, token_client),
            sap_client=settings.sap_client,
            language=settings.sap_language,
            csrf_ttl_seconds=settings.csrf_ttl_seconds,
        )
        yield ErpSystem(
            settings=settings,
            erp=S4HanaErp(odata, settings),
            sync=build_sync(odata, settings),
            locks=LeaseLocks(
                redis_client,
                prefix="trivium",
                namespace=settings.service_name,
                lease_seconds=60,
                wait_seconds=10,
                hashed=True,
            ),
            idempotency=IdempotencyStore.from_settings(redis_client, settings),
            readiness={
                "redis": redis_check(redis_client),
                "s4hana": lambda: odata.ping(READINESS_SERVICE),
            },
        )
