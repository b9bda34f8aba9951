"""What quote-to-order relies on from the Salesforce System API: the CRM system, quotes, accounts
and orders."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pact import Pact, match

from quote_to_order_process.adapters.ports import CrmOrderDraft, CrmOrderItemDraft
from quote_to_order_process.adapters.salesforce_system import SalesforceSystemCrm
from quote_to_order_process.domain.errors import AccountNotFound, CrmUnavailable, QuoteNotFound
from trivium_testing.mock_servers import AdapterAt, served
from trivium_testing.pact_examples import (
    ACCOUNT_ID,
    ERP_CUSTOMER_NUMBER,
    ORG_ID,
    OWNER,
    QUOTE_ID,
    SKU,
)
from trivium_testing.pact_interactions import json_response, problem_response, service_request
from trivium_testing.pact_matchers import decimal_string, money, salesforce_id
from trivium_testing.pact_salesforce_system import (
    ACCEPTED_QUOTE,
    account_number_search,
    quote_read,
    unknown_account,
    unknown_quote,
)

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

CrmAt = AdapterAt[SalesforceSystemCrm]

OPPORTUNITY_ID = "006000000000001AAA"
ACCOUNT_NUMBER = "P-10001"


def account_body() -> dict[str, Any]:
    return {
        "id": salesforce_id(ACCOUNT_ID),
        "accountNumber": match.str(ACCOUNT_NUMBER),
        "erpCustomerNumber": match.str(ERP_CUSTOMER_NUMBER),
    }


def owned_account_body() -> dict[str, Any]:
    """An account with the CRM username of its owner (a sales rep orders only their own)."""
    return {**account_body(), "ownerUsername": match.str(OWNER)}


class TestGetSystem:
    async def test_the_org_the_crm_is(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving("a request for the CRM system").given(
            "the CRM is signed in to an org", systemId=ORG_ID
        )
        service_request(interaction, "GET", "/system")
        json_response(interaction, 200, {"systemId": salesforce_id(ORG_ID)})
        async with served(salesforce_pact, crm_at) as crm:
            system_id = await crm.get_system_id()

        assert system_id == ORG_ID

    async def test_a_crm_that_cannot_be_signed_in_to_is_unavailable(
        self, salesforce_pact: Pact, crm_at: CrmAt
    ) -> None:
        interaction = salesforce_pact.upon_receiving(
            "a request for the CRM system while it is unavailable"
        ).given("the CRM cannot be signed in to")
        service_request(interaction, "GET", "/system")
        problem_response(interaction, "crm-unavailable", 503)
        async with served(salesforce_pact, crm_at) as crm:
            with pytest.raises(CrmUnavailable):
                await crm.get_system_id()


def quote_records(**params: str) -> dict[str, str]:
    """The provider state's parameters beside the quote: its account (linked to the ERP
    customer), opportunity and product (and `params`)."""
    return {
        "accountId": ACCOUNT_ID,
        "accountNumber": ACCOUNT_NUMBER,
        "erpCustomerNumber": ERP_CUSTOMER_NUMBER,
        "opportunityId": OPPORTUNITY_ID,
        "sku": SKU,
        **params,
    }


class TestGetQuote:
    async def test_accepted_quote_with_lines_and_account(
        self, salesforce_pact: Pact, crm_at: CrmAt
    ) -> None:
        records = quote_records(ownerUsername=OWNER)
        interaction = quote_read(salesforce_pact, "a request for an accepted quote", **records)
        json_response(
            interaction,
            200,
            {
                "id": salesforce_id(QUOTE_ID),
                "status": match.str("Accepted"),
                "expirationDate": match.date("2026-12-31"),
                "opportunityId": salesforce_id(OPPORTUNITY_ID),
                "account": owned_account_body(),
                "lines": match.each_like(
                    {
                        "sku": match.str(SKU),
                        "quantity": decimal_string("2"),
                        "unitPrice": money("120.00"),
                        "discountPercent": decimal_string("5"),
                    }
                ),
            },
        )
        async with served(salesforce_pact, crm_at) as crm:
            quote = await crm.get_quote(QUOTE_ID)

        assert quote.account is not None
        assert quote.account.erp_customer_number == ERP_CUSTOMER_NUMBER
        assert quote.account.owner_username == OWNER
        assert quote.lines[0].unit_price.amount == Decimal("120.00")

    async def test_unknown_quote_is_not_found(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        unknown_quote(salesforce_pact, "a request for a quote that does not exist")
        async with served(salesforce_pact, crm_at) as crm:
            with pytest.raises(QuoteNotFound):
                await crm.get_quote(QUOTE_ID)


class TestGetAccount:
    async def test_by_id(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving("a request for an account by id").given(
            "an account linked to an ERP customer exists",
            accountId=ACCOUNT_ID,
            accountNumber=ACCOUNT_NUMBER,
            erpCustomerNumber=ERP_CUSTOMER_NUMBER,
            ownerUsername=OWNER,
        )
        service_request(interaction, "GET", f"/accounts/{ACCOUNT_ID}")
        json_response(interaction, 200, owned_account_body())
        async with served(salesforce_pact, crm_at) as crm:
            account = await crm.get_account(account_id=ACCOUNT_ID)

        assert account.erp_customer_number == ERP_CUSTOMER_NUMBER
        assert account.owner_username == OWNER

    async def test_by_account_number(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = account_number_search(
            salesforce_pact, "a search for the account with an account number", ACCOUNT_NUMBER
        )
        json_response(interaction, 200, {"items": match.each_like(account_body())})
        async with served(salesforce_pact, crm_at) as crm:
            account = await crm.get_account(account_number=ACCOUNT_NUMBER)

        assert account.id == ACCOUNT_ID

    async def test_unknown_id_is_not_found(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        unknown_account(
            salesforce_pact,
            "a request for an account that does not exist",
            f"/accounts/{ACCOUNT_ID}",
        )
        async with served(salesforce_pact, crm_at) as crm:
            with pytest.raises(AccountNotFound):
                await crm.get_account(account_id=ACCOUNT_ID)


def order_draft() -> CrmOrderDraft:
    return CrmOrderDraft(
        account_id=ACCOUNT_ID,
        effective_date=date(2026, 11, 28),
        erp_order_number="5000001",
        items=[CrmOrderItemDraft(sku=SKU, quantity=Decimal(2), unit_price=Decimal("114.00"))],
        quote_id=QUOTE_ID,
        opportunity_id=OPPORTUNITY_ID,
        purchase_order_number="PO-4711",
        quote_status="Ordered",
        opportunity_stage="Closed Won",
    )


class TestCreateOrder:
    async def test_order_for_an_accepted_quote(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving(
            "a request to create the order of an accepted quote"
        ).given(ACCEPTED_QUOTE, quoteId=QUOTE_ID, **quote_records())
        service_request(
            interaction,
            "POST",
            "/orders",
            idempotency_key=f"crm-order:{QUOTE_ID}",
            body={
                "accountId": salesforce_id(ACCOUNT_ID),
                "effectiveDate": match.date("2026-11-28"),
                "quoteId": salesforce_id(QUOTE_ID),
                "opportunityId": salesforce_id(OPPORTUNITY_ID),
                "purchaseOrderNumber": match.str("PO-4711"),
                "erpOrderNumber": match.str("5000001"),
                "erpStatus": match.str("Created"),
                "quoteStatus": match.str("Ordered"),
                "opportunityStage": match.str("Closed Won"),
                "items": match.each_like(
                    {
                        "sku": match.str(SKU),
                        "quantity": decimal_string("2"),
                        "unitPrice": decimal_string("114.00"),
                    }
                ),
            },
        )
        json_response(interaction, 201, {"id": salesforce_id("801000000000001AAA")})
        async with served(salesforce_pact, crm_at) as crm:
            order = await crm.create_order(order_draft(), idempotency_key=f"crm-order:{QUOTE_ID}")

        assert order.id == "801000000000001AAA"
