"""create-customer's contracts. Consumer side: its System API adapters against Pact mock
servers, each test declaring the interactions it relies on. Provider side: the app in
contract-test mode with the states the pacts naming it need (see contracts/README.md)."""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.datastructures import State

from create_customer_process.adapters.erp_system import ErpSystemErp
from create_customer_process.adapters.fake import FakeCrm, FakeErp
from create_customer_process.adapters.redis_store import RedisRequestStore
from create_customer_process.adapters.salesforce_system import SalesforceSystemCrm
from create_customer_process.bootstrap import CreateCustomerProcess
from create_customer_process.domain.saga import CustomerFlow
from create_customer_process.main import create_app
from create_customer_process.settings import CreateCustomerSettings
from trivium_testing.mock_servers import system_api_fixtures
from trivium_testing.pacts import FreshState, StateHandler, contract_app_fixture
from trivium_testing.provider_checks import consumer_headers_fixture

CONSUMER = "create-customer"


salesforce_pact, erp_pact, crm_at, erp_at = system_api_fixtures(
    CONSUMER, SalesforceSystemCrm, ErpSystemErp
)


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


@contract_app_fixture(
    create_app, CreateCustomerSettings, CreateCustomerProcess, states=STATES, workers=0
)
def contract_app(running: CreateCustomerProcess, fresh: FreshState) -> CreateCustomerProcess:
    """The app as deployed, its saga on an empty in-memory CRM and ERP and a request store of
    the state's own."""
    store = RedisRequestStore(fresh.redis(), prefix="{" + fresh.namespace + "}")
    flow = dataclasses.replace(running.flow, crm=FakeCrm(), erp=FakeErp(), store=store)
    return dataclasses.replace(running, flow=flow)


# What every consumer call carries: a service token for this provider, from a caller acting for
# itself (the answers' shapes are the same for every caller; what a sales rep may see is checked
# by the ownership tests, and a mobile call must name its rep).
consumer_headers = consumer_headers_fixture("partner-portal-experience", PROVIDER)
