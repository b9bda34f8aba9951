"""API_BUSINESS_PARTNER: the customer deep insert, its checks, and changes afterwards."""

from __future__ import annotations

from typing import Any

import pytest

from ..support import BP, CREDIT, Sap, partner_body, sap_error

pytestmark = pytest.mark.asyncio


class TestCreatePartner:
    async def test_deep_insert_returns_the_tree_expanded(self, sap: Sap) -> None:
        response = await sap.post(f"{BP}/A_BusinessPartner", json=partner_body())
        assert response.status_code == 201, response.text
        partner = response.json()["d"]
        number = partner["BusinessPartner"]
        assert number == "1000051"
        assert response.headers["location"].endswith(f"A_BusinessPartner('{number}')")
        assert partner["BusinessPartnerFullName"] == "Contoso Manufacturing Ltd"
        assert partner["Customer"] == number
        address = partner["to_BusinessPartnerAddress"]["results"][0]
        assert address["Language"] == "EN"
        assert address["to_EmailAddress"]["results"][0]["IsDefaultEmailAddress"] is True
        customer = partner["to_Customer"]
        assert customer["Customer"] == number
        assert customer["CustomerName"] == "Contoso Manufacturing Ltd"
        area = customer["to_CustomerSalesArea"]["results"][0]
        assert area["Currency"] == "EUR"
        roles = sorted(
            r["BusinessPartnerRole"] for r in partner["to_BusinessPartnerRole"]["results"]
        )
        assert roles == ["FLCU00", "FLCU01"]

    async def test_sales_area_gets_default_partner_functions_and_credit_account(
        self, sap: Sap
    ) -> None:
        number = (await sap.post(f"{BP}/A_BusinessPartner", json=partner_body())).json()["d"][
            "BusinessPartner"
        ]
        area = (
            f"A_CustomerSalesArea(Customer='{number}',SalesOrganization='1010',"
            "DistributionChannel='10',Division='00')"
        )
        functions = (await sap.get(f"{BP}/{area}/to_PartnerFunction")).json()["d"]["results"]
        assert sorted(f["PartnerFunction"] for f in functions) == ["BP", "PY", "SH", "SP"]
        assert {f["BPCustomerNumber"] for f in functions} == {number}
        account = await sap.get(
            f"{CREDIT}/CreditManagementAccount(BusinessPartner='{number}',CreditSegment='1000')"
        )
        assert account.status_code == 200
        assert account.json()["d"]["CreditSegmentCurrency"] == "EUR"

    async def test_address_without_language_for_a_customer_is_fsbp_ecc_030(self, sap: Sap) -> None:
        body = partner_body()
        del body["to_BusinessPartnerAddress"][0]["Language"]
        error = sap_error(await sap.post(f"{BP}/A_BusinessPartner", json=body), 400, "FSBP_ECC/030")
        assert "language" in error["message"]["value"]

    async def test_sales_area_without_currency_is_cvi_api_003(self, sap: Sap) -> None:
        body = partner_body()
        del body["to_Customer"]["to_CustomerSalesArea"]["results"][0]["Currency"]
        error = sap_error(await sap.post(f"{BP}/A_BusinessPartner", json=body), 400, "CVI_API/003")
        assert error["message"]["value"] == "Currency (KNVV-WAERS) is a required entry field"

    async def test_a_refused_deep_insert_leaves_nothing_behind(self, sap: Sap) -> None:
        before = (await sap.get(f"{BP}/A_BusinessPartner/$count")).text
        body = partner_body()
        body["to_Customer"]["to_CustomerCompany"][0]["ReconciliationAccount"] = ""
        sap_error(await sap.post(f"{BP}/A_BusinessPartner", json=body), 400, "CVI_API/003")
        assert (await sap.get(f"{BP}/A_BusinessPartner/$count")).text == before
        assert (
            await sap.get(f"{BP}/A_BusinessPartnerAddress/$count?$filter=CityName eq 'San Jose'")
        ).text == "0"

    async def test_organisation_without_name_is_refused(self, sap: Sap) -> None:
        body: dict[str, Any] = {"BusinessPartnerCategory": "2", "BusinessPartnerGrouping": "BP02"}
        sap_error(await sap.post(f"{BP}/A_BusinessPartner", json=body), 400, "CVI_API/003")

    async def test_duplicate_external_ids_are_not_prevented(self, sap: Sap) -> None:
        # SAP does not keep BusinessPartnerIDByExtSystem unique; clients must look up first.
        for _ in range(2):
            assert (
                await sap.post(f"{BP}/A_BusinessPartner", json=partner_body())
            ).status_code == 201
        found = await sap.get(
            f"{BP}/A_BusinessPartner?$filter=BusinessPartnerIDByExtSystem eq '001Dn00000ABCDE'"
            "&$select=BusinessPartner,Customer"
        )
        assert len(found.json()["d"]["results"]) == 2


class TestHomePageUrl:
    async def test_deep_inserted_with_the_address_and_found_by_its_text(self, sap: Sap) -> None:
        body = partner_body("Home Page Test GmbH")
        body["to_BusinessPartnerAddress"][0]["to_URLAddress"] = [
            {"WebsiteURL": "https://www.homepage-test.example"}
        ]
        created = await sap.post(f"{BP}/A_BusinessPartner", json=body)
        assert created.status_code == 201, created.text
        address = created.json()["d"]["to_BusinessPartnerAddress"]["results"][0]
        [url] = address["to_URLAddress"]["results"]
        assert (url["OrdinalNumber"], url["IsDefaultURLAddress"]) == ("1", True)
        found = await sap.get(
            f"{BP}/A_AddressHomePageURL",
            params={"$filter": "substringof('homepage-test.example',WebsiteURL) eq true"},
        )
        assert [row["AddressID"] for row in found.json()["d"]["results"]] == [address["AddressID"]]


class TestChangePartner:
    async def test_patch_renames_partner_and_customer_without_if_match(self, sap: Sap) -> None:
        response = await sap.patch(
            f"{BP}/A_BusinessPartner('1000002')",
            json={"OrganizationBPName1": "Alpen Anlagenbau SE"},
        )
        assert response.status_code == 204
        assert "etag" not in response.headers
        customer = (await sap.get(f"{BP}/A_Customer('1000002')")).json()["d"]
        assert customer["CustomerName"] == "Alpen Anlagenbau SE"

    async def test_add_a_sales_area_through_the_customer(self, sap: Sap) -> None:
        response = await sap.post(
            f"{BP}/A_Customer('1000005')/to_CustomerSalesArea",
            json={"SalesOrganization": "1710", "DistributionChannel": "10", "Division": "00",
                  "Currency": "USD"},
        )  # fmt: skip
        assert response.status_code == 201, response.text
        assert response.json()["d"]["Customer"] == "1000005"
        areas = (await sap.get(f"{BP}/A_Customer('1000005')/to_CustomerSalesArea")).json()
        assert sorted(a["SalesOrganization"] for a in areas["d"]["results"]) == ["1010", "1710"]

    async def test_address_change_and_delete(self, sap: Sap) -> None:
        addresses = (
            await sap.get(f"{BP}/A_BusinessPartner('1000006')/to_BusinessPartnerAddress")
        ).json()
        address_id = addresses["d"]["results"][0]["AddressID"]
        path = f"{BP}/A_BusinessPartnerAddress(BusinessPartner='1000006',AddressID='{address_id}')"
        assert (await sap.patch(path, json={"CityName": "Lübeck"})).status_code == 204
        assert (await sap.get(path)).json()["d"]["CityName"] == "Lübeck"
        assert (await sap.delete(path)).status_code == 204
        sap_error(await sap.get(path), 404)

    async def test_partner_cannot_be_deleted(self, sap: Sap) -> None:
        sap_error(await sap.delete(f"{BP}/A_BusinessPartner('1000006')"), 405)
