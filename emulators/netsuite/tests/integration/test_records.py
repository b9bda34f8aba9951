"""The record service: get, list, create, update, upsert, delete, sublists, idempotency."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from netsuite_emulator.emulator import build_emulator
from netsuite_emulator.main import create_app

from ..support import (
    RECORD,
    AccountClock,
    TokenBasedAuth,
    make_settings,
    netsuite_error,
    order_body,
    record_id,
)

pytestmark = pytest.mark.asyncio


class TestGetRecord:
    async def test_customer_by_internal_id(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.get(f"{RECORD}/customer/1")
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == (
            "application/vnd.oracle.resource+json; type=singular-resource"
        )
        customer = response.json()
        assert customer["id"] == "1"
        assert customer["entityId"] == "1000001"
        # No CRM account is linked to a demo customer yet (as in S/4HANA).
        assert "externalId" not in customer
        assert customer["companyName"] == "Nordwind Industrietechnik GmbH"
        assert customer["creditLimit"] == 250000.0
        assert customer["terms"]["refName"] == "Net 30"
        assert customer["itemPricing"] == {
            "links": [{"rel": "self", "href": customer["links"][0]["href"] + "/itemPricing"}]
        }

    async def test_by_external_id(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.get(f"{RECORD}/inventoryItem/eid:MAT-0002")
        assert response.status_code == 200, response.text
        assert response.json()["itemId"] == "MAT-0002"
        assert response.json()["basePrice"] == 82.5

    async def test_expand_sub_resources(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.get(f"{RECORD}/customer/1", params={"expandSubResources": "true"})
        pricing = response.json()["itemPricing"]
        assert pricing["items"] == [{"item": pricing["items"][0]["item"], "price": 40.5}]
        assert pricing["items"][0]["item"]["refName"] == "MAT-0001"

    async def test_item_locations(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.get(f"{RECORD}/inventoryItem/2/locations")
        locations = response.json()["items"]
        assert [line["quantityOnHand"] for line in locations] == [72.0, 41.0]
        assert sum(line["quantityAvailable"] for line in locations) == 113.0

    async def test_fields(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.get(
            f"{RECORD}/customer/2", params={"fields": "companyName,creditLimit"}
        )
        assert set(response.json()) == {"links", "id", "companyName", "creditLimit"}

    async def test_missing_record(self, netsuite: httpx.AsyncClient) -> None:
        netsuite_error(await netsuite.get(f"{RECORD}/customer/99999"), 404, "NONEXISTENT_ID")
        netsuite_error(await netsuite.get(f"{RECORD}/customer/abc"), 404, "NONEXISTENT_ID")
        netsuite_error(await netsuite.get(f"{RECORD}/vendor/1"), 404, "NONEXISTENT_ID")


class TestListRecords:
    async def test_paging(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.get(f"{RECORD}/customer", params={"limit": 20, "offset": 40})
        page = response.json()
        assert response.headers["content-type"].endswith("type=collection")
        assert page["count"] == 10
        assert page["totalResults"] == 50
        assert page["hasMore"] is False
        assert page["offset"] == 40
        assert page["items"][0]["id"] == "41"
        assert {link["rel"] for link in page["links"]} == {"self", "first", "previous"}

    async def test_first_page_links_to_next(self, netsuite: httpx.AsyncClient) -> None:
        page = (await netsuite.get(f"{RECORD}/inventoryItem", params={"limit": 15})).json()
        assert page["hasMore"] is True
        next_link = next(link["href"] for link in page["links"] if link["rel"] == "next")
        assert next_link.endswith("/inventoryItem?limit=15&offset=15")

    async def test_bad_limit(self, netsuite: httpx.AsyncClient) -> None:
        netsuite_error(
            await netsuite.get(f"{RECORD}/customer", params={"limit": 0}), 400, "INVALID_CONTENT"
        )
        netsuite_error(
            await netsuite.get(f"{RECORD}/customer", params={"limit": "x"}), 400, "INVALID_CONTENT"
        )


class TestCreateRecord:
    async def test_customer(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.post(
            f"{RECORD}/customer",
            json={"companyName": "Contoso GmbH", "externalId": "SF-001", "creditLimit": 5000},
        )
        new_id = record_id(response)
        assert response.content == b""
        customer = (await netsuite.get(f"{RECORD}/customer/{new_id}")).json()
        assert customer["companyName"] == "Contoso GmbH"
        # Auto-generated customer numbers: the next after the demo's 1000001..1000050 (or more).
        assert customer["entityId"].isdigit()
        assert int(customer["entityId"]) > 1_000_050
        assert customer["lastModifiedDate"].endswith("Z")

    async def test_idempotency_key(self, netsuite: httpx.AsyncClient) -> None:
        headers = {"X-NetSuite-Idempotency-Key": "1e0f4c3a-0000-4000-8000-000000000001"}
        body = order_body("1")
        first = await netsuite.post(f"{RECORD}/salesOrder", json=body, headers=headers)
        second = await netsuite.post(f"{RECORD}/salesOrder", json=body, headers=headers)
        assert first.headers["location"] == second.headers["location"]
        page = (await netsuite.get(f"{RECORD}/salesOrder")).json()
        assert page["totalResults"] == 13
        other = await netsuite.post(f"{RECORD}/salesOrder", json=order_body("2"), headers=headers)
        netsuite_error(other, 400, "IDEMPOTENCY_ERROR")

    async def test_unknown_field(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.post(f"{RECORD}/customer", json={"companyName": "X", "foo": 1})
        assert netsuite_error(response, 400, "INVALID_CONTENT")["o:errorPath"] == "foo"

    async def test_malformed_json(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.post(
            f"{RECORD}/customer", content=b"{", headers={"content-type": "application/json"}
        )
        netsuite_error(response, 400, "INVALID_CONTENT")

    async def test_bad_line(self, netsuite: httpx.AsyncClient) -> None:
        body = order_body("1", ("2", -1))
        response = await netsuite.post(f"{RECORD}/salesOrder", json=body)
        detail = netsuite_error(response, 400, "INVALID_CONTENT")
        assert detail["o:errorPath"] == "item.items[0].quantity"

    async def test_duplicate_external_id(self, netsuite: httpx.AsyncClient) -> None:
        first = {"companyName": "First", "externalId": "SF-DUP-1"}
        assert (await netsuite.post(f"{RECORD}/customer", json=first)).status_code == 204
        response = await netsuite.post(
            f"{RECORD}/customer", json={"companyName": "Again", "externalId": "SF-DUP-1"}
        )
        netsuite_error(response, 400, "DUP_RCRD")


class TestUpdateRecord:
    async def test_patch_moves_last_modified(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.patch(f"{RECORD}/customer/4", json={"phone": "+49 40 123"})
        assert response.status_code == 204, response.text
        customer = (await netsuite.get(f"{RECORD}/customer/4")).json()
        assert customer["phone"] == "+49 40 123"

    async def test_upsert_creates_then_updates(self, netsuite: httpx.AsyncClient) -> None:
        created = await netsuite.put(
            f"{RECORD}/customer/eid:SF-0042", json={"companyName": "Upsert AG"}
        )
        new_id = record_id(created)
        updated = await netsuite.put(
            f"{RECORD}/customer/eid:SF-0042", json={"companyName": "Upsert AG & Co"}
        )
        assert updated.status_code == 204
        assert "location" not in updated.headers
        customer = (await netsuite.get(f"{RECORD}/customer/eid:SF-0042")).json()
        assert customer["id"] == new_id
        assert customer["companyName"] == "Upsert AG & Co"

    async def test_put_needs_external_id(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.put(f"{RECORD}/customer/4", json={"companyName": "X"})
        netsuite_error(response, 405, "INVALID_REQUEST")


class TestDeleteRecord:
    async def test_customer_without_transactions(self, netsuite: httpx.AsyncClient) -> None:
        assert (await netsuite.delete(f"{RECORD}/customer/5")).status_code == 204
        netsuite_error(await netsuite.get(f"{RECORD}/customer/5"), 404, "NONEXISTENT_ID")

    async def test_customer_with_orders(self, netsuite: httpx.AsyncClient) -> None:
        netsuite_error(await netsuite.delete(f"{RECORD}/customer/1"), 400, "USER_ERROR")


class TestMetadataCatalog:
    async def test_lists_record_types(self, netsuite: httpx.AsyncClient) -> None:
        catalog = (await netsuite.get(f"{RECORD}/metadata-catalog")).json()
        names = {item["name"] for item in catalog["items"]}
        assert names == {"customer", "inventoryItem", "salesOrder", "invoice", "itemFulfillment"}

    async def test_schema(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.get(f"{RECORD}/metadata-catalog/salesOrder")
        assert response.headers["content-type"].startswith("application/schema+json")
        assert "item" in response.json()["properties"]


class TestFilteredList:
    async def test_q(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.get(
            f"{RECORD}/customer", params={"q": 'companyName CONTAIN "fluid" OR id EQUAL 2'}
        )
        page = response.json()
        assert [item["id"] for item in page["items"]] == ["2", "3"]
        assert page["totalResults"] == 2

    async def test_delta_since(self) -> None:
        clock = AccountClock()
        settings = make_settings()
        app = create_app(settings, emulator=build_emulator(settings, clock=clock))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://ns.test", auth=TokenBasedAuth()
        ) as netsuite:
            clock.now += timedelta(hours=1)
            await netsuite.patch(f"{RECORD}/inventoryItem/7", json={"displayName": "Gear Motor"})
            since = clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
            page = (
                await netsuite.get(
                    f"{RECORD}/inventoryItem",
                    params={"q": f'lastModifiedDate ON_OR_AFTER "{since}"', "limit": 5},
                )
            ).json()
        app.state.emulator.close()
        assert [item["id"] for item in page["items"]] == ["7"]
        assert all("q=lastModifiedDate" in link["href"] for link in page["links"])

    async def test_bad_filter(self, netsuite: httpx.AsyncClient) -> None:
        response = await netsuite.get(f"{RECORD}/salesOrder", params={"q": "status IS x"})
        netsuite_error(response, 400, "INVALID_PARAMETER")
