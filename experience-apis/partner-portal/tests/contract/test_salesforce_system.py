"""What the partner portal relies on from the Salesforce System API: the partner's account by
its account number, and the product catalog."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from pact import Pact, match

from partner_portal_experience.adapters.salesforce_system import SalesforceSystemCrm
from trivium_testing.pact_matchers import bearer_token

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

CrmAt = Callable[[object], AbstractAsyncContextManager[SalesforceSystemCrm]]

ACCOUNT_ID = "001000000000001AAA"
ACCOUNT_NUMBER = "P-1001"
ERP_CUSTOMER_NUMBER = "1000001"
SKU = "TG-1000"
SALESFORCE_ID = r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"


def sf_id(example: str) -> Any:
    return match.regex(example, regex=SALESFORCE_ID)


class TestFindAccount:
    async def test_partner_account_by_number(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        (
            salesforce_pact.upon_receiving("a search for the account with an account number")
            .given(
                "an account linked to an ERP customer exists",
                accountId=ACCOUNT_ID,
                accountNumber=ACCOUNT_NUMBER,
                erpCustomerNumber=ERP_CUSTOMER_NUMBER,
            )
            .with_request("GET", "/accounts")
            .with_query_parameter("accountNumber", ACCOUNT_NUMBER)
            .with_query_parameter("limit", "2")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {
                    "items": match.each_like(
                        {
                            "id": sf_id(ACCOUNT_ID),
                            "name": match.str("Nordwind Getraenke GmbH"),
                            "accountNumber": match.str(ACCOUNT_NUMBER),
                            "erpCustomerNumber": match.str(ERP_CUSTOMER_NUMBER),
                        }
                    )
                },
                content_type="application/json",
            )
        )
        with salesforce_pact.serve(addr="127.0.0.1") as server:
            async with crm_at(server.url) as crm:
                account = await crm.find_account(ACCOUNT_NUMBER)

        assert account is not None
        assert account.erp_customer_number == ERP_CUSTOMER_NUMBER

    async def test_no_account_with_the_number(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        (
            salesforce_pact.upon_receiving("a search for an account number no account has")
            .given("no account has the id", accountId=ACCOUNT_ID)
            .with_request("GET", "/accounts")
            .with_query_parameter("accountNumber", ACCOUNT_NUMBER)
            .with_query_parameter("limit", "2")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body({"items": []}, content_type="application/json")
        )
        with salesforce_pact.serve(addr="127.0.0.1") as server:
            async with crm_at(server.url) as crm:
                account = await crm.find_account(ACCOUNT_NUMBER)

        assert account is None


class TestListProducts:
    async def test_page_of_products(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        (
            salesforce_pact.upon_receiving("a request for a page of products")
            .given("an active product exists", sku=SKU)
            .with_request("GET", "/products")
            .with_query_parameter("limit", "20")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {
                    "items": match.each_like(
                        {
                            "id": sf_id("01t000000000001AAA"),
                            "name": match.str("Tegernseer Hell 0.5 l"),
                            "sku": match.str(SKU),
                            "isActive": match.bool(True),
                        }
                    ),
                    "nextCursor": None,
                },
                content_type="application/json",
            )
        )
        with salesforce_pact.serve(addr="127.0.0.1") as server:
            async with crm_at(server.url) as crm:
                page = await crm.list_products(search=None, limit=20, cursor=None)

        assert [product.sku for product in page.items] == [SKU]
        assert page.next_cursor is None
