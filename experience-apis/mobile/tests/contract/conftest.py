"""The mobile API's contracts. Consumer side: its adapters for the System APIs and the process
APIs against Pact mock servers. Provider side: the app in contract-test mode, on in-memory lower
tiers, with the states the gateway's pact names (see contracts/README.md)."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
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
from trivium_testing.mock_servers import adapter_fixture, pact_fixture, system_api_fixtures
from trivium_testing.pacts import (
    FreshState,
    StateHandler,
    check_signed_identity,
    contract_app_fixture,
)
from trivium_testing.provider_checks import consumer_headers_fixture

CONSUMER = "mobile"
REP = Rep(username="anna.becker@trivium.demo", consumer="rep-anna-becker", plan="internal")


def _rep_token(rep: Rep) -> str:
    return f"token-for-{rep.consumer}"


salesforce_pact, erp_pact, crm_at, erp_at = system_api_fixtures(
    CONSUMER, SalesforceSystemCrm, ErpSystemErp
)
orders_pact = pact_fixture(CONSUMER, "quote-to-order")
customers_pact = pact_fixture(CONSUMER, "create-customer")
# The process APIs are called for the signed-in rep, with a token naming them.
orders_at = adapter_fixture("quote-to-order", partial(QuoteToOrderOrders, token_for=_rep_token))
customers_at = adapter_fixture(
    "create-customer", partial(CreateCustomerCustomers, token_for=_rep_token)
)


@pytest.fixture
def rep() -> Rep:
    """The signed-in sales rep the calls are made for."""
    return REP


# The provider side: the mobile API as deployed, on in-memory lower tiers, called as the gateway
# calls it: with the signed identity of a sales rep.

PROVIDER = "mobile-experience"
# The identity the verifier signs, as the gateway's signed-identity plugin does for this rep.
SIGNED_IN = {"consumer": "rep-anna-becker", "salesforceUsername": "anna.becker@trivium.demo"}


def rep_signed_in(state: State, params: dict[str, Any]) -> None:
    check_signed_identity(params, SIGNED_IN)
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


@contract_app_fixture(create_app, MobileSettings, MobileExperience, states=STATES)
def contract_app(running: MobileExperience, fresh: FreshState) -> MobileExperience:
    """The mobile API as deployed, on empty in-memory lower tiers and cache."""
    return assemble(
        running.settings,
        crm=FakeCrm(),
        erp=FakeErp(),
        orders=FakeOrders(),
        customers=FakeCustomers(),
        cache=MemoryCache(),
        metrics=RecordingViewMetrics(),
        idempotency=running.idempotency,
        readiness=running.readiness,
    )


# What every call from the gateway carries: the signed identity.
consumer_headers = consumer_headers_fixture("gateway", PROVIDER, claims=SIGNED_IN)
