"""create-customer's contracts. Consumer side: its System API adapters against Pact mock
servers, each test declaring the interactions it relies on. Provider side: the app in
contract-test mode with the states the pacts naming it need (see contracts/README.md)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import redis.asyncio
from fastapi import FastAPI
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
from trivium_testing.mock_servers import adapter_fixture, pact_fixture
from trivium_testing.pacts import (
    StateHandler,
    close_at_shutdown,
    contract_settings,
    enable_provider_states,
)
from trivium_testing.provider_checks import consumer_headers_fixture

CONSUMER = "create-customer"


salesforce_pact = pact_fixture(CONSUMER, "salesforce-system")
erp_pact = pact_fixture(CONSUMER, "erp-system")
crm_at = adapter_fixture("salesforce-system", SalesforceSystemCrm)
erp_at = adapter_fixture("erp-system", ErpSystemErp)


# The provider side: create-customer in contract-test mode, the app as deployed with its saga on
# the in-memory CRM and ERP (and a request store of each state's own), for the pacts naming it.

PROVIDER = "create-customer"


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
    settings = CreateCustomerSettings(
        **contract_settings(redis_endpoint.url, "create-customer"), workers=0
    )
    redis_url = settings.redis_url

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

    async def close(state: State) -> None:
        await state.contract_redis.aclose()

    def build() -> FastAPI:
        app = enable_provider_states(create_app(settings), STATES, reset=reset)
        return close_at_shutdown(app, close)

    return build


# What every consumer call carries: a service token for this provider, from a caller acting for
# itself (the answers' shapes are the same for every caller; what a sales rep may see is checked
# by the ownership tests, and a mobile call must name its rep).
consumer_headers = consumer_headers_fixture("partner-portal-experience", PROVIDER)
