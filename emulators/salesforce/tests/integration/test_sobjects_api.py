from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.asyncio

ErrorCheck = Callable[..., dict[str, Any]]


async def create(api: httpx.AsyncClient, sobject: str, body: dict[str, Any]) -> str:
    response = await api.post(f"sobjects/{sobject}/", json=body)
    assert response.status_code == 201, response.text
    record_id: str = response.json()["id"]
    return record_id


class TestCreate:
    async def test_answers_201_with_id_and_location(self, api: httpx.AsyncClient) -> None:
        response = await api.post("sobjects/Account/", json={"Name": "Acme GmbH"})
        assert response.status_code == 201
        body = response.json()
        assert body == {"id": body["id"], "success": True, "errors": []}
        assert body["id"].startswith("001")
        assert len(body["id"]) == 18
        assert response.headers["location"] == f"/services/data/v62.0/sobjects/Account/{body['id']}"

    async def test_malformed_json(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        response = await api.post(
            "sobjects/Account", content=b'{"Name": ', headers={"Content-Type": "application/json"}
        )
        salesforce_error(response, 400, "JSON_PARSER_ERROR")

    @pytest.mark.parametrize(
        ("sobject", "body", "status", "error_code", "fields"),
        [
            pytest.param("Account", [1], 400, "JSON_PARSER_ERROR", None, id="not-an-object"),
            pytest.param(
                "Account",
                {"Name": "A", "NumberOfEmployees": "x"},
                400,
                "JSON_PARSER_ERROR",
                None,
                id="field-of-the-wrong-type",
            ),
            pytest.param(
                "Account",
                {"Name": "A", "CreatedDate": "2024-01-01"},
                400,
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                ["CreatedDate"],
                id="read-only-field",
            ),
            pytest.param(
                "Account", {"Name": "A" * 256}, 400, "STRING_TOO_LONG", ["Name"], id="too-long"
            ),
            pytest.param(
                "Opportunity",
                {"Name": "D", "StageName": "Dreaming", "CloseDate": "2030-01-01"},
                400,
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                ["StageName"],
                id="restricted-picklist",
            ),
            pytest.param(
                "Contact",
                {"LastName": "D", "AccountId": "12345"},
                400,
                "MALFORMED_ID",
                ["AccountId"],
                id="malformed-lookup",
            ),
            pytest.param(
                "Contact",
                {"LastName": "D", "AccountId": "001000000000999AAA"},
                400,
                "INVALID_CROSS_REFERENCE_KEY",
                ["AccountId"],
                id="lookup-to-nothing",
            ),
            pytest.param("Widget__c", {}, 404, "NOT_FOUND", None, id="unknown-sobject"),
        ],
    )
    async def test_refused(
        self,
        api: httpx.AsyncClient,
        salesforce_error: ErrorCheck,
        sobject: str,
        body: Any,
        status: int,
        error_code: str,
        fields: list[str] | None,
    ) -> None:
        response = await api.post(f"sobjects/{sobject}", json=body)
        salesforce_error(response, status, error_code, fields=fields)

    async def test_required_fields_missing(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        response = await api.post("sobjects/Opportunity", json={"Name": "Deal"})
        item = salesforce_error(
            response, 400, "REQUIRED_FIELD_MISSING", fields=["StageName", "CloseDate"]
        )
        assert item["message"] == "Required fields are missing: [StageName, CloseDate]"

    async def test_unknown_field(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        response = await api.post("sobjects/Account", json={"Name": "A", "Colour__c": "red"})
        item = salesforce_error(response, 400, "INVALID_FIELD")
        assert item["message"] == "No such column 'Colour__c' on sobject of type Account"

    async def test_duplicate_unique_value(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        first = await create(api, "Account", {"Name": "A", "ERP_Customer_Number__c": "1000001"})
        response = await api.post(
            "sobjects/Account", json={"Name": "B", "ERP_Customer_Number__c": "1000001"}
        )
        item = salesforce_error(response, 400, "DUPLICATE_VALUE", fields=["ERP_Customer_Number__c"])
        assert first in item["message"]


class TestGet:
    async def test_record_with_attributes(self, api: httpx.AsyncClient) -> None:
        record_id = await create(api, "Account", {"Name": "Acme", "BillingCity": "Berlin"})
        response = await api.get(f"sobjects/Account/{record_id}")
        assert response.status_code == 200
        body = response.json()
        assert next(iter(body)) == "attributes"
        assert body["attributes"] == {
            "type": "Account",
            "url": f"/services/data/v62.0/sobjects/Account/{record_id}",
        }
        assert body["Id"] == record_id
        assert body["IsDeleted"] is False
        assert body["BillingAddress"]["city"] == "Berlin"
        assert body["Phone"] is None

    async def test_selected_fields_and_15_character_id(self, api: httpx.AsyncClient) -> None:
        record_id = await create(api, "Account", {"Name": "Acme"})
        response = await api.get(f"sobjects/Account/{record_id[:15]}", params={"fields": "Name"})
        assert response.json() == {
            "attributes": {
                "type": "Account",
                "url": f"/services/data/v62.0/sobjects/Account/{record_id}",
            },
            "Name": "Acme",
        }

    async def test_unknown_id(self, api: httpx.AsyncClient, salesforce_error: ErrorCheck) -> None:
        salesforce_error(await api.get("sobjects/Account/001000000000999AAA"), 404, "NOT_FOUND")

    async def test_unknown_field_in_field_list(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        record_id = await create(api, "Account", {"Name": "Acme"})
        response = await api.get(f"sobjects/Account/{record_id}", params={"fields": "Nope"})
        salesforce_error(response, 400, "INVALID_FIELD")


class TestUpdate:
    async def test_answers_204(self, api: httpx.AsyncClient) -> None:
        record_id = await create(api, "Account", {"Name": "Acme"})
        response = await api.patch(f"sobjects/Account/{record_id}", json={"Phone": "+49 30 1"})
        assert response.status_code == 204
        assert response.content == b""
        assert (await api.get(f"sobjects/Account/{record_id}")).json()["Phone"] == "+49 30 1"

    async def test_deleted_record(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        record_id = await create(api, "Account", {"Name": "Acme"})
        assert (await api.delete(f"sobjects/Account/{record_id}")).status_code == 204
        response = await api.patch(f"sobjects/Account/{record_id}", json={"Phone": "1"})
        salesforce_error(response, 404, "ENTITY_IS_DELETED")

    async def test_required_field_set_to_null(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        record_id = await create(api, "Account", {"Name": "Acme"})
        response = await api.patch(f"sobjects/Account/{record_id}", json={"Name": None})
        salesforce_error(response, 400, "REQUIRED_FIELD_MISSING", fields=["Name"])


class TestDelete:
    async def test_second_delete_is_entity_is_deleted(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        record_id = await create(api, "Account", {"Name": "Acme"})
        assert (await api.delete(f"sobjects/Account/{record_id}")).status_code == 204
        item = salesforce_error(
            await api.delete(f"sobjects/Account/{record_id}"), 404, "ENTITY_IS_DELETED"
        )
        assert item["message"] == "entity is deleted"
        salesforce_error(await api.get(f"sobjects/Account/{record_id}"), 404, "ENTITY_IS_DELETED")


class TestUpsert:
    async def test_creates_then_updates(self, api: httpx.AsyncClient) -> None:
        url = "sobjects/Account/ERP_Customer_Number__c/1000009"
        created = await api.patch(url, json={"Name": "Acme"})
        assert created.status_code == 201
        assert created.json()["created"] is True
        updated = await api.patch(url, json={"Name": "Acme AG"})
        assert updated.status_code == 200
        assert updated.json() == {
            "id": created.json()["id"],
            "success": True,
            "errors": [],
            "created": False,
        }
        fetched = (await api.get(url)).json()
        assert fetched["Name"] == "Acme AG"
        assert fetched["ERP_Customer_Number__c"] == "1000009"

    async def test_old_versions_answer_204_on_update(self, api: httpx.AsyncClient) -> None:
        url = "http://test/services/data/v45.0/sobjects/Account/ERP_Customer_Number__c/1000010"
        assert (await api.patch(url, json={"Name": "Acme"})).status_code == 201
        assert (await api.patch(url, json={"Name": "Acme AG"})).status_code == 204

    async def test_value_with_a_slash(self, api: httpx.AsyncClient) -> None:
        response = await api.patch(
            "sobjects/Product2/ERP_Material__c/MAT%2F0001", json={"Name": "Pump"}
        )
        assert response.status_code == 201
        fetched = await api.get(f"sobjects/Product2/{response.json()['id']}")
        assert fetched.json()["ERP_Material__c"] == "MAT/0001"

    async def test_field_is_not_an_external_id(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        response = await api.patch("sobjects/Account/Phone/123", json={"Name": "A"})
        item = salesforce_error(response, 404, "NOT_FOUND")
        assert "Phone" in item["message"]

    async def test_update_only_without_match(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        response = await api.patch(
            "sobjects/Account/ERP_Customer_Number__c/42",
            params={"updateOnly": "true"},
            json={"Name": "A"},
        )
        salesforce_error(response, 404, "NOT_FOUND")

    async def test_post_to_id_field_inserts(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        response = await api.post("sobjects/Account/Id", json={"Name": "Acme"})
        assert response.status_code == 201
        assert response.json()["created"] is True
        salesforce_error(
            await api.patch("sobjects/Account/Id", json={"Name": "A"}), 405, "METHOD_NOT_ALLOWED"
        )


class TestDescribe:
    async def test_field_metadata(self, api: httpx.AsyncClient) -> None:
        body = (await api.get("sobjects/Account/describe")).json()
        assert body["name"] == "Account"
        assert body["keyPrefix"] == "001"
        fields = {item["name"]: item for item in body["fields"]}
        erp = fields["ERP_Customer_Number__c"]
        assert (erp["externalId"], erp["unique"], erp["custom"], erp["length"]) == (
            True,
            True,
            True,
            20,
        )
        assert fields["Name"]["nillable"] is False
        assert fields["Id"]["createable"] is False
        assert fields["ParentId"]["referenceTo"] == ["Account"]
        assert {
            "childSObject": "Contact",
            "field": "AccountId",
            "relationshipName": "Contacts",
        }.items() <= next(
            item for item in body["childRelationships"] if item["relationshipName"] == "Contacts"
        ).items()

    async def test_picklist_values(self, api: httpx.AsyncClient) -> None:
        body = (await api.get("sobjects/Opportunity/describe")).json()
        stage = next(item for item in body["fields"] if item["name"] == "StageName")
        assert stage["restrictedPicklist"] is True
        assert "Closed Won" in [value["value"] for value in stage["picklistValues"]]

    async def test_describe_global(self, api: httpx.AsyncClient) -> None:
        body = (await api.get("sobjects")).json()
        prefixes = {item["name"]: item["keyPrefix"] for item in body["sobjects"]}
        assert {
            "Account": "001",
            "Contact": "003",
            "Opportunity": "006",
            "Quote": "0Q0",
            "QuoteLineItem": "0QL",
            "Product2": "01t",
            "Pricebook2": "01s",
            "PricebookEntry": "01u",
            "Order": "801",
            "OrderItem": "802",
        }.items() <= prefixes.items()


class TestVersions:
    async def test_versions_need_no_session(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/services/data/")
        assert response.status_code == 200
        assert response.json()[-1] == {
            "label": "Winter '25",
            "url": "/services/data/v62.0",
            "version": "62.0",
        }
        assert "sforce-limit-info" not in response.headers

    async def test_unknown_version(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        salesforce_error(
            await api.get("http://test/services/data/v99.0/sobjects"), 404, "NOT_FOUND"
        )

    async def test_resources_of_a_version(self, api: httpx.AsyncClient) -> None:
        body = (await api.get("http://test/services/data/v59.0/")).json()
        assert body["sobjects"] == "/services/data/v59.0/sobjects"
        assert body["query"] == "/services/data/v59.0/query"


class TestAmbiguousExternalId:
    async def test_several_matches_answer_300(self, api: httpx.AsyncClient) -> None:
        first = await create(api, "Contact", {"LastName": "A", "ERP_Contact_Number__c": "K-1"})
        second = await create(api, "Contact", {"LastName": "B", "ERP_Contact_Number__c": "k-1"})
        expected = [
            f"/services/data/v62.0/sobjects/Contact/{first}",
            f"/services/data/v62.0/sobjects/Contact/{second}",
        ]
        upsert = await api.patch("sobjects/Contact/ERP_Contact_Number__c/K-1", json={"Title": "x"})
        assert (upsert.status_code, upsert.json()) == (300, expected)
        fetched = await api.get("sobjects/Contact/ERP_Contact_Number__c/K-1")
        assert (fetched.status_code, fetched.json()) == (300, expected)

    async def test_collection_item_error(self, api: httpx.AsyncClient) -> None:
        for name in ("A", "B"):
            await create(api, "Contact", {"LastName": name, "ERP_Contact_Number__c": "K-2"})
        response = await api.patch(
            "composite/sobjects/Contact/ERP_Contact_Number__c",
            json={"records": [{"attributes": {"type": "Contact"}, "ERP_Contact_Number__c": "K-2"}]},
        )
        assert response.json()[0]["errors"][0]["statusCode"] == "DUPLICATE_EXTERNAL_ID"


class TestHostileBodies:
    async def test_deep_nesting(self, api: httpx.AsyncClient, salesforce_error: ErrorCheck) -> None:
        body = b"[" * 100_000 + b"]" * 100_000
        response = await api.post(
            "sobjects/Account", content=body, headers={"Content-Type": "application/json"}
        )
        salesforce_error(response, 400, "JSON_PARSER_ERROR")

    async def test_invalid_utf8(self, api: httpx.AsyncClient, salesforce_error: ErrorCheck) -> None:
        response = await api.post(
            "sobjects/Account",
            content=b'{"Name": "\xff"}',
            headers={"Content-Type": "application/json"},
        )
        salesforce_error(response, 400, "JSON_PARSER_ERROR")

    async def test_object_where_a_value_belongs(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        response = await api.post("sobjects/Account", json={"Name": {"first": "A"}})
        salesforce_error(response, 400, "JSON_PARSER_ERROR")

    async def test_infinite_number(
        self, api: httpx.AsyncClient, salesforce_error: ErrorCheck
    ) -> None:
        response = await api.post(
            "sobjects/Account",
            content=b'{"Name": "A", "AnnualRevenue": 1e999}',
            headers={"Content-Type": "application/json"},
        )
        salesforce_error(response, 400, "JSON_PARSER_ERROR")


class TestReplication:
    async def test_deleted_and_updated_windows(self, api: httpx.AsyncClient) -> None:
        kept = await create(api, "Account", {"Name": "Kept"})
        gone = await create(api, "Account", {"Name": "Gone"})
        await api.delete(f"sobjects/Account/{gone}")
        window = {"start": "2000-01-01T00:00:00+00:00", "end": "2100-01-01T00:00:00+00:00"}
        deleted = (await api.get("sobjects/Account/deleted/", params=window)).json()
        assert [item["id"] for item in deleted["deletedRecords"]] == [gone]
        updated = (await api.get("sobjects/Account/updated/", params=window)).json()
        assert updated["ids"] == [kept]
