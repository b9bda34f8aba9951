"""Text that reads like a composite reference (`@{ref.field}`) is stored as it was sent."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.asyncio

OrgQuery = Callable[[str], Awaitable[list[dict[str, Any]]]]
REFERENCE_LIKE = "PO @{order.id} @{x.Id} @{nope} \\'\"%_"


async def _partner(api: httpx.AsyncClient) -> str:
    [account] = (await api.get("/accounts", params={"accountNumber": "P-1002"})).json()["items"]
    account_id: str = account["id"]
    return account_id


def _order(account_id: str, erp_order_number: str, purchase_order: str) -> dict[str, Any]:
    return {
        "accountId": account_id,
        "effectiveDate": "2026-11-28",
        "purchaseOrderNumber": purchase_order,
        "erpOrderNumber": erp_order_number,
        "erpStatus": "open @{order.id}",
        "items": [{"sku": "MAT-0001", "quantity": "1"}],
    }


class TestOrders:
    async def test_a_purchase_order_number_with_references_is_stored_as_sent(
        self, api: httpx.AsyncClient, org: httpx.AsyncClient, org_query: OrgQuery
    ) -> None:
        erp_number = f"FT-{secrets.token_hex(4)}"
        account_id = await _partner(api)
        created = await api.post("/orders", json=_order(account_id, erp_number, REFERENCE_LIKE))
        assert created.status_code == 201, created.text
        order = created.json()
        assert (order["purchaseOrderNumber"], order["erpStatus"], order["status"]) == (
            REFERENCE_LIKE,
            "open @{order.id}",
            "Activated",
        )
        stored = await org.get(f"/services/data/v62.0/sobjects/Order/{order['id']}")
        assert stored.json()["PoNumber"] == REFERENCE_LIKE
        assert stored.json()["ERP_Status__c"] == "open @{order.id}"
        assert (await api.get(f"/orders/{order['id']}")).json()["items"][0]["sku"] == "MAT-0001"

    async def test_a_repeat_finishes_the_order_instead_of_creating_another(
        self, api: httpx.AsyncClient, org: httpx.AsyncClient, org_query: OrgQuery
    ) -> None:
        erp_number = f"FT-{secrets.token_hex(4)}"
        account_id = await _partner(api)
        first = await api.post("/orders", json=_order(account_id, erp_number, "PO-PLAIN"))
        assert first.status_code == 201, first.text
        # As if the plain write after the composite one had failed: the repeat completes it.
        again = await api.post("/orders", json=_order(account_id, erp_number, REFERENCE_LIKE))
        assert again.status_code == 201, again.text
        assert again.json()["id"] == first.json()["id"]
        rows = await org_query(
            f"SELECT Id, PoNumber FROM Order WHERE ERP_Order_Number__c = '{erp_number}'"
        )
        assert [row["PoNumber"] for row in rows] == [REFERENCE_LIKE]

    async def test_a_repeat_never_finishes_another_accounts_order(
        self, api: httpx.AsyncClient, org_query: OrgQuery
    ) -> None:
        erp_number = f"FT-{secrets.token_hex(4)}"
        first = await api.post("/orders", json=_order(await _partner(api), erp_number, "PO-1"))
        assert first.status_code == 201, first.text
        [other] = (await api.get("/accounts", params={"accountNumber": "P-1001"})).json()["items"]
        refused = await api.post("/orders", json=_order(other["id"], erp_number, REFERENCE_LIKE))
        assert refused.status_code == 409, refused.text
        assert refused.json()["errors"][0]["pointer"] == "/erpOrderNumber"
        rows = await org_query(
            f"SELECT Id, PoNumber FROM Order WHERE ERP_Order_Number__c = '{erp_number}'"
        )
        assert [(row["Id"], row["PoNumber"]) for row in rows] == [(first.json()["id"], "PO-1")]

    async def test_an_order_without_references_costs_one_write(
        self, api: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        account_id = await _partner(api)
        body = _order(account_id, f"FT-{secrets.token_hex(4)}", "PO {plain} @ text")
        body["erpStatus"] = "open"
        await api.post("/orders", json=body)  # reads the price book into the cache
        before = (await admin.get("/limits")).json()["used"]
        body["erpOrderNumber"] = f"FT-{secrets.token_hex(4)}"
        created = await api.post("/orders", json=body)
        assert created.status_code == 201, created.text
        assert (await admin.get("/limits")).json()["used"] - before == 1


class TestAccounts:
    async def test_create_update_and_upsert_keep_reference_like_text(
        self, api: httpx.AsyncClient, org: httpx.AsyncClient
    ) -> None:
        name = f"Acme @{{created.id}} {secrets.token_hex(3)}"
        created = await api.post(
            "/accounts", json={"name": name, "billingAddress": {"city": "@{account.Id}"}}
        )
        assert created.status_code == 201, created.text
        account = created.json()
        assert (account["name"], account["billingAddress"]["city"]) == (name, "@{account.Id}")
        updated = await api.patch(f"/accounts/{account['id']}", json={"phone": "@{updated.id}"})
        assert updated.status_code == 200, updated.text
        assert updated.json()["phone"] == "@{updated.id}"
        stored = (await org.get(f"/services/data/v62.0/sobjects/Account/{account['id']}")).json()
        assert (stored["Name"], stored["BillingCity"], stored["Phone"]) == (
            name,
            "@{account.Id}",
            "@{updated.id}",
        )
        url = f"/accounts/by-erp-customer-number/FT{secrets.token_hex(3)}"
        first = await api.put(url, json={"name": "@{upserted.id}"})
        second = await api.put(url, json={"name": "@{account.Name}"})
        assert (first.status_code, second.status_code) == (201, 200), second.text
        assert second.json()["name"] == "@{account.Name}"


class TestSearch:
    async def test_search_text_is_matched_literally(self, api: httpx.AsyncClient) -> None:
        word = secrets.token_hex(4)
        names = [f"{word} 50% O'Brien \\ @{{x.id}}", f"{word} 50x OxBrien x @{{x.id}}"]
        ids = []
        for name in names:
            created = await api.post("/accounts", json={"name": name})
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        for search in ("50%", "O'Brien", "\\", f"{word} 50% O"):
            found = await api.get("/accounts", params={"name": search})
            assert found.status_code == 200, found.text
            mine = [item["id"] for item in found.json()["items"] if item["id"] in ids]
            assert mine == ids[:1], search
        found = await api.get("/accounts", params={"name": f"{word} 50_"})
        assert [item["id"] for item in found.json()["items"]] == []
