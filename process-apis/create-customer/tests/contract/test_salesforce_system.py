"""What create-customer relies on from the Salesforce System API: account search, read,
creation, upsert by ERP customer number, link and deletion (compensation)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pact import Pact, match

from create_customer_process.adapters.ports import AccountDraft
from create_customer_process.adapters.salesforce_system import SalesforceSystemCrm
from trivium_testing.mock_servers import AdapterAt, served
from trivium_testing.pact_examples import ACCOUNT_ID, ERP_CUSTOMER_NUMBER, OWNER
from trivium_testing.pact_interactions import json_response, service_request
from trivium_testing.pact_matchers import salesforce_id
from trivium_testing.pact_salesforce_system import unknown_account

pytestmark = [pytest.mark.contract, pytest.mark.asyncio]

CrmAt = AdapterAt[SalesforceSystemCrm]

ACCOUNT_NAME = "Contoso Manufacturing Ltd"
REQUEST_KEY = "crm-account:01KB2Y7ZJ1V8X3Q5N9R2T4W6YA"


def account_body() -> dict[str, Any]:
    return {"id": salesforce_id(ACCOUNT_ID), "name": match.str(ACCOUNT_NAME)}


def owned_account_body() -> dict[str, Any]:
    """An account with the CRM username of its owner (a rep sees only their own matches)."""
    return {**account_body(), "ownerUsername": match.str(OWNER)}


def account_draft() -> AccountDraft:
    return AccountDraft(
        name=ACCOUNT_NAME,
        street="2100 North First Street",
        city="San Jose",
        postal_code="95110",
        country="United States",
        region="California",
    )


def account_request() -> dict[str, Any]:
    return {
        "name": match.str(ACCOUNT_NAME),
        "billingAddress": {
            "street": match.str("2100 North First Street"),
            "city": match.str("San Jose"),
            "postalCode": match.str("95110"),
            "region": match.str("California"),
            "country": match.str("United States"),
        },
    }


class TestSearchAccounts:
    async def test_accounts_matching_a_name(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving("a search for accounts by name").given(
            "an account with the name exists",
            accountId=ACCOUNT_ID,
            name=ACCOUNT_NAME,
            ownerUsername=OWNER,
        )
        service_request(interaction, "GET", "/accounts", query={"name": "Contoso", "limit": "50"})
        json_response(interaction, 200, {"items": match.each_like(owned_account_body())})
        async with served(salesforce_pact, crm_at) as crm:
            found = await crm.search_accounts(name="Contoso")

        assert [(account.id, account.owner_username) for account in found] == [(ACCOUNT_ID, OWNER)]


class TestGetAccount:
    async def test_existing_account(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving("a request for an account").given(
            "an account with the name exists",
            accountId=ACCOUNT_ID,
            name=ACCOUNT_NAME,
            ownerUsername=OWNER,
        )
        service_request(interaction, "GET", f"/accounts/{ACCOUNT_ID}")
        json_response(interaction, 200, owned_account_body())
        async with served(salesforce_pact, crm_at) as crm:
            account = await crm.get_account(ACCOUNT_ID)

        assert account is not None
        assert (account.name, account.owner_username) == (ACCOUNT_NAME, OWNER)

    async def test_unknown_account(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        unknown_account(
            salesforce_pact,
            "a request for an account that does not exist",
            f"/accounts/{ACCOUNT_ID}",
        )
        async with served(salesforce_pact, crm_at) as crm:
            account = await crm.get_account(ACCOUNT_ID)

        assert account is None


class TestCreateAccount:
    @pytest.mark.parametrize(
        ("description", "state", "owner"),
        [
            pytest.param(
                "a request to create an account",
                ("no account has the id", {"accountId": ACCOUNT_ID}),
                None,
                id="new-account",
            ),
            pytest.param(
                "a request to create an account owned by a sales rep",
                ("a sales rep who can own accounts exists", {"ownerUsername": OWNER}),
                OWNER,
                id="owned-by-a-sales-rep",
            ),
        ],
    )
    async def test_new_account(
        self,
        salesforce_pact: Pact,
        crm_at: CrmAt,
        description: str,
        state: tuple[str, dict[str, str]],
        owner: str | None,
    ) -> None:
        # The owner, when the account is given one, is sent and read back by username.
        owned = {} if owner is None else {"ownerUsername": match.str(owner)}
        name, params = state
        interaction = salesforce_pact.upon_receiving(description).given(name, **params)
        service_request(
            interaction,
            "POST",
            "/accounts",
            idempotency_key=REQUEST_KEY,
            body={**account_request(), **owned},
        )
        json_response(interaction, 201, {**account_body(), **owned})
        draft = dataclasses.replace(account_draft(), owner_username=owner)
        async with served(salesforce_pact, crm_at) as crm:
            account = await crm.create_account(draft, idempotency_key=REQUEST_KEY)

        assert (account.id, account.owner_username) == (ACCOUNT_ID, owner)


class TestUpsertAccountForCustomer:
    async def test_account_created_for_the_erp_customer(
        self, salesforce_pact: Pact, crm_at: CrmAt
    ) -> None:
        interaction = salesforce_pact.upon_receiving(
            "an upsert of the account of an ERP customer"
        ).given("no account has the id", accountId=ACCOUNT_ID)
        service_request(
            interaction,
            "PUT",
            f"/accounts/by-erp-customer-number/{ERP_CUSTOMER_NUMBER}",
            body=account_request(),
        )
        json_response(
            interaction,
            201,
            {**account_body(), "erpCustomerNumber": match.str(ERP_CUSTOMER_NUMBER)},
        )
        async with served(salesforce_pact, crm_at) as crm:
            written = await crm.upsert_account_for_customer(ERP_CUSTOMER_NUMBER, account_draft())

        assert written.created
        assert written.record.erp_customer_number == ERP_CUSTOMER_NUMBER


class TestLinkAccount:
    async def test_erp_customer_number_recorded(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving(
            "a request to link an account to an ERP customer"
        ).given("an account with the name exists", accountId=ACCOUNT_ID, name=ACCOUNT_NAME)
        service_request(
            interaction,
            "PATCH",
            f"/accounts/{ACCOUNT_ID}",
            body={"erpCustomerNumber": match.str(ERP_CUSTOMER_NUMBER)},
        )
        json_response(interaction, 200)
        async with served(salesforce_pact, crm_at) as crm:
            await crm.link_account(ACCOUNT_ID, ERP_CUSTOMER_NUMBER)


class TestDeleteAccount:
    async def test_account_deleted(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        interaction = salesforce_pact.upon_receiving("a request to delete an account").given(
            "an account with the name exists", accountId=ACCOUNT_ID, name=ACCOUNT_NAME
        )
        service_request(interaction, "DELETE", f"/accounts/{ACCOUNT_ID}")
        json_response(interaction, 204)
        async with served(salesforce_pact, crm_at) as crm:
            await crm.delete_account(ACCOUNT_ID)

    async def test_account_gone_already(self, salesforce_pact: Pact, crm_at: CrmAt) -> None:
        unknown_account(
            salesforce_pact,
            "a request to delete an account that does not exist",
            f"/accounts/{ACCOUNT_ID}",
            method="DELETE",
        )
        async with served(salesforce_pact, crm_at) as crm:
            await crm.delete_account(ACCOUNT_ID)
