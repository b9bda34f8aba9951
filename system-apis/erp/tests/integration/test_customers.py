"""Customers and credit against the running S/4HANA emulator."""

from __future__ import annotations

import secrets
from decimal import Decimal

import httpx
import pytest

from .conftest import exposure_row, sap_rows

pytestmark = pytest.mark.asyncio

ADDRESS = {"street": "Speicherstadt 5", "city": "Hamburg", "postalCode": "20457", "country": "DE"}


def external_id() -> str:
    return f"001IT{secrets.token_hex(6).upper()}"


class TestCreateCustomer:
    async def test_created_as_partner_with_customer_role_address_and_sales_area(
        self, erp: httpx.AsyncClient, sap: httpx.AsyncClient
    ) -> None:
        account = external_id()
        body = {"name": "Hanse Kontor Logistik GmbH", "externalId": account, "address": ADDRESS}
        response = await erp.post("/customers", json=body)
        assert response.status_code == 201
        created = response.json()
        assert response.headers["location"] == f"/customers/{created['id']}"
        assert created["salesAreas"] == [
            {
                "salesOrganization": "1010",
                "distributionChannel": "10",
                "division": "00",
                "currency": "EUR",
                "paymentTerms": "0001",
                "orderBlocked": False,
            }
        ]
        stored = await sap_rows(
            sap,
            "API_BUSINESS_PARTNER/A_BusinessPartner",
            **{"$filter": f"BusinessPartnerIDByExtSystem eq '{account}'"},
        )
        assert [row["Customer"] for row in stored] == [created["id"]]

    async def test_taken_external_id_is_409_naming_the_customer(
        self, erp: httpx.AsyncClient
    ) -> None:
        body = {"name": "Twice GmbH", "externalId": external_id(), "address": ADDRESS}
        first = (await erp.post("/customers", json=body)).json()
        second = await erp.post("/customers", json=body)
        assert second.status_code == 409
        assert second.json()["existingCustomerId"] == first["id"]

    async def test_contact_data_and_vat_id_are_stored_and_read_back(
        self, erp: httpx.AsyncClient
    ) -> None:
        body = {
            "name": "Kontakt Daten AG",
            "externalId": external_id(),
            "address": ADDRESS,
            "email": "einkauf@kontakt-daten.example",
            "phone": "+494012345678",
            "website": "https://www.kontakt-daten.example/de",
            "vatId": "DE811907980",
        }
        created = (await erp.post("/customers", json=body)).json()
        read = (await erp.get(f"/customers/{created['id']}")).json()
        assert (read["email"], read["phone"], read["website"], read["vatId"]) == (
            body["email"],
            body["phone"],
            body["website"],
            body["vatId"],
        )


class TestGetCustomer:
    async def test_seeded_customer(self, erp: httpx.AsyncClient) -> None:
        customer = (await erp.get("/customers/1000001")).json()
        assert customer["name"] == "Nordwind Industrietechnik GmbH"
        assert customer["address"]["city"] == "Hamburg"
        assert customer["salesAreas"][0]["currency"] == "EUR"

    async def test_unknown_customer_is_404(self, erp: httpx.AsyncClient) -> None:
        response = await erp.get("/customers/9999999")
        assert response.status_code == 404
        assert response.json()["type"].endswith("/customer-not-found")


class TestSearchCustomers:
    async def test_by_name_anywhere(self, erp: httpx.AsyncClient) -> None:
        page = (await erp.get("/customers", params={"name": "Fluid"})).json()
        assert [c["id"] for c in page["items"]] == ["1000003"]

    async def test_by_postal_code_pages_without_gaps(self, erp: httpx.AsyncClient) -> None:
        seen: list[str] = []
        cursor = None
        for _ in range(10):
            params = {"postalCode": "10115", "limit": "2", **({"cursor": cursor} if cursor else {})}
            page = (await erp.get("/customers", params=params)).json()
            seen += [c["id"] for c in page["items"]]
            cursor = page["nextCursor"]
            if cursor is None:
                break
        assert cursor is None
        assert len(seen) >= 3
        assert seen == sorted(set(seen))

    async def test_by_vat_id_and_by_website_domain(self, erp: httpx.AsyncClient) -> None:
        tag = secrets.token_hex(4)
        vat_id = f"ATU{int(tag, 16) % 10**8:08d}"
        body = {
            "name": f"Domain {tag} GmbH",
            "externalId": external_id(),
            "address": ADDRESS,
            "website": f"http://shop.domain-{tag}.example",
            "vatId": vat_id,
        }
        created = (await erp.post("/customers", json=body)).json()
        # A host that merely contains the domain is no match.
        lookalike = {**body, "externalId": external_id(), "vatId": None}
        lookalike["website"] = f"https://notdomain-{tag}.example"
        assert (await erp.post("/customers", json=lookalike)).status_code == 201
        by_vat = (await erp.get("/customers", params={"vatId": vat_id.lower()})).json()
        by_domain = (
            await erp.get("/customers", params={"websiteDomain": f"Domain-{tag}.example"})
        ).json()
        both = (
            await erp.get(
                "/customers",
                params={"websiteDomain": f"domain-{tag}.example", "postalCode": "99999"},
            )
        ).json()
        assert [c["id"] for c in by_vat["items"]] == [created["id"]]
        assert [c["id"] for c in by_domain["items"]] == [created["id"]]
        assert both["items"] == []


class TestUpdateCustomer:
    async def test_name_address_and_block_change_in_sap(self, erp: httpx.AsyncClient) -> None:
        body = {"name": "Before GmbH", "externalId": external_id(), "address": ADDRESS}
        created = (await erp.post("/customers", json=body)).json()
        change = {
            "name": "After Industrieausrüstung und Logistik Beteiligungs GmbH",
            "address": {"street": "Neuer Wall 1", "city": "Hamburg", "country": "DE"},
            "blocked": True,
        }
        response = await erp.patch(f"/customers/{created['id']}", json=change)
        assert response.status_code == 200
        read = (await erp.get(f"/customers/{created['id']}")).json()
        assert read["name"] == change["name"]
        # NetSuite keeps one address line, read back as street and house number.
        address = read["address"]
        assert " ".join(filter(None, (address["street"], address.get("houseNumber")))) == (
            "Neuer Wall 1"
        )
        assert read["blocked"] is True

    async def test_external_id_links_an_unlinked_customer(self, erp: httpx.AsyncClient) -> None:
        created = (
            await erp.post("/customers", json={"name": "Unlinked GmbH", "address": ADDRESS})
        ).json()
        account = external_id()
        response = await erp.patch(f"/customers/{created['id']}", json={"externalId": account})
        assert response.status_code == 200
        assert response.json()["externalId"] == account


class TestCredit:
    async def test_derived_exposure_matches_the_systems_own_figures(
        self, erp: httpx.AsyncClient, sap: httpx.AsyncClient
    ) -> None:
        credit = (await erp.get("/customers/1000001/credit")).json()
        view = await exposure_row(sap, "1000001", segment="1000")
        assert credit["exposureSource"] == "derived"
        assert Decimal(credit["exposure"]) == Decimal(view["CustomerCreditExposureAmount"])
        assert Decimal(credit["openOrders"]) == Decimal(view["OpenOrderAmount"])
        assert Decimal(credit["openInvoices"]) == Decimal(view["OpenInvoiceAmount"])
        assert Decimal(credit["available"]) == Decimal(credit["limit"]) - Decimal(
            credit["exposure"]
        )

    async def test_blocked_account(self, erp: httpx.AsyncClient) -> None:
        credit = (await erp.get("/customers/1000050/credit")).json()
        assert credit["blocked"] is True
