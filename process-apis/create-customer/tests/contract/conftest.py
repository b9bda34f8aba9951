"""create-customer's contracts. Consumer side: its System API adapters against Pact mock
servers, each test declaring the interactions it relies on. Provider side: the app in
contract-test mode with the states the pacts naming it need (see contracts/README.md)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
import redis.asyncio
from fastapi import FastAPI
from pact import Pact
from starlette.datastructures import State

from create_customer_process.adapters.erp_system import ErpSystemErp
from create_customer_process.adapters.fake import FakeCrm, FakeErp
from create_customer_process.adapters.redis_store import RedisRequestStore
from create_customer_process.adapters.salesforce_system import SalesforceSystemCrm
from create_customer_process.domain.saga import CustomerFlow
from create_customer_process.main import create_app
from create_customer_process.settings import CreateCustomerSettings
from trivium.idempotency import IdempotencyStore
from trivium.redis_discovery import RedisEndpoint
from trivium_testing.keys import session_keys
from trivium_testing.mock_servers import lower_tier_client
from trivium_testing.pacts import StateHandler, consumer_pact, enable_provider_states, serve_app
from trivium_testing.stack import redis_db

CONSUMER = "create-customer"


@pytest.fixture
def salesforce_pact() -> Iterator[Pact]:
    with consumer_pact(CONSUMER, "salesforce-system") as pact:
        yield pact


@pytest.fixture
def erp_pact() -> Iterator[Pact]:
    with consumer_pact(CONSUMER, "erp-system") as pact:
        yield pact


@asynccontextmanager
async def _crm_at(url: object) -> AsyncIterator[SalesforceSystemCrm]:
    async with lower_tier_client(url, backend="salesforce-system") as http:
        yield SalesforceSystemCrm(http)


@asynccontextmanager
async def _erp_at(url: object) -> AsyncIterator[ErpSystemErp]:
    async with lower_tier_client(url, backend="erp-system") as http:
        yield ErpSystemErp(http)


@pytest.fixture
def crm_at() -> Callable[[object], AbstractAsyncContextManager[SalesforceSystemCrm]]:
    """The service's CRM adapter on a mock server's URL."""
    return _crm_at


@pytest.fixture
def erp_at() -> Callable[[object], AbstractAsyncContextManager[ErpSystemErp]]:
    """The service's ERP adapter on a mock server's URL."""
    return _erp_at


# The provider side: create-customer in contract-test mode, the app as deployed with its saga on
# the in-memory CRM and ERP (and a request store of each state's own), for the pacts naming it.

PROVIDER = "create-customer"
CONTRACT_DB = 15


def neither_system_holds_the_customer(state: State, params: dict[str, Any]) -> None:
    """Fresh fakes hold no accounts and no customers at all."""


def customer_exists_in_both_systems(state: State, params: dict[str, Any]) -> None:
    flow: CustomerFlow = state.container.flow
    crm: FakeCrm = flow.crm
    erp: FakeErp = flow.erp
    account = crm.add(
        "Contoso Manufacturing Ltd", postal_code="95110", website="www.contoso.example"
    )
    erp.add(
        "Contoso Manufacturing Ltd",
        postal_code="95110",
        website="www.contoso.example",
        external_id=account.id,
    )


STATES: dict[str, StateHandler] = {
    "neither system holds the customer": neither_system_holds_the_customer,
    "an account and an ERP customer with the customer's name exist": (
        customer_exists_in_both_systems
    ),
}


@pytest.fixture(scope="session")
def contract_app(redis_endpoint: RedisEndpoint) -> Callable[[], FastAPI]:
    """Builds the provider app in contract-test mode."""
    redis_url = redis_db(redis_endpoint.url, CONTRACT_DB)
    settings = CreateCustomerSettings(
        redis_url=redis_url,
        **session_keys().settings("create-customer"),
        workers=0,
        log_format="text",
    )

    def reset(state: State) -> None:
        if getattr(state, "contract_redis", None) is None:
            state.contract_redis = redis.asyncio.Redis.from_url(redis_url)
        # Each state starts with empty systems, no requests and no remembered Idempotency-Keys.
        namespace = f"{PROVIDER}-{uuid.uuid4().hex}"
        store = RedisRequestStore(state.contract_redis, prefix="{" + namespace + "}")
        flow = dataclasses.replace(state.container.flow, crm=FakeCrm(), erp=FakeErp(), store=store)
        state.container = dataclasses.replace(state.container, flow=flow)
        idempotency: IdempotencyStore = state.idempotency
        idempotency.service = namespace

    def build() -> FastAPI:
        app = enable_provider_states(create_app(settings), STATES, reset=reset)
        startup = app.router.lifespan_context

        @asynccontextmanager
        async def lifespan(running: FastAPI) -> AsyncIterator[Any]:
            async with startup(running) as value:
                try:
                    yield value
                finally:
                    await running.state.contract_redis.aclose()

        app.router.lifespan_context = lifespan
        return app

    return build


@pytest.fixture(scope="session")
def provider_url(contract_app: Callable[[], FastAPI]) -> Iterator[str]:
    """The provider in contract-test mode, served for the whole session."""
    with serve_app(contract_app()) as url:
        yield url


@pytest.fixture(scope="session")
def consumer_headers() -> dict[str, str]:
    """What every consumer call carries: a service token for this provider, from a caller
    acting for itself (the answers' shapes are the same for every caller; what a sales rep may
    see is checked by the ownership tests, and a mobile call must name its rep)."""
    token = session_keys().issuer("partner-portal-experience", ttl_seconds=300).token_for(PROVIDER)
    return {"Authorization": f"Bearer {token}"}
