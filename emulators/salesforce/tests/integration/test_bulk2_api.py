from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

pytestmark = pytest.mark.asyncio

ErrorCheck = Callable[..., dict[str, Any]]
CSV = {"Content-Type": "text/csv"}


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def run_ingest(
    app: FastAPI, api: httpx.AsyncClient, job: dict[str, Any], data: str
) -> dict[str, Any]:
    created = await api.post("jobs/ingest", json={"contentType": "CSV", **job})
    assert created.status_code == 200, created.text
    info = created.json()
    assert info["state"] == "Open"
    assert info["contentUrl"] == f"services/data/v62.0/jobs/ingest/{info['id']}/batches"
    upload = await api.put(f"jobs/ingest/{info['id']}/batches", content=data.encode(), headers=CSV)
    assert upload.status_code == 201
    closed = await api.patch(f"jobs/ingest/{info['id']}", json={"state": "UploadComplete"})
    assert closed.json()["state"] == "UploadComplete"
    app.state.emulator.bulk.wait_idle()
    final: dict[str, Any] = (await api.get(f"jobs/ingest/{info['id']}")).json()
    return final


class TestIngestJob:
    async def test_insert_with_results(self, app: FastAPI, api: httpx.AsyncClient) -> None:
        data = (
            "Name,ERP_Customer_Number__c,NumberOfEmployees\n"
            "Acme,1,10\n,2,20\nBeta,3,x\nGamma,4,#N/A\n"
        )
        job = await run_ingest(app, api, {"object": "Account", "operation": "insert"}, data)
        assert job["state"] == "JobComplete"
        assert (job["numberRecordsProcessed"], job["numberRecordsFailed"]) == (4, 2)
        assert job["jobType"] == "V2Ingest"
        succeeded = await api.get(f"jobs/ingest/{job['id']}/successfulResults/")
        assert succeeded.headers["content-type"].startswith("text/csv")
        good = rows(succeeded.text)
        assert [(row["Name"], row["sf__Created"]) for row in good] == [
            ("Acme", "true"),
            ("Gamma", "true"),
        ]
        assert all(row["sf__Id"].startswith("001") for row in good)
        failed = rows((await api.get(f"jobs/ingest/{job['id']}/failedResults")).text)
        assert [row["sf__Error"].split(":")[0] for row in failed] == [
            "REQUIRED_FIELD_MISSING",
            "JSON_PARSER_ERROR",
        ]
        assert (
            failed[0]["sf__Error"]
            == "REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --"
        )
        assert failed[0]["ERP_Customer_Number__c"] == "2"
        unprocessed = await api.get(f"jobs/ingest/{job['id']}/unprocessedrecords")
        assert unprocessed.text.strip() == "Name,ERP_Customer_Number__c,NumberOfEmployees"

    async def test_upsert_and_lookup_by_external_id(
        self, app: FastAPI, api: httpx.AsyncClient
    ) -> None:
        await api.post(
            "sobjects/Account", json={"Name": "Old", "ERP_Customer_Number__c": "1000001"}
        )
        data = "ERP_Customer_Number__c|Name\n1000001|Renamed\n1000002|New\n"
        job = await run_ingest(
            app,
            api,
            {
                "object": "Account",
                "operation": "upsert",
                "externalIdFieldName": "ERP_Customer_Number__c",
                "columnDelimiter": "PIPE",
            },
            data,
        )
        assert (job["numberRecordsProcessed"], job["numberRecordsFailed"]) == (2, 0)
        results = rows(
            (await api.get(f"jobs/ingest/{job['id']}/successfulResults")).text.replace("|", ",")
        )
        assert [row["sf__Created"] for row in results] == ["false", "true"]
        contacts = "LastName,Account.ERP_Customer_Number__c\r\nDoe,1000002\r\n"
        job = await run_ingest(
            app, api, {"object": "Contact", "operation": "insert", "lineEnding": "CRLF"}, contacts
        )
        assert job["numberRecordsFailed"] == 0
        soql = "SELECT Account.Name FROM Contact WHERE LastName = 'Doe'"
        record = (await api.get("query", params={"q": soql})).json()["records"][0]
        assert record["Account"]["Name"] == "New"

    async def test_update_and_delete(self, app: FastAPI, api: httpx.AsyncClient) -> None:
        first = (await api.post("sobjects/Account", json={"Name": "A"})).json()["id"]
        second = (await api.post("sobjects/Account", json={"Name": "B"})).json()["id"]
        update = f"Id,Phone\n{first},111\n{second},222\n"
        job = await run_ingest(app, api, {"object": "Account", "operation": "update"}, update)
        assert job["numberRecordsFailed"] == 0
        assert (await api.get(f"sobjects/Account/{second}")).json()["Phone"] == "222"
        job = await run_ingest(
            app, api, {"object": "Account", "operation": "delete"}, f"Id\n{first}\n"
        )
        assert job["numberRecordsFailed"] == 0
        deleted = await api.get(f"sobjects/Account/{first}")
        assert deleted.json()[0]["errorCode"] == "ENTITY_IS_DELETED"
        job = await run_ingest(
            app, api, {"object": "Account", "operation": "hardDelete"}, f"Id\n{second}\n"
        )
        assert job["numberRecordsFailed"] == 0
        assert (await api.get(f"sobjects/Account/{second}")).json()[0]["errorCode"] == "NOT_FOUND"

    async def test_unknown_column_fails_the_job(self, app: FastAPI, api: httpx.AsyncClient) -> None:
        job = await run_ingest(
            app, api, {"object": "Account", "operation": "insert"}, "Name,Nope\nA,1\n"
        )
        assert job["state"] == "Failed"
        assert "Nope" in job["errorMessage"]
        unprocessed = rows((await api.get(f"jobs/ingest/{job['id']}/unprocessedRecords")).text)
        assert unprocessed == [{"Name": "A", "Nope": "1"}]

    async def test_upload_only_once(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        job = (
            await api.post("jobs/ingest", json={"object": "Account", "operation": "insert"})
        ).json()
        assert (
            await api.put(f"jobs/ingest/{job['id']}/batches", content=b"Name\nA\n", headers=CSV)
        ).status_code == 201
        again = await api.put(f"jobs/ingest/{job['id']}/batches", content=b"Name\nB\n", headers=CSV)
        item = salesforce_error(again, 400, "INVALIDJOBSTATE")
        assert "only do 'PUT' once" in item["message"]

    async def test_abort_and_delete(self, api: httpx.AsyncClient) -> None:
        job = (
            await api.post("jobs/ingest", json={"object": "Account", "operation": "insert"})
        ).json()
        aborted = await api.patch(f"jobs/ingest/{job['id']}", json={"state": "Aborted"})
        assert aborted.json()["state"] == "Aborted"
        assert (await api.delete(f"jobs/ingest/{job['id']}")).status_code == 204
        assert (await api.get(f"jobs/ingest/{job['id']}")).status_code == 404

    async def test_invalid_jobs(self, api: httpx.AsyncClient, salesforce_error: ErrorCheck) -> None:
        salesforce_error(
            await api.post("jobs/ingest", json={"object": "Nope", "operation": "insert"}),
            400,
            "INVALIDJOB",
        )
        salesforce_error(
            await api.post("jobs/ingest", json={"object": "Account", "operation": "merge"}),
            400,
            "INVALIDJOB",
        )
        response = await api.post(
            "jobs/ingest",
            json={"object": "Account", "operation": "upsert", "externalIdFieldName": "Phone"},
        )
        salesforce_error(response, 400, "INVALIDJOB")
        salesforce_error(await api.get("jobs/ingest/750000000000099AAA"), 404, "NOT_FOUND")


class TestQueryJob:
    async def test_paged_results_with_locator(self, app: FastAPI, api: httpx.AsyncClient) -> None:
        account = (await api.post("sobjects/Account", json={"Name": "Acme, Inc."})).json()["id"]
        for index in range(5):
            await api.post("sobjects/Contact", json={"LastName": f"C{index}", "AccountId": account})
        created = await api.post(
            "jobs/query",
            json={
                "operation": "query",
                "query": "SELECT Id, LastName, Account.Name FROM Contact ORDER BY LastName",
            },
        )
        job = created.json()
        assert (job["state"], job["object"]) == ("UploadComplete", "Contact")
        app.state.emulator.bulk.wait_idle()
        info = (await api.get(f"jobs/query/{job['id']}")).json()
        assert (info["state"], info["numberRecordsProcessed"], info["jobType"]) == (
            "JobComplete",
            5,
            "V2Query",
        )
        first = await api.get(f"jobs/query/{job['id']}/results", params={"maxRecords": 3})
        assert first.headers["sforce-numberofrecords"] == "3"
        locator = first.headers["sforce-locator"]
        assert locator != "null"
        page = rows(first.text)
        assert list(page[0]) == ["Id", "LastName", "Account.Name"]
        assert page[0]["Account.Name"] == "Acme, Inc."
        second = await api.get(
            f"jobs/query/{job['id']}/results", params={"maxRecords": 3, "locator": locator}
        )
        assert second.headers["sforce-locator"] == "null"
        assert [row["LastName"] for row in rows(second.text)] == ["C3", "C4"]

    async def test_query_all_includes_deleted(self, app: FastAPI, api: httpx.AsyncClient) -> None:
        record = (await api.post("sobjects/Account", json={"Name": "Gone"})).json()["id"]
        await api.delete(f"sobjects/Account/{record}")
        job = (
            await api.post(
                "jobs/query",
                json={"operation": "queryAll", "query": "SELECT Id, IsDeleted FROM Account"},
            )
        ).json()
        app.state.emulator.bulk.wait_idle()
        result = await api.get(f"jobs/query/{job['id']}/results")
        assert rows(result.text) == [{"Id": record, "IsDeleted": "true"}]

    async def test_bad_queries(
        self, app: FastAPI, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        salesforce_error(
            await api.post("jobs/query", json={"operation": "query", "query": "SELEC Id"}),
            400,
            "MALFORMED_QUERY",
        )
        subquery = "SELECT Id, (SELECT Id FROM Contacts) FROM Account"
        salesforce_error(
            await api.post("jobs/query", json={"operation": "query", "query": subquery}),
            400,
            "FEATURENOTENABLED",
        )
        job = (
            await api.post(
                "jobs/query", json={"operation": "query", "query": "SELECT Nope FROM Account"}
            )
        ).json()
        app.state.emulator.bulk.wait_idle()
        info = (await api.get(f"jobs/query/{job['id']}")).json()
        assert info["state"] == "Failed"
        assert "INVALID_FIELD" in info["errorMessage"]
