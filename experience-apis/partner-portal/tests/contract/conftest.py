"""The partner portal's contracts. Consumer side: its adapters for the System APIs and
quote-to-order against Pact mock servers. Provider side: the app in contract-test mode, on
in-memory lower tiers, with the states the gateway's pact names (see contracts/README.md)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from pact import Pact
from starlette.datastructures import State

from partner_portal_experience.adapters.erp_system import ErpSystemErp
from partner_portal_experience.adapters.fake import FakeCrm, FakeErp, FakeOrders, MemoryCache
from partner_portal_experience.adapters.ports import CrmAccount, ErpCredit
from partner_portal_experience.adapters.quote_to_order import QuoteToOrderOrders
from partner_portal_experience.adapters.salesforce_system import SalesforceSystemCrm
from partner_portal_experience.bootstrap import PartnerPortalExperience
from partner_portal_experience.main import create_app
from partner_portal_experience.settings import PartnerPortalSettings
from trivium.composition import container_of, provide
from trivium.problems import FieldError, ValidationFailed
from trivium.redis_discovery import RedisEndpoint
from trivium_testing.keys import session_keys
from trivium_testing.mock_servers import lower_tier_client
from trivium_testing.pacts import StateHandler, consumer_pact, enable_provider_states, serve_app
from trivium_testing.stack import redis_db

CONSUMER = "partner-portal"


@pytest.fixture
def salesforce_pact() -> Iterator[Pact]:
    with consumer_pact(CONSUMER, "salesforce-system") as pact:
        yield pact


@pytest.fixture
def erp_pact() -> Iterator[Pact]:
    with consumer_pact(CONSUMER, "erp-system") as pact:
        yield pact


@pytest.fixture
def orders_pact() -> Iterator[Pact]:
    with consumer_pact(CONSUMER, "quote-to-order") as pact:
        yield pact


@asynccontextmanager
async def _crm_at(url: object) -> AsyncIterator[SalesforceSystemCrm]:
    async with lower_tier_client(url, backend="salesforce-system") as http:
        yield SalesforceSystemCrm(http)


@asynccontextmanager
async def _erp_at(url: object) -> AsyncIterator[ErpSystemErp]:
    async with lower_tier_client(url, backend="erp-system") as http:
        yield ErpSystemErp(http)


@asynccontextmanager
async def _orders_at(url: object) -> AsyncIterator[QuoteToOrderOrders]:
    async with lower_tier_client(url, backend="quote-to-order") as http:
        yield QuoteToOrderOrders(http, token_for=lambda identity: "partner-service-token")


@pytest.fixture
def crm_at() -> Callable[[object], AbstractAsyncContextManager[SalesforceSystemCrm]]:
    """The service's CRM adapter on a mock server's URL."""
    return _crm_at


@pytest.fixture
def erp_at() -> Callable[[object], AbstractAsyncContextManager[ErpSystemErp]]:
    """The service's ERP adapter on a mock server's URL."""
    return _erp_at


@pytest.fixture
def orders_at() -> Callable[[object], AbstractAsyncContextManager[QuoteToOrderOrders]]:
    """The service's order adapter on a mock server's URL."""
    return _orders_at


# The provider side: the partner portal as deployed, on in-memory lower tiers, called as the
# gateway calls it: with the signed identity of a partner.

PROVIDER = "partner-portal-experience"
PACT_PROVIDER = "partner-portal"
CONTRACT_DB = 15
# The identity the verifier signs, as the gateway's signed-identity plugin does for this partner.
SIGNED_IN = {"consumer": "partner-nordwind", "partnerAccountNumber": "P-1001", "plan": "gold"}


def _check_identity(params: dict[str, Any], signed: dict[str, str]) -> None:
    # The pact names the claims the gateway signs; the verifier must sign the same ones.
    differing = sorted(
        name for name in set(params) | set(signed) if params.get(name) != signed.get(name)
    )
    if differing:
        raise ValidationFailed(
            "The verifier does not sign the identity the pact names.",
            errors=[FieldError(pointer=f"/params/{name}", detail="differs") for name in differing],
        )


def partner_signed_in(state: State, params: dict[str, Any]) -> None:
    _check_identity(params, SIGNED_IN)
    container: PartnerPortalExperience = state.container
    portal = container.portal
    crm: FakeCrm = portal.crm
    erp: FakeErp = portal.erp
    orders: FakeOrders = portal.orders
    number = params["partnerAccountNumber"]
    crm.accounts[number] = CrmAccount(
        id="001000000000001AAA",
        name="Nordwind Getraenke GmbH",
        account_number=number,
        erp_customer_number="1000001",
    )
    erp.credit["1000001"] = ErpCredit(
        limit=Decimal(50_000), exposure=Decimal(25_000), available=Decimal(25_000), currency="EUR"
    )
    orders.accounts[number] = "001000000000001AAA"
    orders.prices["TG-1000"] = Decimal("114.00")


STATES: dict[str, StateHandler] = {"a partner is signed in at the gateway": partner_signed_in}


@pytest.fixture(scope="session")
def contract_app(redis_endpoint: RedisEndpoint) -> Callable[[], FastAPI]:
    """Builds the provider app in contract-test mode."""
    settings = PartnerPortalSettings(
        redis_url=redis_db(redis_endpoint.url, CONTRACT_DB),
        **session_keys().settings("partner-portal-experience"),
        log_format="text",
    )

    def build() -> FastAPI:
        app = create_app(settings)

        def reset(state: State) -> None:
            running = container_of(app, PartnerPortalExperience)
            portal = dataclasses.replace(
                running.portal,
                crm=FakeCrm(),
                erp=FakeErp(),
                orders=FakeOrders(),
                cache=MemoryCache(),
            )
            provide(app, dataclasses.replace(running, portal=portal))
            # Each state starts with no remembered Idempotency-Keys: a namespace of its own.
            running.idempotency.service = f"{PROVIDER}-{uuid.uuid4().hex}"

        return enable_provider_states(app, STATES, reset=reset)

    return build


@pytest.fixture(scope="session")
def provider_url(contract_app: Callable[[], FastAPI]) -> Iterator[str]:
    """The provider in contract-test mode, served for the whole session."""
    with serve_app(contract_app()) as url:
        yield url


@pytest.fixture(scope="session")
def consumer_headers() -> dict[str, str]:
    """What every call from the gateway carries: the partner's signed identity."""
    issuer = session_keys().issuer("gateway", ttl_seconds=300)
    return {"Authorization": f"Bearer {issuer.token_for(PROVIDER, claims=SIGNED_IN)}"}
