from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.asyncio

ADMIN = {"X-Admin-Token": "trivium-emulator-admin"}
ErrorCheck = Callable[..., dict[str, Any]]


class TestAdminAuth:
    async def test_token_required(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/__admin/chaos")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_bearer_admin_token(self, client: httpx.AsyncClient) -> None:
        response = await client.get(
            "/__admin/chaos", headers={"Authorization": "Bearer trivium-emulator-admin"}
        )
        assert response.status_code == 200


class TestChaos:
    async def test_outage(
        self, client: httpx.AsyncClient, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        response = await client.put("/__admin/chaos", json={"outage": True}, headers=ADMIN)
        assert response.json()["outage"] is True
        salesforce_error(await api.get("limits"), 503, "SERVER_UNAVAILABLE")
        token = await client.post("/services/oauth2/token", data={"grant_type": "password"})
        salesforce_error(token, 503, "SERVER_UNAVAILABLE")
        assert (await client.get("/healthz")).status_code == 200
        await client.delete("/__admin/chaos", headers=ADMIN)
        assert (await api.get("limits")).status_code == 200

    async def test_error_rate_with_chosen_codes(
        self, client: httpx.AsyncClient, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        await client.put(
            "/__admin/chaos",
            json={"errorRate": 1.0, "errorCodes": ["UNABLE_TO_LOCK_ROW"]},
            headers=ADMIN,
        )
        response = await api.post("sobjects/Account", json={"Name": "Locked"})
        salesforce_error(response, 400, "UNABLE_TO_LOCK_ROW")
        await client.put("/__admin/chaos", json={"errorRate": 0}, headers=ADMIN)
        count = await api.get("query", params={"q": "SELECT COUNT() FROM Account"})
        assert count.json()["totalSize"] == 0

    async def test_server_unavailable_code(
        self, client: httpx.AsyncClient, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        await client.put(
            "/__admin/chaos",
            json={"errorRate": 1.0, "errorCodes": ["SERVER_UNAVAILABLE"]},
            headers=ADMIN,
        )
        salesforce_error(await api.get("limits"), 503, "SERVER_UNAVAILABLE")

    async def test_latency(self, client: httpx.AsyncClient, api: httpx.AsyncClient) -> None:
        await client.put("/__admin/chaos", json={"latencyMs": 80, "jitterMs": 20}, headers=ADMIN)
        started = time.perf_counter()
        assert (await api.get("limits")).status_code == 200
        assert time.perf_counter() - started >= 0.08

    async def test_unknown_error_code(self, client: httpx.AsyncClient) -> None:
        response = await client.put("/__admin/chaos", json={"errorCodes": ["NOPE"]}, headers=ADMIN)
        assert response.status_code == 422


class TestLimits:
    async def test_exhaust_the_budget(
        self, client: httpx.AsyncClient, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        response = await client.put("/__admin/limits", json={"remaining": 1}, headers=ADMIN)
        assert response.json() == {"max": 100000, "used": 99999, "remaining": 1}
        assert (await api.get("limits")).json()["DailyApiRequests"]["Remaining"] == 0
        salesforce_error(await api.get("limits"), 403, "REQUEST_LIMIT_EXCEEDED")


class TestResetAndSeed:
    async def test_seed_is_deterministic(
        self, client: httpx.AsyncClient, api: httpx.AsyncClient
    ) -> None:
        first = await client.post("/__admin/seed", headers=ADMIN)
        assert first.json()["seeded"]["Account"] == 50
        assert first.json()["seeded"]["Product2"] == 40
        soql = (
            "SELECT Id, AccountNumber, ERP_Customer_Number__c FROM Account "
            "WHERE AccountNumber LIKE 'P-%' ORDER BY AccountNumber"
        )
        partners = (await api.get("query", params={"q": soql})).json()["records"]
        assert [(p["AccountNumber"], p["ERP_Customer_Number__c"]) for p in partners] == [
            ("P-1001", "1000001"),
            ("P-1002", "1000002"),
            ("P-1003", "1000003"),
        ]
        await client.post("/__admin/seed", headers=ADMIN)
        again = (await api.get("query", params={"q": soql})).json()["records"]
        assert [p["Id"] for p in again] == [p["Id"] for p in partners]

    async def test_demo_sales_reps_own_their_accounts(
        self, client: httpx.AsyncClient, api: httpx.AsyncClient
    ) -> None:
        await client.post("/__admin/seed", headers=ADMIN)
        soql = (
            "SELECT AccountNumber FROM Account "
            "WHERE Owner.Username = 'anna.becker@trivium.demo' ORDER BY AccountNumber"
        )
        owned = (await api.get("query", params={"q": soql})).json()["records"]
        numbers = [account["AccountNumber"] for account in owned]
        assert numbers == [f"C-{n}" for n in range(2001, 2019)] + ["P-1001", "P-1002"]
        soql = "SELECT Name FROM User WHERE Username = 'lukas.schmidt@trivium.demo'"
        [rep] = (await api.get("query", params={"q": soql})).json()["records"]
        assert rep["Name"] == "Lukas Schmidt"

    async def test_seeded_catalog_and_quotes(
        self, client: httpx.AsyncClient, api: httpx.AsyncClient
    ) -> None:
        await client.post("/__admin/seed", headers=ADMIN)
        soql = (
            "SELECT COUNT() FROM PricebookEntry WHERE Pricebook2.IsStandard = true "
            "AND Product2.ERP_Material__c LIKE 'MAT-00%'"
        )
        assert (await api.get("query", params={"q": soql})).json()["totalSize"] == 40
        soql = (
            "SELECT Id, GrandTotal, (SELECT Id FROM QuoteLineItems) FROM Quote "
            "WHERE Status = 'Accepted'"
        )
        quotes = (await api.get("query", params={"q": soql})).json()["records"]
        assert len(quotes) == 8
        assert all(quote["QuoteLineItems"]["totalSize"] >= 1 for quote in quotes)
        assert all(quote["GrandTotal"] > 0 for quote in quotes)

    async def test_reset_empties_the_org(
        self, client: httpx.AsyncClient, api: httpx.AsyncClient
    ) -> None:
        await client.post("/__admin/seed", headers=ADMIN)
        response = await client.post("/__admin/reset", headers=ADMIN)
        assert response.json() == {"seeded": {}}
        count = await api.get("query", params={"q": "SELECT COUNT() FROM Account"})
        assert count.json()["totalSize"] == 0
        books = await api.get(
            "query", params={"q": "SELECT Id FROM Pricebook2 WHERE IsStandard = true"}
        )
        assert books.json()["totalSize"] == 1


class TestHealth:
    async def test_ready_when_the_database_answers(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["checks"] == {"database": "up"}

    async def test_metrics_name_salesforce_routes(self, api: httpx.AsyncClient) -> None:
        await api.get("limits")
        metrics = (await api.get("http://test/metrics")).text
        assert 'route="/services/data/v{version}/limits"' in metrics


class TestUndelete:
    async def test_restores_a_deleted_record(
        self, client: httpx.AsyncClient, api: httpx.AsyncClient
    ) -> None:
        record = (await api.post("sobjects/Account", json={"Name": "Back"})).json()["id"]
        await api.delete(f"sobjects/Account/{record}")
        response = await client.post("/__admin/undelete", json={"ids": [record]}, headers=ADMIN)
        assert response.json() == [{"id": record, "success": True, "errors": []}]
        assert (await api.get(f"sobjects/Account/{record}")).json()["Name"] == "Back"


class TestMerge:
    async def test_merges_a_duplicate_into_its_master(
        self, client: httpx.AsyncClient, api: httpx.AsyncClient
    ) -> None:
        master = (await api.post("sobjects/Account", json={"Name": "Acme"})).json()["id"]
        loser = (await api.post("sobjects/Account", json={"Name": "Acme Inc"})).json()["id"]
        body = {"masterId": master, "duplicateIds": [loser], "fields": {"Phone": "+1 555"}}
        response = await client.post("/__admin/merge", json=body, headers=ADMIN)
        assert response.json() == {
            "id": master,
            "success": True,
            "errors": [],
            "mergedRecordIds": [loser],
            "updatedRelatedIds": [],
        }
        assert (await api.get(f"sobjects/Account/{master}")).json()["Phone"] == "+1 555"
        deleted = await api.get(
            "queryAll", params={"q": f"SELECT MasterRecordId FROM Account WHERE Id = '{loser}'"}
        )
        assert deleted.json()["records"][0]["MasterRecordId"] == master

    async def test_a_refused_merge_says_why(
        self, client: httpx.AsyncClient, api: httpx.AsyncClient
    ) -> None:
        master = (await api.post("sobjects/Account", json={"Name": "Acme"})).json()["id"]
        body = {"masterId": master, "duplicateIds": [master]}
        response = await client.post("/__admin/merge", json=body, headers=ADMIN)
        assert response.status_code == 200
        assert response.json()["success"] is False
        assert response.json()["errors"][0].startswith("MERGE_FAILED")

    async def test_at_most_two_duplicates(self, client: httpx.AsyncClient) -> None:
        body = {"masterId": "001000000000001AAA", "duplicateIds": ["a", "b", "c"]}
        response = await client.post("/__admin/merge", json=body, headers=ADMIN)
        assert response.status_code == 422
