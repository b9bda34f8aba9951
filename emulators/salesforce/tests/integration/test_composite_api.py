from __future__ import annotations

from typing import Any

import httpx
import pytest

from .subrequests import sub

pytestmark = pytest.mark.asyncio


async def composite(
    api: httpx.AsyncClient, *subrequests: dict[str, Any], all_or_none: bool | None = None
) -> httpx.Response:
    """`POST composite` of the subrequests, `allOrNone` set when given."""
    flags = {} if all_or_none is None else {"allOrNone": all_or_none}
    return await api.post("composite", json={**flags, "compositeRequest": list(subrequests)})


async def account_count(api: httpx.AsyncClient) -> int:
    """How many accounts the org holds."""
    count = await api.get("query", params={"q": "SELECT COUNT() FROM Account"})
    total: int = count.json()["totalSize"]
    return total


class TestComposite:
    async def test_references_earlier_results(self, api: httpx.AsyncClient) -> None:
        response = await composite(
            api,
            sub("POST", "/sobjects/Account", "acct", {"Name": "Acme"}),
            sub(
                "POST", "/sobjects/Contact", "cont", {"LastName": "Doe", "AccountId": "@{acct.id}"}
            ),
            sub("GET", "/query?q=SELECT+Id+FROM+Pricebook2+WHERE+IsStandard=true", "pb"),
            sub(
                "PATCH",
                "/sobjects/Account/@{acct.id}",
                "upd",
                {"Description": "@{pb.records[0].Id}"},
            ),
            sub("GET", "/sobjects/Contact/@{cont.id}?fields=AccountId", "read"),
            all_or_none=True,
        )
        assert response.status_code == 200
        results = {item["referenceId"]: item for item in response.json()["compositeResponse"]}
        assert [item["httpStatusCode"] for item in results.values()] == [201, 201, 200, 204, 200]
        account_id = results["acct"]["body"]["id"]
        assert results["acct"]["httpHeaders"]["Location"].endswith(account_id)
        assert results["read"]["body"]["AccountId"] == account_id
        account = (await api.get(f"sobjects/Account/{account_id}")).json()
        assert account["Description"] == results["pb"]["body"]["records"][0]["Id"]

    async def test_all_or_none_rolls_everything_back(self, api: httpx.AsyncClient) -> None:
        response = await composite(
            api,
            sub("POST", "/sobjects/Account", "acct", {"Name": "Rolled back"}),
            sub("POST", "/sobjects/Contact", "cont", {"AccountId": "@{acct.id}"}),
            sub("GET", "/sobjects/Account/@{acct.id}", "never"),
            all_or_none=True,
        )
        items = response.json()["compositeResponse"]
        assert [item["httpStatusCode"] for item in items] == [400, 400, 400]
        assert [item["body"][0]["errorCode"] for item in items] == [
            "PROCESSING_HALTED",
            "REQUIRED_FIELD_MISSING",
            "PROCESSING_HALTED",
        ]
        assert await account_count(api) == 0

    async def test_without_all_or_none_successes_stay(self, api: httpx.AsyncClient) -> None:
        response = await composite(
            api,
            sub("POST", "/sobjects/Contact", "bad", {"FirstName": "No last name"}),
            sub("POST", "/sobjects/Account", "good", {"Name": "Kept"}),
            sub("PATCH", "/sobjects/Contact/@{bad.id}", "dependent", {"Title": "x"}),
        )
        items = {item["referenceId"]: item for item in response.json()["compositeResponse"]}
        assert items["good"]["httpStatusCode"] == 201
        assert items["dependent"]["body"][0]["errorCode"] == "PROCESSING_HALTED"
        assert "No value for bad.id" in items["dependent"]["body"][0]["message"]
        assert await account_count(api) == 1

    async def test_counts_as_one_api_call(self, api: httpx.AsyncClient) -> None:
        response = await composite(
            api,
            *(
                sub("POST", "/sobjects/Account", f"a{index}", {"Name": f"A{index}"})
                for index in range(5)
            ),
        )
        assert response.headers["sforce-limit-info"] == "api-usage=1/100000"

    async def test_too_many_subrequests(self, api: httpx.AsyncClient) -> None:
        requests = [sub("GET", "/limits", f"r{index}") for index in range(26)]
        response = await composite(api, *requests)
        assert response.status_code == 400
        assert isinstance(response.json(), list)

    async def test_malformed_body(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            "composite", content=b"{", headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400
        assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"


class TestBatch:
    async def test_independent_subrequests(self, api: httpx.AsyncClient) -> None:
        account = (await api.post("sobjects/Account", json={"Name": "Old"})).json()["id"]
        response = await api.post(
            "composite/batch",
            json={
                "batchRequests": [
                    {
                        "method": "PATCH",
                        "url": f"v62.0/sobjects/Account/{account}",
                        "richInput": {"Name": "New"},
                    },
                    {"method": "GET", "url": f"v62.0/sobjects/Account/{account}?fields=Name"},
                    {"method": "GET", "url": "v62.0/sobjects/Account/001000000000999AAA"},
                ]
            },
        )
        body = response.json()
        assert body["hasErrors"] is True
        assert [result["statusCode"] for result in body["results"]] == [204, 200, 404]
        assert body["results"][1]["result"]["Name"] == "New"


class TestCollections:
    async def test_create_mixed_types(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            "composite/sobjects",
            json={
                "records": [
                    {"attributes": {"type": "Account"}, "Name": "A1"},
                    {"attributes": {"type": "Contact"}, "FirstName": "No last name"},
                    {"attributes": {"type": "Contact"}, "LastName": "Doe"},
                ]
            },
        )
        first, second, third = response.json()
        assert first["success"] is True
        assert first["id"].startswith("001")
        assert second == {
            "success": False,
            "errors": [
                {
                    "statusCode": "REQUIRED_FIELD_MISSING",
                    "message": "Required fields are missing: [LastName]",
                    "fields": ["LastName"],
                }
            ],
        }
        assert third["id"].startswith("003")

    async def test_all_or_none(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            "composite/sobjects",
            json={
                "allOrNone": True,
                "records": [
                    {"attributes": {"type": "Account"}, "Name": "A1"},
                    {"attributes": {"type": "Account"}},
                ],
            },
        )
        first, second = response.json()
        assert first["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
        assert second["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
        assert await account_count(api) == 0

    async def test_update_retrieve_delete(self, api: httpx.AsyncClient) -> None:
        created = await api.post(
            "composite/sobjects",
            json={
                "records": [{"attributes": {"type": "Account"}, "Name": f"A{i}"} for i in range(2)]
            },
        )
        ids = [item["id"] for item in created.json()]
        updated = await api.patch(
            "composite/sobjects",
            json={
                "records": [
                    {"attributes": {"type": "Account"}, "id": record_id, "Phone": "1"}
                    for record_id in ids
                ]
            },
        )
        assert [item["success"] for item in updated.json()] == [True, True]
        fetched = await api.get(
            "composite/sobjects/Account",
            params={"ids": ",".join([*ids, "001000000000999AAA"]), "fields": "Id,Phone"},
        )
        body = fetched.json()
        assert [record["Phone"] for record in body[:2]] == ["1", "1"]
        assert body[2] is None
        deleted = await api.delete("composite/sobjects", params={"ids": ",".join(ids)})
        assert [item["success"] for item in deleted.json()] == [True, True]
        again = await api.delete("composite/sobjects", params={"ids": ids[0]})
        assert again.json()[0]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"

    async def test_upsert_by_external_id(self, api: httpx.AsyncClient) -> None:
        await api.post("sobjects/Product2", json={"Name": "Pump", "ERP_Material__c": "MAT-0001"})
        response = await api.patch(
            "composite/sobjects/Product2/ERP_Material__c",
            json={
                "records": [
                    {
                        "attributes": {"type": "Product2"},
                        "ERP_Material__c": "MAT-0001",
                        "Available_Quantity__c": 5,
                    },
                    {
                        "attributes": {"type": "Product2"},
                        "ERP_Material__c": "MAT-0002",
                        "Name": "Valve",
                    },
                ]
            },
        )
        first, second = response.json()
        assert (first["created"], second["created"]) == (False, True)
        product = (await api.get("sobjects/Product2/ERP_Material__c/MAT-0001")).json()
        assert product["Available_Quantity__c"] == 5.0

    async def test_more_than_200_records(self, api: httpx.AsyncClient) -> None:
        records = [{"attributes": {"type": "Account"}, "Name": "x"}] * 201
        response = await api.post("composite/sobjects", json={"records": records})
        assert response.status_code == 400
        assert response.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
