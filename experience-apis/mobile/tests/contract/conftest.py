"""The mobile API's contracts. Consumer side: its adapters for the System APIs and the process
APIs against Pact mock servers. Provider side: the app in contract-test mode, on in-memory lower
tiers, with the states the gateway's pact names (see contracts/README.md)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from fastapi import FastAPI
from pact import Pact
from starlette.datastructures import State

from mobile_experience.adapters.erp_system import ErpSystemErp
from mobile_experience.adapters.fake import (
    FakeCrm,
    FakeCustomers,
    FakeErp,
    FakeOrders,
    MemoryCache,
    RecordingViewMetrics,
)
from mobile_experience.adapters.ports import CrmAccount, CrmOverview
from mobile_experience.adapters.process_apis import CreateCustomerCustomers, QuoteToOrderOrders
from mobile_experience.adapters.salesforce_system import SalesforceSystemCrm
from mobile_experience.bootstrap import MobileExperience, assemble
from mobile_experience.domain.models import Rep
from mobile_experience.main import create_app
from mobile_experience.settings import MobileSettings
from trivium.composition import container_of, provide
from trivium.problems import FieldError, ValidationFailed
from trivium.redis_discovery import RedisEndpoint
from trivium_testing.keys import session_keys
from trivium_testing.mock_servers import lower_tier_client
from trivium_testing.pacts import StateHandler, consumer_pact, enable_provider_states, serve_app
from trivium_testing.stack import redis_db

CONSUMER = "mobile"
REP = Rep(username="anna.becker@trivium.demo", consumer="rep-anna-becker", plan="internal")


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


@pytest.fixture
def customers_pact() -> Iterator[Pact]:
    with consumer_pact(CONSUMER, "create-customer") as pact:
        yield pact


def _rep_token(rep: Rep) -> str:
    return f"token-for-{rep.consumer}"


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
        yield QuoteToOrderOrders(http, token_for=_rep_token)


@asynccontextmanager
async def _customers_at(url: object) -> AsyncIterator[CreateCustomerCustomers]:
    async with lower_tier_client(url, backend="create-customer") as http:
        yield CreateCustomerCustomers(http, token_for=_rep_token)


@pytest.fixture
def rep() -> Rep:
    """The signed-in sales rep the calls are made for."""
    return REP


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
    """The service's quote-to-order adapter on a mock server's URL."""
    return _orders_at


@pytest.fixture
def customers_at() -> Callable[[object], AbstractAsyncContextManager[CreateCustomerCustomers]]:
    """The service's create-customer adapter on a mock server's URL."""
    return _customers_at


# The provider side: the mobile API as deployed, on in-memory lower tiers, called as the gateway
# calls it: with the signed identity of a sales rep.

PROVIDER = "mobile-experience"
CONTRACT_DB = 15
# The identity the verifier signs, as the gateway's signed-identity plugin does for this rep.
SIGNED_IN = {"consumer": "rep-anna-becker", "salesforceUsername": "anna.becker@trivium.demo"}


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


def rep_signed_in(state: State, params: dict[str, Any]) -> None:
    _check_identity(params, SIGNED_IN)
    container: MobileExperience = state.container
    crm = container.views.crm
    assert isinstance(crm, FakeCrm)
    account = CrmAccount(
        id="001000000000001AAA", name="Nordwind Getraenke GmbH", erp_customer_number="1000001"
    )
    crm.overviews[account.id] = CrmOverview(
        account=account, owner_username=params["salesforceUsername"]
    )


STATES: dict[str, StateHandler] = {"a sales rep is signed in at the gateway": rep_signed_in}


@pytest.fixture(scope="session")
def contract_app(redis_endpoint: RedisEndpoint) -> Callable[[], FastAPI]:
    """Builds the provider app in contract-test mode."""
    settings = MobileSettings(
        redis_url=redis_db(redis_endpoint.url, CONTRACT_DB),
        **session_keys().settings("mobile-experience"),
        log_format="text",
    )

    def build() -> FastAPI:
        app = create_app(settings)

        def reset(state: State) -> None:
            running = container_of(app, MobileExperience)
            fakes = assemble(
                settings,
                crm=FakeCrm(),
                erp=FakeErp(),
                orders=FakeOrders(),
                customers=FakeCustomers(),
                cache=MemoryCache(),
                metrics=RecordingViewMetrics(),
                idempotency=running.idempotency,
                readiness=running.readiness,
            )
            provide(app, fakes)
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
    """What every call from the gateway carries: the rep's signed identity."""
    issuer = session_keys().issuer("gateway", ttl_seconds=300)
    return {"Authorization": f"Bearer {issuer.token_for(PROVIDER, claims=SIGNED_IN)}"}
