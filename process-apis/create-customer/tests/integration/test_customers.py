"""POST /customers and its status resource against the real System APIs and emulators."""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any

import httpx
import pytest
import redis.asyncio

from trivium_testing.waiting import until

from .conftest import World, create, new_customer, tag, wait_for_request

pytestmark = pytest.mark.asyncio

PROBLEMS = "https://trivium.dev/problems/"
EVENTS = "{create-customer}:events"


def word_of(body: dict[str, Any]) -> str:
    return str(body["name"]).split()[0]


class TestCreateCustomer:
    async def test_created_once_in_both_systems_linked_and_announced(
        self, customers: httpx.AsyncClient, world: World, events: redis.asyncio.Redis
    ) -> None:
        body = new_customer()
        word = word_of(body)
        response = await create(customers, body)
        assert response.status_code == 201, response.text
        created = response.json()
        assert response.headers["location"] == f"/customers/requests/{created['requestId']}"
        assert (created["status"], created["accountCreated"], created["erpCustomerCreated"]) == (
            "completed",
            True,
            True,
        )
        [account] = await world.accounts_named(word)
        [partner] = await world.partners_named(word)
        assert account["Id"] == created["accountId"]
        assert (
            account["ERP_Customer_Number__c"] == partner["Customer"] == created["erpCustomerNumber"]
        )
        assert partner["BusinessPartnerIDByExtSystem"] == account["Id"]
        assert account["Name"] == partner["OrganizationBPName1"] == f"{word} Manufacturing Ltd"
        # The systems disagree on regions: the CRM keeps the state's name, the ERP its code.
        [address] = partner["to_BusinessPartnerAddress"]["results"]
        assert (account["BillingState"], address["Region"]) == ("California", "CA")
        assert (account["BillingCountry"], address["Country"]) == ("United States", "US")
        assert account["Phone"] == "+14085550100"
        assert address["to_PhoneNumber"]["results"][0]["PhoneNumber"] == "+14085550100"
        assert account["Website"] == f"https://www.{word.lower()}.example"
        assert account["Industry"] == "Manufacturing"
        roles = {
            role["BusinessPartnerRole"] for role in partner["to_BusinessPartnerRole"]["results"]
        }
        assert roles >= {"FLCU00", "FLCU01"}
        assert partner["to_Customer"]["to_CustomerSalesArea"]["results"]
        entries = await events.xrange(EVENTS)
        mine = [
            fields for _, fields in entries if fields[b"requestId"].decode() == created["requestId"]
        ]
        assert [fields[b"type"] for fields in mine] == [b"customer.created"]
        assert json.loads(mine[0][b"data"])["erpCustomerNumber"] == partner["Customer"]

    async def test_status_resource_shows_the_request(self, customers: httpx.AsyncClient) -> None:
        created = (await create(customers, new_customer())).json()
        read = await customers.get(f"/customers/requests/{created['requestId']}")
        assert read.status_code == 200
        assert read.json() == created
        missing = await customers.get("/customers/requests/01J00000000000000000000000")
        assert missing.status_code == 404
        assert missing.json()["type"] == PROBLEMS + "customer-request-not-found"


class TestDuplicates:
    async def test_in_salesforce_only_is_409_naming_the_account(
        self, customers: httpx.AsyncClient, world: World
    ) -> None:
        body = new_customer(website=None)
        word = word_of(body)
        existing = await world.insert_account(
            {
                "Name": f"{word.upper()} MANUFACTURING, LTD.",
                "BillingPostalCode": body["address"]["postalCode"],
            }
        )
        response = await create(customers, body)
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["type"] == PROBLEMS + "duplicate-customer"
        assert (problem["accountIds"], problem["erpCustomerNumbers"]) == ([existing], [])
        assert problem["duplicates"][0]["matchedOn"] == ["nameAndPostalCode"]
        assert await world.partners_named(word) == []

    async def test_in_the_erp_only_is_409_naming_the_customer(
        self, customers: httpx.AsyncClient, world: World
    ) -> None:
        vat_id = f"DE{secrets.randbelow(10**9):09d}"
        existing = await world.erp_customer(
            {
                "name": f"Other {tag()} GmbH",
                "address": {"street": "Hafenstr. 1", "city": "Hamburg", "country": "DE"},
                "vatId": vat_id,
            }
        )
        body = new_customer(vatId=f"de {vat_id[2:5]}.{vat_id[5:]}")
        response = await create(customers, body)
        assert response.status_code == 409, response.text
        problem = response.json()
        assert (problem["accountIds"], problem["erpCustomerNumbers"]) == ([], [existing["id"]])
        assert problem["duplicates"][0]["matchedOn"] == ["vatId"]
        assert await world.accounts_named(word_of(body)) == []

    async def test_in_both_is_409_naming_both(
        self, customers: httpx.AsyncClient, world: World
    ) -> None:
        body = new_customer()
        word = word_of(body)
        first = (await create(customers, body)).json()
        again = new_customer(name=f"{word} manufacturing", website=f"https://shop.{word}.example")
        again["address"]["postalCode"] = body["address"]["postalCode"]
        response = await create(customers, again)
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["accountIds"] == [first["accountId"]]
        assert problem["erpCustomerNumbers"] == [first["erpCustomerNumber"]]
        assert {d["system"]: d["linkedId"] for d in problem["duplicates"]} == {
            "salesforce": first["erpCustomerNumber"],
            "erp": first["accountId"],
        }
        assert len(await world.accounts_named(word)) == 1

    async def test_link_to_an_account_creates_only_the_erp_customer(
        self, customers: httpx.AsyncClient, world: World
    ) -> None:
        body = new_customer()
        word = word_of(body)
        existing = await world.insert_account(
            {"Name": f"{word} Manufacturing", "Website": f"http://{word}.example/"}
        )
        response = await create(customers, body, onDuplicate="link")
        assert response.status_code == 201, response.text
        linked = response.json()
        assert (linked["accountId"], linked["accountCreated"], linked["erpCustomerCreated"]) == (
            existing,
            False,
            True,
        )
        [account] = await world.accounts_named(word)
        [partner] = await world.partners_named(word)
        assert account["ERP_Customer_Number__c"] == partner["Customer"]
        assert partner["BusinessPartnerIDByExtSystem"] == existing

    async def test_link_to_records_linked_to_each_other_creates_nothing(
        self, customers: httpx.AsyncClient, world: World
    ) -> None:
        body = new_customer()
        first = (await create(customers, body)).json()
        response = await create(customers, body, onDuplicate="link")
        assert response.status_code == 200, response.text
        linked = response.json()
        assert (linked["accountId"], linked["erpCustomerNumber"]) == (
            first["accountId"],
            first["erpCustomerNumber"],
        )
        assert (linked["accountCreated"], linked["erpCustomerCreated"]) == (False, False)


class TestErpOutage:
    async def test_erp_down_after_salesforce_completes_once_when_back(
        self, customers: httpx.AsyncClient, world: World, system_stack: Any
    ) -> None:
        body = new_customer()
        word = word_of(body)
        async with system_stack.s4_admin() as s4_admin:
            # Reads (the duplicate check) still work; every write to the ERP answers 503.
            chaos = {"errorRate": 1.0, "methods": ["POST", "PATCH", "PUT", "MERGE"]}
            (await s4_admin.put("/chaos", json=chaos)).raise_for_status()
            response = await create(customers, body)
            assert response.status_code == 202, response.text
            accepted = response.json()
            assert response.headers["location"] == f"/customers/requests/{accepted['requestId']}"
            assert (accepted["status"], accepted["step"]) == ("pending", "account_ready")
            assert accepted["lastError"]["type"] == PROBLEMS + "erp-unavailable"
            [account] = await world.accounts_named(word)
            assert account["ERP_Customer_Number__c"] is None

            async def retried() -> bool:
                request = (await customers.get(response.headers["location"])).json()
                return bool(request["attempts"] >= 3)

            await until(retried, what="three attempts of the request")
            (await s4_admin.delete("/chaos")).raise_for_status()
        done = await wait_for_request(customers, accepted["requestId"], until="completed")
        assert done["accountId"] == account["Id"]
        [partner] = await world.partners_named(word)
        [account] = await world.accounts_named(word)
        assert account["ERP_Customer_Number__c"] == partner["Customer"] == done["erpCustomerNumber"]
        assert partner["BusinessPartnerIDByExtSystem"] == account["Id"]


class TestIdempotency:
    async def test_one_key_sent_twenty_times_at_once_makes_one_customer(
        self, customers: httpx.AsyncClient, world: World
    ) -> None:
        body = new_customer()
        word = word_of(body)
        key = secrets.token_hex(12)
        responses = await asyncio.gather(*(create(customers, body, key=key) for _ in range(20)))
        assert {r.status_code for r in responses} == {201}, [r.text for r in responses]
        assert len({r.json()["requestId"] for r in responses}) == 1
        assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 19
        assert len(await world.accounts_named(word)) == 1
        assert len(await world.partners_named(word)) == 1


def _bad(**changes: Any) -> dict[str, Any]:
    body = new_customer()
    address = changes.pop("address", None)
    if address is not None:
        body["address"] = {**body["address"], **address}
    body.update(changes)
    return body


BAD_INPUTS = {
    "blank name": (_bad(name="   "), "/name"),
    "unknown country": (_bad(address={"country": "Atlantis"}), "/address/country"),
    "region of another country": (_bad(address={"region": "Bavaria"}), "/address/region"),
    "blank street": (_bad(address={"street": " "}), "/address/street"),
    "postal code with symbols": (_bad(address={"postalCode": "95#10"}), "/address/postalCode"),
    "phone too short": (_bad(phone="555"), "/phone"),
    "e-mail without domain": (_bad(email="ap@"), "/email"),
    "website that is no host": (_bad(website="http://localhost"), "/website"),
    "unknown industry": (_bad(industry="Alchemy"), "/industry"),
    "VAT id without country": (_bad(vatId="123456789"), "/vatId"),
    "missing city": (
        {**new_customer(), "address": {"street": "x", "country": "US"}},
        "/address/city",
    ),
    "unknown field": (_bad(nickname="Acme"), "/nickname"),
    "name too long": (_bad(name="x" * 201), "/name"),
}


class TestBadInput:
    @pytest.mark.parametrize("case", list(BAD_INPUTS))
    async def test_is_422_naming_the_field_and_creates_nothing(
        self, case: str, customers: httpx.AsyncClient, world: World
    ) -> None:
        body, pointer = BAD_INPUTS[case]
        response = await create(customers, body)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert pointer in [error["pointer"] for error in response.json()["errors"]]
        word = str(body["name"]).split()[0] if str(body["name"]).strip() else tag()
        assert await world.accounts_named(word[:40]) == []

    async def test_every_bad_field_is_named_at_once(self, customers: httpx.AsyncClient) -> None:
        body = _bad(phone="555", email="nope", vatId="XX1", address={"country": "Narnia"})
        response = await create(customers, body)
        pointers = {error["pointer"] for error in response.json()["errors"]}
        assert pointers == {"/phone", "/email", "/vatId", "/address/country"}

    async def test_unknown_on_duplicate_is_422(self, customers: httpx.AsyncClient) -> None:
        response = await create(customers, new_customer(), onDuplicate="merge")
        assert response.status_code == 422
        assert response.json()["errors"][0]["pointer"] == "onDuplicate"
