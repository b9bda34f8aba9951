"""What the mobile API relies on from the Salesforce System API: a rep's accounts, an account's
overview (owner, key contacts, open opportunities) in one call, and whose account a quote is."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from pact import Pact, match

from mobile_experience.adapters.salesforce_system import SalesforceSystemCrm
from mobile_experience.domain.errors import AccountNotFound
from trivium_testing.pact_matchers import bearer_token, money, problem

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

CrmAt = Callable[[object], AbstractAsyncContextManager[SalesforceSystemCrm]]

ACCOUNT_ID = "001000000000001AAA"
OWNER = "anna.becker@trivium.demo"
ERP_CUSTOMER_NUMBER = "1000001"
SALESFORCE_ID = r"^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"


def sf_id(example: str) -> Any:
    return match.regex(example, regex=SALESFORCE_ID)


def rep_account(**params: str) -> dict[str, str]:
    return {
        "accountId": ACCOUNT_ID,
        "ownerUsername": OWNER,
        "erpCustomerNumber": ERP_CUSTOMER_NUMBER,
        **params,
    }


def account_body() -> dict[str, Any]:
    return {
        "id": sf_id(ACCOUNT_ID),
        "name": match.str("Nordwind Getraenke GmbH"),
        "erpCustomerNumber": match.str(ERP_CUSTOMER_NUMBER),
    }


class TestSearchAccounts:
    async def test_accounts_of_the_rep(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        (
            salesforce_pact.upon_receiving("a search for the accounts a rep owns")
            .given("a sales rep's account with contacts and open opportunities", **rep_account())
            .with_request("GET", "/accounts")
            .with_query_parameter("ownerUsername", OWNER)
            .with_query_parameter("limit", "20")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {"items": match.each_like(account_body()), "nextCursor": None},
                content_type="application/json",
            )
        )
        with salesforce_pact.serve(addr="127.0.0.1") as server:
            async with crm_at(server.url) as crm:
                page = await crm.search_accounts(
                    owner_username=OWNER, name=None, limit=20, cursor=None
                )

        assert [account.id for account in page.items] == [ACCOUNT_ID]


class TestGetOverview:
    async def test_account_with_contacts_and_opportunities(
        self, salesforce_pact: Pact, crm_at: CrmAt
    ) -> None:
        (
            salesforce_pact.upon_receiving("a request for an account's overview")
            .given("a sales rep's account with contacts and open opportunities", **rep_account())
            .with_request("GET", f"/accounts/{ACCOUNT_ID}/overview")
            .with_query_parameter("contactLimit", "5")
            .with_query_parameter("opportunityLimit", "5")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {
                    "account": account_body(),
                    "ownerUsername": match.str(OWNER),
                    "contacts": match.each_like(
                        {"id": sf_id("003000000000001AAA"), "lastName": match.str("Huber")}
                    ),
                    "openOpportunities": match.each_like(
                        {
                            "id": sf_id("006000000000001AAA"),
                            "name": match.str("Summer assortment"),
                            "stage": match.str("Negotiation"),
                            "amount": money("12000.00"),
                            "closeDate": match.date("2026-12-31"),
                        }
                    ),
                },
                content_type="application/json",
            )
        )
        with salesforce_pact.serve(addr="127.0.0.1") as server:
            async with crm_at(server.url) as crm:
                overview = await crm.get_overview(ACCOUNT_ID, contact_limit=5, opportunity_limit=5)

        assert overview.owner_username == OWNER
        assert overview.open_opportunities[0].stage == "Negotiation"

    async def test_unknown_account(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        (
            salesforce_pact.upon_receiving("a request for the overview of an unknown account")
            .given("no account has the id", accountId=ACCOUNT_ID)
            .with_request("GET", f"/accounts/{ACCOUNT_ID}/overview")
            .with_query_parameter("contactLimit", "5")
            .with_query_parameter("opportunityLimit", "5")
            .with_header("Authorization", bearer_token())
            .will_respond_with(404)
            .with_body(problem("record-not-found", 404), content_type="application/problem+json")
        )
        with salesforce_pact.serve(addr="127.0.0.1") as server:
            async with crm_at(server.url) as crm:
                with pytest.raises(AccountNotFound):
                    await crm.get_overview(ACCOUNT_ID, contact_limit=5, opportunity_limit=5)


QUOTE_ID = "0Q0000000000001AAA"


class TestGetQuote:
    async def test_a_quote_names_its_accounts_owner(
        self, salesforce_pact: Pact, crm_at: CrmAt
    ) -> None:
        (
            salesforce_pact.upon_receiving("a request for a quote and its account's owner")
            .given(
                "an accepted quote with lines exists",
                quoteId=QUOTE_ID,
                accountId=ACCOUNT_ID,
                erpCustomerNumber=ERP_CUSTOMER_NUMBER,
                opportunityId="006000000000001AAA",
                sku="TG-1000",
                ownerUsername=OWNER,
            )
            .with_request("GET", f"/quotes/{QUOTE_ID}")
            .with_header("Authorization", bearer_token())
            .will_respond_with(200)
            .with_body(
                {
                    "id": sf_id(QUOTE_ID),
                    "account": {"id": sf_id(ACCOUNT_ID), "ownerUsername": match.str(OWNER)},
                },
                content_type="application/json",
            )
        )
        with salesforce_pact.serve(addr="127.0.0.1") as server:
            async with crm_at(server.url) as crm:
                quote = await crm.get_quote(QUOTE_ID)

        assert quote is not None
        assert quote.account is not None
        assert quote.account.owner_username == OWNER

    async def test_an_unknown_quote_is_none(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        (
            salesforce_pact.upon_receiving("a request for a quote that does not exist")
            .given("no quote has the id", quoteId=QUOTE_ID)
            .with_request("GET", f"/quotes/{QUOTE_ID}")
            .with_header("Authorization", bearer_token())
            .will_respond_with(404)
            .with_body(problem("record-not-found", 404), content_type="application/problem+json")
        )
        with salesforce_pact.serve(addr="127.0.0.1") as server:
            async with crm_at(server.url) as crm:
                assert await crm.get_quote(QUOTE_ID) is None
