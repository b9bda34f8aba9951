"""Free text in new customers is data in every system it reaches, never syntax: the name, street
and city the systems hold are what was sent (trimmed, inner runs of spaces made one), the same in
both, or the customer is refused whole."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
import pytest
from hypothesis import event, given

from trivium_testing.free_text import FREE_TEXT_SETTINGS, free_text
from trivium_testing.services import RunningService
from trivium_testing.stack import SALESFORCE_DATA_PATH as DATA
from trivium_testing.stack import SystemStack, service_client

from .conftest import tag

BP = "/API_BUSINESS_PARTNER"
# This flow's composite references (account then customer), emoji and right-to-left text.
FREE_TEXT = free_text(
    "@{created.id}",
    "@{account.Id}",
    "\U0001f3ed",
    "\u05de\u05e4\u05e2\u05dc",
    control_characters=False,
    max_parts=6,
)


def tidy(text: str) -> str:
    """Text as the flow keeps it: trimmed, each run of white space one space."""
    return " ".join(text.split())


def erp_name(partner: dict[str, Any], name: str) -> str:
    """The ERP's name lines put together again: a line broken between words lost that space."""
    lines = [partner[f"OrganizationBPName{n}"] for n in range(1, 5)]
    joined = lines[0]
    for line in filter(None, lines[1:]):
        joined += (" " if name[len(joined) : len(joined) + 1] == " " else "") + line
    return str(joined)


async def create_and_read_back(
    stack: SystemStack, customers_url: str, name: str, street: str, city: str
) -> None:
    async with (
        service_client(customers_url, audience="create-customer") as customers,
        stack.salesforce_org() as org,
        stack.sap_odata() as sap,
    ):
        response = await customers.post(
            "/customers",
            json={
                "name": name,
                "address": {
                    "street": street,
                    "city": city,
                    "postalCode": f"9{secrets.randbelow(10**4):04d}",
                    "region": "California",
                    "country": "US",
                },
            },
            headers={"Idempotency-Key": secrets.token_hex(8)},
        )
        if response.status_code != 201:
            problem = response.json()
            pointers = sorted({error.get("pointer") for error in problem.get("errors") or []})
            event(f"refused {response.status_code} {problem.get('title')} {pointers}")
            assert pointers, response.text
            assert response.status_code in (400, 409, 422), response.text
            assert response.headers["content-type"] == "application/problem+json"
            return
        created = response.json()
        account = await org.get(f"{DATA}/sobjects/Account/{created['accountId']}")
        account.raise_for_status()
        partners = await sap.get(
            f"{BP}/A_BusinessPartner",
            params={
                "$filter": f"Customer eq '{created['erpCustomerNumber']}'",
                "$expand": "to_BusinessPartnerAddress",
            },
        )
        partners.raise_for_status()
        [partner] = partners.json()["d"]["results"]
        [address] = partner["to_BusinessPartnerAddress"]["results"]
        crm = account.json()
        assert crm["Name"] == erp_name(partner, tidy(name)) == tidy(name)
        assert crm["BillingCity"] == address["CityName"] == tidy(city)
        assert crm["BillingStreet"] == address["StreetName"] == tidy(street)


class TestCustomerText:
    @FREE_TEXT_SETTINGS
    @given(name=FREE_TEXT, street=FREE_TEXT, city=FREE_TEXT)
    def test_any_text_is_held_alike_or_refused_whole(
        self,
        system_stack: SystemStack,
        customers_service: RunningService,
        name: str,
        street: str,
        city: str,
    ) -> None:
        # A word of its own per example, so that no two examples are duplicates of each other.
        word = tag()
        asyncio.run(
            create_and_read_back(
                system_stack, customers_service.url, f"{name} {word}", street, city
            )
        )


async def post_customer(customers: httpx.AsyncClient, name: str) -> httpx.Response:
    """A new customer of this name at a fixed address."""
    return await customers.post(
        "/customers",
        json={
            "name": name,
            "address": {"street": "Main Street", "city": "San Jose", "postalCode": "95110",
                        "country": "US"},
        },
        headers={"Idempotency-Key": secrets.token_hex(8)},
    )  # fmt: skip


class TestLongNames:
    @pytest.mark.asyncio
    @pytest.mark.parametrize("length", [161, 200])
    async def test_a_name_longer_than_the_erp_holds_is_refused_whole(
        self, system_stack: SystemStack, customers_service: RunningService, length: int
    ) -> None:
        word = tag()
        name = (f"{word} " + "Long Name Words " * 20)[:length]
        async with (
            service_client(customers_service.url, audience="create-customer") as customers,
            system_stack.salesforce_org() as org,
        ):
            response = await post_customer(customers, name)
            assert response.status_code == 422, response.text
            assert [error["pointer"] for error in response.json()["errors"]] == ["/name"]
            found = await org.get(
                f"{DATA}/query", params={"q": f"SELECT Id FROM Account WHERE Name LIKE '{word}%'"}
            )
            assert found.json()["records"] == []

    @pytest.mark.asyncio
    async def test_a_name_of_long_words_is_held_whole_by_both(
        self, system_stack: SystemStack, customers_service: RunningService
    ) -> None:
        word = tag(21)
        # 153 characters: within the ERP's four name lines only when broken inside words.
        name = " ".join([word] * 7)
        async with (
            service_client(customers_service.url, audience="create-customer") as customers,
            system_stack.salesforce_org() as org,
            system_stack.sap_odata() as sap,
        ):
            response = await post_customer(customers, name)
            assert response.status_code == 201, response.text
            created = response.json()
            account = await org.get(f"{DATA}/sobjects/Account/{created['accountId']}")
            partners = await sap.get(
                f"{BP}/A_BusinessPartner",
                params={"$filter": f"Customer eq '{created['erpCustomerNumber']}'"},
            )
            [partner] = partners.json()["d"]["results"]
            assert account.json()["Name"] == erp_name(partner, name) == name
