from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.domain.dml import insert_records

pytestmark = pytest.mark.asyncio

ErrorCheck = Callable[..., dict[str, Any]]


def load_accounts(app: FastAPI, count: int) -> list[str]:
    """`count` accounts written straight into the org (fast fixture data)."""
    emulator = app.state.emulator
    ctx = WriteContext(emulator.user.id, "test")
    obj = emulator.org.object_or_raise("Account")
    bodies = [
        {"Name": f"Account {index:05d}", "NumberOfEmployees": index} for index in range(count)
    ]
    with emulator.org.store.transaction() as conn:
        results = insert_records(conn, emulator.org, obj, bodies, ctx)
    return [result.id for result in results if result.id]


class TestQuery:
    async def test_small_result_is_done(self, app: FastAPI, api: httpx.AsyncClient) -> None:
        load_accounts(app, 3)
        response = await api.get(
            "query/", params={"q": "SELECT Id, Name FROM Account ORDER BY Name"}
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["totalSize"], body["done"]) == (3, True)
        assert "nextRecordsUrl" not in body
        assert [record["Name"] for record in body["records"]] == [
            "Account 00000",
            "Account 00001",
            "Account 00002",
        ]

    async def test_pages_of_2000_with_next_records_url(
        self, app: FastAPI, api: httpx.AsyncClient
    ) -> None:
        load_accounts(app, 4500)
        first = (await api.get("query", params={"q": "SELECT Id FROM Account"})).json()
        assert (first["totalSize"], first["done"], len(first["records"])) == (4500, False, 2000)
        assert first["nextRecordsUrl"].startswith("/services/data/v62.0/query/01g")
        assert first["nextRecordsUrl"].endswith("-2000")
        second = (await api.get(f"http://test{first['nextRecordsUrl']}")).json()
        third = (await api.get(f"http://test{second['nextRecordsUrl']}")).json()
        assert (len(second["records"]), len(third["records"]), third["done"]) == (2000, 500, True)
        ids = [record["Id"] for page in (first, second, third) for record in page["records"]]
        assert len(set(ids)) == 4500

    async def test_batch_size_option(self, app: FastAPI, api: httpx.AsyncClient) -> None:
        load_accounts(app, 450)
        response = await api.get(
            "query",
            params={"q": "SELECT Id FROM Account"},
            headers={"Sforce-Query-Options": "batchSize=200"},
        )
        body = response.json()
        assert len(body["records"]) == 200
        assert body["nextRecordsUrl"].endswith("-200")

    async def test_count(self, app: FastAPI, api: httpx.AsyncClient) -> None:
        load_accounts(app, 7)
        body = (await api.get("query", params={"q": "SELECT COUNT() FROM Account"})).json()
        assert body == {"totalSize": 7, "done": True, "records": []}

    async def test_query_all_sees_deleted_rows(self, app: FastAPI, api: httpx.AsyncClient) -> None:
        first, _ = load_accounts(app, 2)
        assert (await api.delete(f"sobjects/Account/{first}")).status_code == 204
        soql = "SELECT Id, IsDeleted FROM Account"
        live = (await api.get("query", params={"q": soql})).json()
        everything = (await api.get("queryAll", params={"q": soql})).json()
        assert live["totalSize"] == 1
        assert everything["totalSize"] == 2
        assert {record["Id"]: record["IsDeleted"] for record in everything["records"]}[
            first
        ] is True

    async def test_parent_fields_and_child_subqueries(self, api: httpx.AsyncClient) -> None:
        account = (await api.post("sobjects/Account", json={"Name": "Acme"})).json()["id"]
        await api.post("sobjects/Contact", json={"LastName": "Doe", "AccountId": account})
        soql = "SELECT LastName, Account.Name FROM Contact"
        record = (await api.get("query", params={"q": soql})).json()["records"][0]
        assert record["Account"]["Name"] == "Acme"
        soql = "SELECT Name, (SELECT LastName FROM Contacts) FROM Account"
        record = (await api.get("query", params={"q": soql})).json()["records"][0]
        assert record["Contacts"]["totalSize"] == 1
        assert record["Contacts"]["records"][0]["LastName"] == "Doe"


class TestQueryErrors:
    async def test_unknown_field(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        response = await api.get("query", params={"q": "SELECT Nmae FROM Account"})
        item = salesforce_error(response, 400, "INVALID_FIELD")
        assert "fields" not in item
        assert "No such column 'Nmae' on entity 'Account'" in item["message"]

    async def test_syntax_error(self, api: httpx.AsyncClient, salesforce_error: ErrorCheck) -> None:
        response = await api.get("query", params={"q": "SELECT Id FORM Account"})
        salesforce_error(response, 400, "MALFORMED_QUERY")

    async def test_missing_query(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        salesforce_error(await api.get("query"), 400, "MALFORMED_QUERY")

    async def test_unknown_object(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        response = await api.get("query", params={"q": "SELECT Id FROM Widget__c"})
        salesforce_error(response, 400, "INVALID_TYPE")

    async def test_unknown_locator(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        response = await api.get("query/01g000000000099AAA-2000")
        salesforce_error(response, 400, "INVALID_QUERY_LOCATOR")
