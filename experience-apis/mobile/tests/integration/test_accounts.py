"""The rep's accounts and the customer 360 through the real stack."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from trivium_testing.services import RunningService

pytestmark = pytest.mark.asyncio

CRM_SECTIONS = ("account", "contacts", "opportunities")
ERP_SECTIONS = ("orders", "invoices", "credit")


async def every_page(client: httpx.AsyncClient, **params: Any) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/mobile/v1/accounts", params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]
        if not cursor:
            return seen


class TestListAccounts:
    async def test_cursor_paging_visits_every_owned_account_once(
        self, anna: httpx.AsyncClient, world: Any
    ) -> None:
        owned = await world.query(
            "SELECT Id FROM Account WHERE Owner.Username = 'anna.becker@trivium.demo'"
        )
        seen = await every_page(anna, limit=3)
        assert len(seen) == len(set(seen))
        assert sorted(seen) == sorted(row["Id"] for row in owned)
        assert len(seen) >= 20

    async def test_rows_are_compact_and_search_narrows_them(self, anna: httpx.AsyncClient) -> None:
        response = await anna.get("/mobile/v1/accounts", params={"search": "Nordwind"})
        [row] = response.json()["items"]
        assert row["accountNumber"] == "P-1001"
        assert row["erpCustomerNumber"] == "1000001"
        assert set(row) <= {
            "id", "name", "accountNumber", "erpCustomerNumber", "city", "phone", "industry",
        }  # fmt: skip

    async def test_another_reps_accounts_are_not_listed(
        self, anna: httpx.AsyncClient, lukas: httpx.AsyncClient
    ) -> None:
        annas = set(await every_page(anna, limit=50))
        lukass = set(await every_page(lukas, limit=50))
        assert annas
        assert lukass
        assert not annas & lukass

    async def test_forged_cursor_is_400(self, anna: httpx.AsyncClient) -> None:
        response = await anna.get("/mobile/v1/accounts", params={"cursor": "bm90LW91cnM"})
        assert response.status_code == 400
        assert response.json()["type"].endswith("/invalid-cursor")

    @pytest.mark.parametrize(
        "token",
        [
            None,
            {"audience": "partner-portal-experience"},
        ],
        ids=["no-token", "wrong-audience"],
    )
    async def test_a_call_without_a_gateway_signed_rep_is_401(
        self, mobile_service: RunningService, mint_rep_token: Any, token: dict[str, str] | None
    ) -> None:
        minted = mint_rep_token("anna.becker@trivium.demo", **token) if token else None
        headers = {"Authorization": f"Bearer {minted}"} if minted else {}
        async with httpx.AsyncClient(base_url=mobile_service.url, headers=headers) as client:
            response = await client.get("/mobile/v1/accounts")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")

    async def test_a_rep_signed_by_another_service_is_refused(
        self, mobile_service: RunningService, mint_rep_token: Any
    ) -> None:
        minted = mint_rep_token("anna.becker@trivium.demo", issuer="quote-to-order")
        async with httpx.AsyncClient(
            base_url=mobile_service.url, headers={"Authorization": f"Bearer {minted}"}
        ) as client:
            response = await client.get("/mobile/v1/accounts")
        assert response.status_code == 403
        assert response.json()["type"].endswith("/caller-not-accepted")


class TestCustomer360:
    async def test_complete_view_of_a_linked_account(
        self, anna: httpx.AsyncClient, world: Any
    ) -> None:
        account_id = await world.account_id("P-1001")
        credit = (await world.erp.get("/customers/1000001/credit")).json()
        response = await anna.get(f"/mobile/v1/accounts/{account_id}")
        assert response.status_code == 200, response.text
        view = response.json()
        assert view["accountId"] == account_id
        assert all(view[name]["status"] == "ok" for name in CRM_SECTIONS + ERP_SECTIONS)
        assert view["account"]["data"]["name"] == "Nordwind Industrietechnik GmbH"
        assert view["account"]["data"]["erpCustomerNumber"] == "1000001"
        assert [c["name"] for c in view["contacts"]["items"]]
        closing = [o["closeDate"] for o in view["opportunities"]["items"]]
        assert closing
        assert closing == sorted(closing)
        assert view["credit"]["data"]["limit"] == {
            "amount": credit["limit"],
            "currency": credit["currency"],
        }
        assert isinstance(view["orders"]["items"], list)
        assert isinstance(view["invoices"]["items"], list)

    async def test_erp_down_still_serves_the_crm_sections(
        self, anna: httpx.AsyncClient, world: Any
    ) -> None:
        account_id = await world.account_id("P-1002")
        await world.forget_views()
        (await world.s4_admin.put("/chaos", json={"outage": True})).raise_for_status()
        response = await anna.get(f"/mobile/v1/accounts/{account_id}")
        assert response.status_code == 200, response.text
        view = response.json()
        assert {name: view[name]["status"] for name in CRM_SECTIONS + ERP_SECTIONS} == {
            **dict.fromkeys(CRM_SECTIONS, "ok"),
            **dict.fromkeys(ERP_SECTIONS, "unavailable"),
        }
        assert view["account"]["data"]["accountNumber"] == "P-1002"
        (await world.s4_admin.delete("/chaos")).raise_for_status()

    async def test_unchanged_view_is_304_with_its_etag(
        self, anna: httpx.AsyncClient, world: Any
    ) -> None:
        url = f"/mobile/v1/accounts/{await world.account_id('P-1001')}"
        first = await anna.get(url)
        etag = first.headers["etag"]
        again = await anna.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304
        assert again.headers["etag"] == etag
        assert again.content == b""
        other = await anna.get(url, headers={"If-None-Match": '"something-else"'})
        assert other.status_code == 200
        assert other.headers["etag"] == etag

    async def test_a_cached_view_costs_no_salesforce_call(
        self, anna: httpx.AsyncClient, world: Any
    ) -> None:
        url = f"/mobile/v1/accounts/{await world.account_id('C-2005')}"
        await world.forget_views()
        before = await world.api_calls_used()
        assert (await anna.get(url)).status_code == 200
        cold = await world.api_calls_used()
        assert (await anna.get(url)).status_code == 200
        cached = await world.api_calls_used()
        assert (cold - before, cached - cold) == (1, 0)

    async def test_sparse_fields_return_only_the_asked_sections(
        self, anna: httpx.AsyncClient, world: Any
    ) -> None:
        url = f"/mobile/v1/accounts/{await world.account_id('P-1001')}"
        sparse = await anna.get(url, params={"fields": "credit,account"})
        assert set(sparse.json()) == {"accountId", "account", "credit"}
        assert sparse.headers["etag"] != (await anna.get(url)).headers["etag"]
        wrong = await anna.get(url, params={"fields": "account,secrets"})
        assert wrong.status_code == 422
        assert wrong.json()["errors"][0]["pointer"] == "fields"

    async def test_another_reps_account_is_404(self, anna: httpx.AsyncClient, world: Any) -> None:
        response = await anna.get(f"/mobile/v1/accounts/{await world.account_id('P-1003')}")
        assert response.status_code == 404
        assert response.json()["type"].endswith("/account-not-found")

    async def test_unknown_account_is_404(self, anna: httpx.AsyncClient) -> None:
        response = await anna.get("/mobile/v1/accounts/001000000000999AAA")
        assert response.status_code == 404
