"""Account owners through the Salesforce System API: read with accounts and quotes, and set by
username when an account is created."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.asyncio

OrgQuery = Callable[[str], Awaitable[list[dict[str, Any]]]]
ANNA = "anna.becker@trivium.demo"
LUKAS = "lukas.schmidt@trivium.demo"


class TestOwnersOnReads:
    async def test_search_and_read_name_the_owner(self, api: httpx.AsyncClient) -> None:
        [found] = (await api.get("/accounts", params={"accountNumber": "P-1003"})).json()["items"]
        read = (await api.get(f"/accounts/{found['id']}")).json()
        assert found["ownerUsername"] == read["ownerUsername"] == LUKAS
        assert read["ownerId"].startswith("005")

    async def test_quote_names_its_accounts_owner(
        self, api: httpx.AsyncClient, org_query: OrgQuery
    ) -> None:
        [quote] = await org_query(
            "SELECT Id, Account.OwnerId FROM Quote WHERE Account.AccountNumber = 'P-1001' LIMIT 1"
        )
        body = (await api.get(f"/quotes/{quote['Id']}")).json()
        assert body["account"]["ownerUsername"] == ANNA
        assert body["account"]["ownerId"] == quote["Account"]["OwnerId"]


class TestOwnerOnCreate:
    async def test_an_account_created_for_a_rep_is_owned_by_the_rep(
        self, api: httpx.AsyncClient, org_query: OrgQuery
    ) -> None:
        response = await api.post(
            "/accounts", json={"name": "Owned By Lukas GmbH", "ownerUsername": LUKAS.upper()}
        )
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["ownerUsername"] == LUKAS
        [row] = await org_query(f"SELECT Owner.Username FROM Account WHERE Id = '{created['id']}'")
        assert row["Owner"]["Username"] == LUKAS

    async def test_an_unknown_owner_is_422_and_creates_nothing(
        self, api: httpx.AsyncClient, org_query: OrgQuery
    ) -> None:
        response = await api.post(
            "/accounts", json={"name": "Nobody Owns Me AG", "ownerUsername": "ghost@trivium.demo"}
        )
        assert response.status_code == 422, response.text
        assert response.json()["type"].endswith("/record-rejected")
        assert response.json()["errors"][0]["pointer"] == "/ownerUsername"
        assert not await org_query("SELECT Id FROM Account WHERE Name = 'Nobody Owns Me AG'")

    async def test_owner_id_and_username_together_are_422(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            "/accounts",
            json={"name": "Twice Owned", "ownerUsername": ANNA, "ownerId": "005000000000001AAA"},
        )
        assert response.status_code == 422
