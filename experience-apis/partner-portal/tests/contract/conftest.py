"""The partner portal's contracts. Consumer side: its adapters for the System APIs and
quote-to-order against Pact mock servers. Provider side: the app in contract-test mode, on
in-memory lower tiers, with the states the gateway's pact names (see contracts/README.md)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from functools import partial
from typing import Any

from starlette.datastructures import State

from partner_portal_experience.adapters.erp_system import ErpSystemErp
from partner_portal_experience.adapters.fake import FakeCrm, FakeErp, FakeOrders, MemoryCache
from partner_portal_experience.adapters.ports import CrmAccount, ErpCredit
from partner_portal_experience.adapters.quote_to_order import QuoteToOrderOrders
from partner_portal_experience.adapters.salesforce_system import SalesforceSystemCrm
from partner_portal_experience.bootstrap import PartnerPortalExperience
from partner_portal_experience.main import create_app
from partner_portal_experience.settings import PartnerPortalSettings
from trivium_testing.mock_servers import adapter_fixture, pact_fixture, system_api_fixtures
from trivium_testing.pacts import (
    FreshState,
    StateHandler,
    check_signed_identity,
    contract_app_fixture,
)
from trivium_testing.provider_checks import consumer_headers_fixture

CONSUMER = "partner-portal"


salesforce_pact, erp_pact, crm_at, erp_at = system_api_fixtures(
    CONSUMER, SalesforceSystemCrm, ErpSystemErp
)
orders_pact = pact_fixture(CONSUMER, "quote-to-order")
orders_at = adapter_fixture(
    "quote-to-order",
    partial(QuoteToOrderOrders, token_for=lambda identity: "partner-service-token"),
)


# The provider side: the partner portal as deployed, on in-memory lower tiers, called as the
# gateway calls it: with the signed identity of a partner.

PROVIDER = "partner-portal-experience"
PACT_PROVIDER = "partner-portal"
# The identity the verifier signs, as the gateway's signed-identity plugin does for this partner.
SIGNED_IN = {"consumer": "partner-nordwind", "partnerAccountNumber": "P-1001", "plan": "gold"}


def partner_signed_in(state: State, params: dict[str, Any]) -> None:
    check_signed_identity(params, SIGNED_IN)
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


@contract_app_fixture(create_app, PartnerPortalSettings, PartnerPortalExperience, states=STATES)
def contract_app(running: PartnerPortalExperience, fresh: FreshState) -> PartnerPortalExperience:
    """The portal as deployed, on empty in-memory lower tiers and cache."""
    portal = dataclasses.replace(
        running.portal, crm=FakeCrm(), erp=FakeErp(), orders=FakeOrders(), cache=MemoryCache()
    )
    return dataclasses.replace(running, portal=portal)


# What every call from the gateway carries: the signed identity.
consumer_headers = consumer_headers_fixture("gateway", PROVIDER, claims=SIGNED_IN)
