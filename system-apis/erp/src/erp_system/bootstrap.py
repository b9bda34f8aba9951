"""Composition root of the ERP System API: its settings in, one container of its ports out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from erp_system.adapters.netsuite.auth import (
    BearerSource,
    ClientCredentials,
    SignedRequests,
    TokenBasedAuth,
)
from erp_system.adapters.netsuite.call_names import BACKEND as NETSUITE_BACKEND
from erp_system.adapters.netsuite.call_names import netsuite_call_name
from erp_system.adapters.netsuite.erp import NetSuiteErp
from erp_system.adapters.netsuite.rest import SuiteTalkClient
from erp_system.adapters.netsuite.sync import NetSuiteSync
from erp_system.adapters.ports import CreationAttemptsPort, ErpPort, KeyLockPort
from erp_system.adapters.redis_attempts import RedisCreationAttempts
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
from trivium.redis_client import service_redis

READINESS_SERVICE = "API_SALES_ORDER_SRV"


@dataclass(frozen=True, slots=True)
class ErpSystem:
    """Everything the routes use: the ERP, its sync reads, per-key locks, the creations
    attempted, and idempotency."""

    settings: ErpSystemSettings
    erp: ErpPort
    sync: ErpSyncPort
    locks: KeyLockPort
    attempts: CreationAttemptsPort
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


@dataclass(frozen=True, slots=True)
class ErpBackend:
    """The ERP ports of one backend and the readiness check of its connection."""

    erp: ErpPort
    sync: ErpSyncPort
    readiness: ReadinessCheck


def build_s4hana(settings: ErpSystemSettings, stack: AsyncExitStack) -> ErpBackend:
    """S/4HANA over OData v2, with basic auth or OAuth 2.0 client credentials."""
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
    return ErpBackend(
        erp=S4HanaErp(odata, settings),
        sync=build_sync(odata, settings),
        readiness=lambda: odata.ping(READINESS_SERVICE),
    )


def build_netsuite(settings: ErpSystemSettings, stack: AsyncExitStack) -> ErpBackend:
    """NetSuite over SuiteTalk REST, with token-based auth or OAuth 2.0 client credentials."""
    netsuite = settings.netsuite
    base_url = netsuite.effective_base_url()
    auth: BearerSource
    signer: TokenBasedAuth | None = None
    if netsuite.auth_method == "tba":
        auth = SignedRequests()
        signer = TokenBasedAuth(
            realm=netsuite.realm,
            consumer_key=netsuite.consumer_key,
            consumer_secret=netsuite.consumer_secret.get_secret_value(),
            token_id=netsuite.token_id,
            token_secret=netsuite.token_secret.get_secret_value(),
        )
    else:
        if not netsuite.private_key_path:
            raise ValueError("NETSUITE_PRIVATE_KEY_PATH is needed for OAuth 2.0 client credentials")
        token_client = create_http_client_from_settings(
            settings, backend="netsuite-oauth", base_url=base_url
        )
        stack.push_async_callback(token_client.aclose)
        auth = ClientCredentials(
            http=token_client,
            client_id=netsuite.client_id,
            certificate_id=netsuite.certificate_id,
            private_key_pem=Path(netsuite.private_key_path).read_bytes(),
            scope=netsuite.scope,
        )
    api_client = create_http_client_from_settings(
        settings,
        backend=NETSUITE_BACKEND,
        base_url=base_url,
        sign=signer,
        span_name=netsuite_call_name,
    )
    stack.push_async_callback(api_client.aclose)
    client = SuiteTalkClient(http=api_client, auth=auth)
    erp = NetSuiteErp(
        client,
        currency=settings.currency,
        location=netsuite.location,
        subsidiary=netsuite.subsidiary,
    )
    sync = NetSuiteSync(
        client, erp, currency=settings.currency, system_id=settings.effective_system_id()
    )
    return ErpBackend(erp=erp, sync=sync, readiness=client.ping)


BACKENDS = {"s4hana": build_s4hana, "netsuite": build_netsuite}


@asynccontextmanager
async def bootstrap(settings: ErpSystemSettings) -> AsyncIterator[ErpSystem]:
    """The ERP System API on its ERP (S/4HANA or NetSuite) and Redis; its clients close when the
    block ends."""
    async with AsyncExitStack() as stack:
        redis_client = service_redis(stack, settings)
        backend = BACKENDS[settings.backend](settings, stack)
        yield ErpSystem(
            settings=settings,
            erp=backend.erp,
            sync=backend.sync,
            locks=LeaseLocks(
                redis_client,
                prefix="trivium",
                namespace=settings.service_name,
                lease_seconds=60,
                wait_seconds=10,
                hashed=True,
            ),
            attempts=RedisCreationAttempts(
                redis_client,
                prefix="trivium",
                namespace=settings.service_name,
                ttl_seconds=settings.sales_order_attempt_days * 86_400,
            ),
            idempotency=IdempotencyStore.from_settings(redis_client, settings),
            readiness={"redis": redis_check(redis_client), settings.backend: backend.readiness},
        )
