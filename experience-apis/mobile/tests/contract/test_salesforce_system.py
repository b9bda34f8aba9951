"""What the mobile API relies on from the Salesforce System API: a rep's accounts, an account's
overview (owner, key contacts, open opportunities) in one call, and whose account a quote is."""

from __future__ import annotations

from typing import Any

import pytest
from pact import Pact, match

from mobile_experience.adapters.salesforce_system import SalesforceSystemCrm
from mobile_experience.domain.errors import AccountNotFound
from trivium_testing.mock_servers import AdapterAt, served
from trivium_testing.pact_examples import ACCOUNT_ID, ERP_CUSTOMER_NUMBER, OWNER, QUOTE_ID
from trivium_testing.pact_interactions import json_response, service_request
from trivium_testing.pact_matchers import money, salesforce_id
from trivium_testing.pact_salesforce_system import quote_read, unknown_account, unknown_quote

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

CrmAt = AdapterAt[SalesforceSystemCrm]


def rep_account(**params: str) -> dict[str, str]:
    return {
        "accountId": ACCOUNT_ID,
        "ownerUsername": OWNER,
        "erpCustomerNumber": ERP_CUSTOMER_NUMBER,
        **params,
    }


def account_body() -> dict[str, Any]:
    return {
        "id": salesforce_id(ACCOUNT_ID),
        "name": match.str("Nordwind Getraenke GmbH"),
        "erpCustomerNumber": match.str(ERP_CUSTOMER_NUMBER),
    }


class TestSearchAccounts:
    async def test_accounts_of_the_rep(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving("a search for the accounts a rep owns").given(
            "a sales rep's account with contacts and open opportunities", **rep_account()
        )
        service_request(
            interaction, "GET", "/accounts", query={"ownerUsername": OWNER, "limit": "20"}
        )
        json_response(
            interaction, 200, {"items": match.each_like(account_body()), "nextCursor": None}
        )
        async with served(salesforce_pact, crm_at) as crm:
            page = await crm.search_accounts(owner_username=OWNER, name=None, limit=20, cursor=None)

        assert [account.id for account in page.items] == [ACCOUNT_ID]


class TestGetOverview:
    async def test_account_with_contacts_and_opportunities(
        self, salesforce_pact: Pact, crm_at: CrmAt
    ) -> None:
        interaction = salesforce_pact.upon_receiving("a request for an account's overview").given(
            "a sales rep's account with contacts and open opportunities", **rep_account()
        )
        service_request(
            interaction,
            "GET",
            f"/accounts/{ACCOUNT_ID}/overview",
            query={"contactLimit": "5", "opportunityLimit": "5"},
        )
        json_response(
            interaction,
            200,
            {
                "account": account_body(),
                "ownerUsername": match.str(OWNER),
                "contacts": match.each_like(
                    {"id": salesforce_id("003000000000001AAA"), "lastName": match.str("Huber")}
                ),
                "openOpportunities": match.each_like(
                    {
                        "id": salesforce_id("006000000000001AAA"),
                        "name": match.str("Summer assortment"),
                        "stage": match.str("Negotiation"),
                        "amount": money("12000.00"),
                        "closeDate": match.date("2026-12-31"),
                    }
                ),
            },
        )
        async with served(salesforce_pact, crm_at) as crm:
            overview = await crm.get_overview(ACCOUNT_ID, contact_limit=5, opportunity_limit=5)

        assert overview.owner_username == OWNER
        assert overview.open_opportunities[0].stage == "Negotiation"

    async def test_unknown_account(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        unknown_account(
            salesforce_pact,
            "a request for the overview of an unknown account",
            f"/accounts/{ACCOUNT_ID}/overview",
            query={"contactLimit": "5", "opportunityLimit": "5"},
        )
        async with served(salesforce_pact, crm_at) as crm:
            with pytest.raises(AccountNotFound):
                await crm.get_overview(ACCOUNT_ID, contact_limit=5, opportunity_limit=5)


class TestGetQuote:
    async def test_a_quote_names_its_accounts_owner(
        self, salesforce_pact: Pact, crm_at: CrmAt
    ) -> None:
        interaction = quote_read(
            salesforce_pact,
            "a request for a quote and its account's owner",
            accountId=ACCOUNT_ID,
            erpCustomerNumber=ERP_CUSTOMER_NUMBER,
            opportunityId="006000000000001AAA",
            sku="TG-1000",
            ownerUsername=OWNER,
        )
        json_response(
            interaction,
            200,
            {
                "id": salesforce_id(QUOTE_ID),
                "account": {"id": salesforce_id(ACCOUNT_ID), "ownerUsername": match.str(OWNER)},
            },
        )
        async with served(salesforce_pact, crm_at) as crm:
            quote = await crm.get_quote(QUOTE_ID)

        assert quote is not None
        assert quote.account is not None
        assert quote.account.owner_username == OWNER

    async def test_an_unknown_quote_is_none(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        unknown_quote(salesforce_pact, "a request for a quote that does not exist")
        async with served(salesforce_pact, crm_at) as crm:
            assert await crm.get_quote(QUOTE_ID) is None
