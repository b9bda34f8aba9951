"""Every resource of the Salesforce System API against the running org emulator."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.asyncio

OrgQuery = Callable[[str], Awaitable[list[dict[str, Any]]]]


class TestAccounts:
    async def test_search_by_account_number_finds_the_partner(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/accounts", params={"accountNumber": "P-1001"})
        assert response.status_code == 200
        [account] = response.json()["items"]
        assert account["erpCustomerNumber"] == "1000001"
        assert "attributes" not in account

    async def test_search_by_name_pages_through_every_account(
        self, api: httpx.AsyncClient, org_query: OrgQuery
    ) -> None:
        expected = len(await org_query("SELECT Id FROM Account"))
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": "7", **({"cursor": cursor} if cursor else {})}
            page = (await api.get("/accounts", params=params)).json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["nextCursor"]
            if not cursor:
                break
        assert len(seen) == len(set(seen)) == expected

    async def test_create_get_update_round_trip(self, api: httpx.AsyncClient) -> None:
        created = await api.post(
            "/accounts",
            json={
                "name": "Integration Werke GmbH",
                "website": "https://integration-werke.example",
                "billingAddress": {"city": "Hamburg", "postalCode": "20095", "country": "DE"},
            },
        )
        assert created.status_code == 201, created.text
        account_id = created.json()["id"]
        assert (await api.get(f"/accounts/{account_id}")).json()["billingAddress"][
            "city"
        ] == "Hamburg"
        updated = await api.patch(f"/accounts/{account_id}", json={"phone": "+49 40 123"})
        assert updated.json()["phone"] == "+49 40 123"
        found = await api.get("/accounts", params={"websiteDomain": "integration-werke.example"})
        assert [item["id"] for item in found.json()["items"]] == [account_id]

    async def test_upsert_by_erp_number_creates_then_updates(self, api: httpx.AsyncClient) -> None:
        url = "/accounts/by-erp-customer-number/7700001"
        first = await api.put(url, json={"name": "Upsert Erst"})
        second = await api.put(url, json={"name": "Upsert Zweit"})
        assert (first.status_code, second.status_code) == (201, 200), second.text
        assert first.json()["id"] == second.json()["id"]
        assert second.json()["erpCustomerNumber"] == "7700001"

    async def test_duplicate_erp_number_is_409(self, api: httpx.AsyncClient) -> None:
        response = await api.post("/accounts", json={"name": "Dup", "erpCustomerNumber": "1000001"})
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"

    async def test_delete_removes_the_account_from_the_org(
        self, api: httpx.AsyncClient, org_query: OrgQuery
    ) -> None:
        account_id = (await api.post("/accounts", json={"name": "Delete Me GmbH"})).json()["id"]
        assert (await api.delete(f"/accounts/{account_id}")).status_code == 204
        assert await org_query(f"SELECT Id FROM Account WHERE Id = '{account_id}'") == []
        assert (await api.delete(f"/accounts/{account_id}")).status_code == 404

    async def test_unknown_account_is_404(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/accounts/001000000000000AAA")
        assert response.status_code == 404

    async def test_contacts_and_open_opportunities_of_a_partner(
        self, api: httpx.AsyncClient
    ) -> None:
        [account] = (await api.get("/accounts", params={"accountNumber": "P-1001"})).json()["items"]
        contacts = await api.get(f"/accounts/{account['id']}/contacts")
        opportunities = await api.get(f"/accounts/{account['id']}/opportunities")
        assert contacts.status_code == opportunities.status_code == 200
        assert all(item["lastName"] for item in contacts.json()["items"])
        assert all(
            item["stage"] not in ("Closed Won", "Closed Lost")
            for item in opportunities.json()["items"]
        )

    async def test_owner_username_lists_a_reps_accounts(
        self, api: httpx.AsyncClient, org_query: OrgQuery
    ) -> None:
        rep = "anna.becker@trivium.demo"
        expected = await org_query(f"SELECT Id FROM Account WHERE Owner.Username = '{rep}'")
        page = (await api.get("/accounts", params={"ownerUsername": rep, "limit": 200})).json()
        assert sorted(item["id"] for item in page["items"]) == sorted(r["Id"] for r in expected)
        assert len(page["items"]) == 20

    async def test_overview_reads_account_owner_contacts_and_opportunities_in_one_call(
        self, api: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        [account] = (await api.get("/accounts", params={"accountNumber": "P-1001"})).json()["items"]
        before = (await admin.get("/limits")).json()["used"]
        response = await api.get(f"/accounts/{account['id']}/overview", params={"contactLimit": 1})
        after = (await admin.get("/limits")).json()["used"]
        assert response.status_code == 200, response.text
        overview = response.json()
        assert overview["account"]["accountNumber"] == "P-1001"
        assert overview["ownerUsername"] == "anna.becker@trivium.demo"
        assert len(overview["contacts"]) == 1
        closing = [item["closeDate"] for item in overview["openOpportunities"]]
        assert closing == sorted(closing)
        assert closing
        assert after - before == 1


class TestQuotes:
    async def test_quote_comes_with_lines_skus_and_account(
        self, api: httpx.AsyncClient, org_query: OrgQuery
    ) -> None:
        [quote] = await org_query("SELECT Id FROM Quote WHERE Status = 'Accepted' LIMIT 1")
        response = await api.get(f"/quotes/{quote['Id']}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "Accepted"
        assert body["account"]["id"].startswith("001")
        assert body["lines"]
        assert all(line["sku"].startswith("MAT-") for line in body["lines"])


def quote_order(account: str, opportunity: str, quote: str, **fields: str) -> dict[str, Any]:
    """An order of one MAT-0001 from the quote, closing its opportunity as won (and `fields`)."""
    return {
        "accountId": account,
        "effectiveDate": "2026-11-28",
        "quoteId": quote,
        "opportunityId": opportunity,
        "opportunityStage": "Closed Won",
        "items": [{"sku": "MAT-0001", "quantity": "1"}],
        **fields,
    }


class TestOrders:
    async def test_order_with_every_product_is_created_activated_and_patched(
        self, api: httpx.AsyncClient
    ) -> None:
        [account] = (await api.get("/accounts", params={"accountNumber": "P-1002"})).json()["items"]
        items = [{"sku": f"MAT-{n:04d}", "quantity": "2"} for n in range(1, 41)]
        created = await api.post(
            "/orders",
            json={
                "accountId": account["id"],
                "effectiveDate": "2026-11-28",
                "purchaseOrderNumber": "PO-INT-1",
                "items": items,
            },
        )
        assert created.status_code == 201, created.text
        order = created.json()
        assert order["status"] == "Activated"
        assert len(order["items"]) == 40
        patched = await api.patch(
            f"/orders/{order['id']}", json={"erpOrderNumber": "5000123", "erpStatus": "open"}
        )
        assert patched.json()["erpOrderNumber"] == "5000123"
        listed = await api.get(f"/accounts/{account['id']}/orders")
        assert order["id"] in [item["id"] for item in listed.json()["items"]]

    async def test_order_marks_its_quote_and_opportunity_in_the_same_call(
        self,
        api: httpx.AsyncClient,
        org: httpx.AsyncClient,
        org_query: OrgQuery,
        admin: httpx.AsyncClient,
    ) -> None:
        account, opportunity, quote = await _opportunity_with_quote(api, org)
        before = (await admin.get("/limits")).json()["used"]
        created = await api.post(
            "/orders", json=quote_order(account, opportunity, quote, quoteStatus="Approved")
        )
        assert created.status_code == 201, created.text
        assert (await admin.get("/limits")).json()["used"] - before == 1
        [row] = await org_query(
            f"SELECT Status, Opportunity.StageName FROM Quote WHERE Id = '{quote}'"
        )
        assert (row["Status"], row["Opportunity"]["StageName"]) == ("Approved", "Closed Won")

    async def test_a_refused_mark_leaves_no_order_behind(
        self, api: httpx.AsyncClient, org: httpx.AsyncClient, org_query: OrgQuery
    ) -> None:
        account, opportunity, quote = await _opportunity_with_quote(api, org)
        # The org's Quote status picklist has no "Ordered".
        order = quote_order(
            account, opportunity, quote, quoteStatus="Ordered", purchaseOrderNumber="PO-INT-MARK"
        )
        response = await api.post("/orders", json=order)
        assert response.status_code == 422, response.text
        assert await org_query("SELECT Id FROM Order WHERE PoNumber = 'PO-INT-MARK'") == []
        [row] = await org_query(
            f"SELECT Status, Opportunity.StageName FROM Quote WHERE Id = '{quote}'"
        )
        assert (row["Status"], row["Opportunity"]["StageName"]) == ("Draft", "Prospecting")

    async def test_a_repeated_create_answers_the_order_it_made_before(
        self,
        api: httpx.AsyncClient,
        org: httpx.AsyncClient,
        org_query: OrgQuery,
        admin: httpx.AsyncClient,
    ) -> None:
        # As when the process that made the order died before answering and the repeat's key
        # claim had lapsed: the org refuses the second order with its ERP order number.
        account, opportunity, quote = await _opportunity_with_quote(api, org)
        erp_number = f"ONCE-{secrets.token_hex(4)}"
        order = quote_order(account, opportunity, quote, erpOrderNumber=erp_number)
        first = await api.post("/orders", json=order, headers={"Idempotency-Key": "first"})
        assert first.status_code == 201, first.text
        before = (await admin.get("/limits")).json()["used"]
        again = await api.post("/orders", json=order, headers={"Idempotency-Key": "again"})
        assert again.status_code == 201, again.text
        assert again.headers["location"] == f"/orders/{first.json()['id']}"
        assert again.json() == first.json()
        # The refused write and the read of the order that has the number.
        assert (await admin.get("/limits")).json()["used"] - before == 2
        rows = await org_query(f"SELECT Id FROM Order WHERE ERP_Order_Number__c = '{erp_number}'")
        assert [row["Id"] for row in rows] == [first.json()["id"]]

    async def test_another_order_with_the_erp_order_number_is_409(
        self, api: httpx.AsyncClient, org: httpx.AsyncClient, org_query: OrgQuery
    ) -> None:
        account, opportunity, quote = await _opportunity_with_quote(api, org)
        erp_number = f"ONCE-{secrets.token_hex(4)}"
        first = await api.post(
            "/orders", json=quote_order(account, opportunity, quote, erpOrderNumber=erp_number)
        )
        assert first.status_code == 201, first.text
        [other] = (await api.get("/accounts", params={"accountNumber": "P-1001"})).json()["items"]
        _, other_opportunity, other_quote = await _opportunity_with_quote(api, org)
        refused = [
            await api.post("/orders", json=body)
            for body in (
                quote_order(other["id"], opportunity, quote, erpOrderNumber=erp_number),
                quote_order(account, other_opportunity, other_quote, erpOrderNumber=erp_number),
            )
        ]
        for response in refused:
            assert response.status_code == 409, response.text
            problem = response.json()
            assert problem["type"].endswith("/duplicate-record")
            assert [error["pointer"] for error in problem["errors"]] == ["/erpOrderNumber"]
        rows = await org_query(f"SELECT Id FROM Order WHERE ERP_Order_Number__c = '{erp_number}'")
        assert [row["Id"] for row in rows] == [first.json()["id"]]

    async def test_unknown_sku_is_422(self, api: httpx.AsyncClient) -> None:
        [account] = (await api.get("/accounts", params={"accountNumber": "P-1002"})).json()["items"]
        response = await api.post(
            "/orders",
            json={
                "accountId": account["id"],
                "effectiveDate": "2026-11-28",
                "items": [{"sku": "NO-SUCH-MATERIAL", "quantity": "1"}],
            },
        )
        assert response.status_code == 422


async def _opportunity_with_quote(
    api: httpx.AsyncClient, org: httpx.AsyncClient
) -> tuple[str, str, str]:
    """A partner account's new opportunity (Prospecting) with a draft quote."""
    [account] = (await api.get("/accounts", params={"accountNumber": "P-1002"})).json()["items"]

    async def insert(sobject: str, fields: dict[str, Any]) -> str:
        response = await org.post(f"/services/data/v62.0/sobjects/{sobject}", json=fields)
        assert response.status_code == 201, response.text
        record_id: str = response.json()["id"]
        return record_id

    opportunity = await insert(
        "Opportunity",
        {
            "Name": "Order marks",
            "AccountId": account["id"],
            "StageName": "Prospecting",
            "CloseDate": "2026-12-31",
        },
    )
    quote = await insert("Quote", {"Name": "Order marks", "OpportunityId": opportunity})
    return account["id"], opportunity, quote


class TestProducts:
    async def test_search_lists_products(self, api: httpx.AsyncClient) -> None:
        page = (await api.get("/products", params={"search": "MAT-000"})).json()
        assert page["items"]
        assert all(item["sku"].startswith("MAT-000") for item in page["items"])

    async def test_small_upsert_uses_collections(self, api: httpx.AsyncClient) -> None:
        rows = [
            {"sku": f"INT-C-{n:03d}", "name": f"Coll {n}", "isActive": True} for n in range(250)
        ]
        report = (await api.put("/products", json={"products": rows})).json()
        assert report["method"] == "collections"
        assert (report["succeeded"], report["failed"]) == (250, 0)

    async def test_large_upsert_uses_bulk_and_reports_bad_rows(
        self, api: httpx.AsyncClient
    ) -> None:
        rows = [{"sku": f"INT-B-{n:04d}", "name": f"Bulk {n}"} for n in range(400)]
        rows.append({"sku": "INT-B-NONAME"})
        report = (await api.put("/products", json={"products": rows})).json()
        assert report["method"] == "bulk"
        assert report["succeeded"] == 400
        [failure] = report["failures"]
        assert failure["sku"] == "INT-B-NONAME"
        assert failure["error"]["retryable"] is False


class TestLimits:
    async def test_limits_report_the_budget(self, api: httpx.AsyncClient) -> None:
        budget = (await api.get("/limits")).json()
        assert budget["max"] == 100_000
        assert 0 < budget["remaining"] <= budget["max"]
