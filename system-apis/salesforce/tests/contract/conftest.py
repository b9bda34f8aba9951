"""The Salesforce System API in contract-test mode: the app as deployed, on the in-memory CRM
(and an in-memory account change feed and profile store for the sync routes), with the provider
states its consumers' pacts name (set through `/_pact/provider-states`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from starlette.datastructures import State

from salesforce_system.adapters.fake import FakeAccountChanges, FakeAccountSync, FakeCrm
from salesforce_system.bootstrap import SalesforceSystem
from salesforce_system.domain.models import (
    AccountRead,
    Address,
    ContactRead,
    OpportunityRead,
    ProductRead,
    QuoteAccount,
    QuoteLineRead,
    QuoteRead,
)
from salesforce_system.domain.sync_models import (
    AccountProfileRead,
    ChangeType,
    OrderErpStatusRead,
)
from salesforce_system.main import create_app
from salesforce_system.settings import SalesforceSystemSettings
from trivium.schemas import Money
from trivium_testing.pacts import (
    FreshState,
    StateHandler,
    contract_app_fixture,
)
from trivium_testing.provider_checks import consumer_headers_fixture

PROVIDER = "salesforce-system"


OWNER_ID = "005000000000001AAA"


def _owner_id(crm: FakeCrm, params: dict[str, Any]) -> str | None:
    """The user who owns the state's account: the rep `ownerUsername` names, if any."""
    if "ownerUsername" not in params:
        return None
    crm.usernames[OWNER_ID] = params["ownerUsername"]
    return OWNER_ID


def _account(crm: FakeCrm, params: dict[str, Any]) -> AccountRead:
    return AccountRead(
        id=params["accountId"],
        name="Tegernsee Getränke GmbH",
        account_number=params.get("accountNumber"),
        erp_customer_number=params.get("erpCustomerNumber"),
        owner_id=_owner_id(crm, params),
    )


def _system(state: State) -> SalesforceSystem:
    system: SalesforceSystem = state.container
    return system


def _crm(state: State) -> FakeCrm:
    crm = _system(state).crm
    assert isinstance(crm, FakeCrm)
    return crm


def _account_changes(state: State) -> FakeAccountChanges:
    changes = _system(state).account_changes
    assert isinstance(changes, FakeAccountChanges)
    return changes


def _account_sync(state: State) -> FakeAccountSync:
    sync = _system(state).account_sync
    assert isinstance(sync, FakeAccountSync)
    return sync


def account_linked_to_erp_customer(state: State, params: dict[str, Any]) -> None:
    crm = _crm(state)
    crm.accounts[params["accountId"]] = _account(crm, params)


def accepted_quote_with_lines(state: State, params: dict[str, Any]) -> None:
    crm = _crm(state)
    account = _account(crm, params)
    crm.accounts[account.id] = account
    sku = params["sku"]
    crm.prices[sku] = Decimal("120.00")
    crm.opportunities[account.id] = [
        OpportunityRead(
            id=params["opportunityId"], account_id=account.id, name="Summer", stage="Negotiation"
        )
    ]
    crm.quotes[params["quoteId"]] = QuoteRead(
        id=params["quoteId"],
        name="Summer assortment",
        quote_number="00000042",
        status="Accepted",
        expiration_date=date(2026, 12, 31),
        opportunity_id=params["opportunityId"],
        account=QuoteAccount(
            id=account.id,
            name=account.name,
            account_number=account.account_number,
            erp_customer_number=account.erp_customer_number,
            owner_id=account.owner_id,
            owner_username=params.get("ownerUsername"),
        ),
        lines=[
            QuoteLineRead(
                id="0QL000000000001AAA",
                product_id="01t000000000001AAA",
                sku=sku,
                product_name="Tegernseer Hell 0.5 l",
                quantity=Decimal(24),
                unit_price=Money(amount=Decimal("120.00"), currency=crm.currency),
                discount_percent=Decimal(5),
            )
        ],
    )


def sales_rep_exists(state: State, params: dict[str, Any]) -> None:
    """An active CRM user (a sales rep) who can own accounts: `ownerUsername`."""
    _owner_id(_crm(state), params)


def account_with_name(state: State, params: dict[str, Any]) -> None:
    crm = _crm(state)
    crm.accounts[params["accountId"]] = AccountRead(
        id=params["accountId"], name=params["name"], owner_id=_owner_id(crm, params)
    )


def active_product(state: State, params: dict[str, Any]) -> None:
    crm = _crm(state)
    product = ProductRead(
        id="01t000000000001AAA", sku=params["sku"], name="Tegernseer Hell 0.5 l", is_active=True
    )
    crm.products[product.id] = product


def rep_account_with_contacts_and_opportunities(state: State, params: dict[str, Any]) -> None:
    crm = _crm(state)
    account_id, owner_id = params["accountId"], "005000000000001AAA"
    crm.usernames[owner_id] = params["ownerUsername"]
    crm.accounts[account_id] = AccountRead(
        id=account_id,
        name="Nordwind Getraenke GmbH",
        erp_customer_number=params["erpCustomerNumber"],
        owner_id=owner_id,
    )
    crm.contacts[account_id] = [
        ContactRead(id="003000000000001AAA", account_id=account_id, last_name="Huber")
    ]
    crm.opportunities[account_id] = [
        OpportunityRead(
            id="006000000000001AAA",
            account_id=account_id,
            name="Summer assortment",
            stage="Negotiation",
            amount=Money(amount=Decimal("12000.00"), currency=crm.currency),
            close_date=date(2026, 12, 31),
        )
    ]


def account_profile_linked(state: State, params: dict[str, Any]) -> None:
    crm = _crm(state)
    sync = _account_sync(state)
    account_id, number = params["accountId"], params["erpCustomerNumber"]
    crm.accounts[account_id] = AccountRead(
        id=account_id, name="Nordwind Getraenke GmbH", erp_customer_number=number
    )
    sync.profiles[account_id] = AccountProfileRead(
        id=account_id,
        name="Nordwind Getraenke GmbH",
        phone="+4989123456",
        billing_address=Address(
            street="Leopoldstrasse 1", city="Muenchen", postal_code="80802", country="Germany"
        ),
        erp_customer_number=number,
        credit_limit=Money(amount=Decimal("50000.00"), currency=crm.currency),
        payment_terms="0001",
        erp_blocked=False,
        last_modified_at=datetime.now(UTC),
    )


def account_changed_after_position(state: State, params: dict[str, Any]) -> None:
    account_profile_linked(state, params)
    changes = _account_changes(state)
    changes.continue_after(params["position"])
    changes.record(ChangeType.UPDATED, [params["accountId"]], values={"phone": "+4989999999"})


def changes_no_longer_held(state: State, params: dict[str, Any]) -> None:
    _account_changes(state).lose_positions()


def order_with_erp_number(state: State, params: dict[str, Any]) -> None:
    sync = _account_sync(state)
    number = params["erpOrderNumber"]
    sync.orders[number] = OrderErpStatusRead(
        order_id="801000000000001AAA", erp_order_number=number, erp_status="Created", changed=False
    )


def signed_in_to_an_org(state: State, params: dict[str, Any]) -> None:
    crm = _crm(state)
    crm.system_id = params["systemId"]


def cannot_be_signed_in_to(state: State, params: dict[str, Any]) -> None:
    crm = _crm(state)
    crm.signed_in = False


def nothing_with_that_id(state: State, params: dict[str, Any]) -> None:
    """The fresh CRM holds no records at all."""


STATES: dict[str, StateHandler] = {
    "the CRM is signed in to an org": signed_in_to_an_org,
    "the CRM cannot be signed in to": cannot_be_signed_in_to,
    "an accepted quote with lines exists": accepted_quote_with_lines,
    "an account linked to an ERP customer exists": account_linked_to_erp_customer,
    "no quote has the id": nothing_with_that_id,
    "no account has the id": nothing_with_that_id,
    "no order carries the ERP order number": nothing_with_that_id,
    "the CRM holds none of the products": nothing_with_that_id,
    "an account with the name exists": account_with_name,
    "a sales rep who can own accounts exists": sales_rep_exists,
    "an active product exists": active_product,
    "a sales rep's account with contacts and open opportunities": (
        rep_account_with_contacts_and_opportunities
    ),
    "an account profile linked to an ERP customer exists": account_profile_linked,
    "an account changed after the position": account_changed_after_position,
    "the CRM no longer holds the changes after the position": changes_no_longer_held,
    "an order carries the ERP order number": order_with_erp_number,
}


@contract_app_fixture(create_app, SalesforceSystemSettings, SalesforceSystem, states=STATES)
def contract_app(system: SalesforceSystem, fresh: FreshState) -> SalesforceSystem:
    """The app as deployed, on an empty in-memory CRM, account change feed and profile store."""
    return replace(
        system, crm=FakeCrm(), account_changes=FakeAccountChanges(), account_sync=FakeAccountSync()
    )


# What every consumer call carries: a service token for this provider.
consumer_headers = consumer_headers_fixture("quote-to-order", PROVIDER)
