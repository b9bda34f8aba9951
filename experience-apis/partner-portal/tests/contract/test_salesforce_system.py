"""What the partner portal relies on from the Salesforce System API: the partner's account by
its account number, and the product catalog."""

from __future__ import annotations

import pytest
from pact import Pact, match

from partner_portal_experience.adapters.salesforce_system import SalesforceSystemCrm
from trivium_testing.mock_servers import AdapterAt, served
from trivium_testing.pact_examples import ACCOUNT_ID, ACCOUNT_NUMBER, ERP_CUSTOMER_NUMBER, SKU
from trivium_testing.pact_interactions import json_response, service_request
from trivium_testing.pact_matchers import salesforce_id
from trivium_testing.pact_salesforce_system import account_number_search

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

CrmAt = AdapterAt[SalesforceSystemCrm]


class TestFindAccount:
    async def test_partner_account_by_number(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = account_number_search(
            salesforce_pact, "a search for the account with an account number", ACCOUNT_NUMBER
        )
        json_response(
            interaction,
            200,
            {
                "items": match.each_like(
                    {
                        "id": salesforce_id(ACCOUNT_ID),
                        "name": match.str("Nordwind Getraenke GmbH"),
                        "accountNumber": match.str(ACCOUNT_NUMBER),
                        "erpCustomerNumber": match.str(ERP_CUSTOMER_NUMBER),
                    }
                )
            },
        )
        async with served(salesforce_pact, crm_at) as crm:
            account = await crm.find_account(ACCOUNT_NUMBER)

        assert account is not None
        assert account.erp_customer_number == ERP_CUSTOMER_NUMBER

    async def test_no_account_with_the_number(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = account_number_search(
            salesforce_pact,
            "a search for an account number no account has",
            ACCOUNT_NUMBER,
            found=False,
        )
        json_response(interaction, 200, {"items": []})
        async with served(salesforce_pact, crm_at) as crm:
            account = await crm.find_account(ACCOUNT_NUMBER)

        assert account is None


class TestListProducts:
    async def test_page_of_products(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving("a request for a page of products").given(
            "an active product exists", sku=SKU
        )
        service_request(interaction, "GET", "/products", query={"limit": "20"})
        json_response(
            interaction,
            200,
            {
                "items": match.each_like(
                    {
                        "id": salesforce_id("01t000000000001AAA"),
                        "name": match.str("Tegernseer Hell 0.5 l"),
                        "sku": match.str(SKU),
                        "isActive": match.bool(True),
                    }
                ),
                "nextCursor": None,
            },
        )
        async with served(salesforce_pact, crm_at) as crm:
            page = await crm.list_products(search=None, limit=20, cursor=None)

        assert [product.sku for product in page.items] == [SKU]
        assert page.next_cursor is None
