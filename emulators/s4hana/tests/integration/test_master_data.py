"""Stock, price condition records, credit accounts and billing documents, as the demo seeds them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ..support import BILLING, CREDIT, EXPOSURE, PRICES, PRODUCT, STOCK, Sap, sap_error

pytestmark = pytest.mark.asyncio

UNRESTRICTED = "InventoryStockType eq '01' and InventorySpecialStockType eq ''"


async def stock_of(sap: Sap, material: str) -> Decimal:
    response = await sap.get(
        f"{STOCK}/A_MatlStkInAcctMod?$filter=Material eq '{material}' and Plant eq '1010' and "
        f"{UNRESTRICTED}&$select=StorageLocation,MatlWrhsStkQtyInMatlBaseUnit,MaterialBaseUnit"
    )
    rows = response.json()["d"]["results"]
    return sum((Decimal(row["MatlWrhsStkQtyInMatlBaseUnit"]) for row in rows), Decimal(0))


class TestStock:
    async def test_stock_per_storage_location_with_fourteen_decimals(self, sap: Sap) -> None:
        response = await sap.get(
            f"{STOCK}/A_MatlStkInAcctMod?$filter=Material eq 'MAT-0003' and {UNRESTRICTED}"
        )
        rows = response.json()["d"]["results"]
        assert [row["StorageLocation"] for row in rows] == ["101A", "101B"]
        assert rows[0]["MatlWrhsStkQtyInMatlBaseUnit"].endswith(".00000000000000")
        assert rows[0]["Batch"] == ""

    async def test_some_materials_are_low_or_out_of_stock(self, sap: Sap) -> None:
        assert await stock_of(sap, "MAT-0010") == 0
        assert 0 < await stock_of(sap, "MAT-0015") < 10
        assert await stock_of(sap, "MAT-0011") > 50

    async def test_material_stock_header_navigates_to_its_rows(self, sap: Sap) -> None:
        header = await sap.get(f"{STOCK}/A_MaterialStock('MAT-0003')?$expand=to_MatlStkInAcctMod")
        assert header.json()["d"]["MaterialBaseUnit"] == "PC"
        assert len(header.json()["d"]["to_MatlStkInAcctMod"]["results"]) == 2

    async def test_stock_is_read_only(self, sap: Sap) -> None:
        sap_error(await sap.post(f"{STOCK}/A_MatlStkInAcctMod", json={"Material": "X"}), 405)


class TestPrices:
    async def test_list_price_of_a_material_in_the_sales_area(self, sap: Sap) -> None:
        response = await sap.get(
            f"{PRICES}/A_SlsPrcgCndnRecdValidity?$filter=ConditionType eq 'PPR0' and "
            "Material eq 'MAT-0002' and SalesOrganization eq '1010' and DistributionChannel eq '10'"
            " and ConditionValidityEndDate ge datetime'2024-05-01T00:00:00'"
            "&$expand=to_SlsPrcgConditionRecord"
        )
        rows = response.json()["d"]["results"]
        assert len(rows) == 1
        record = rows[0]["to_SlsPrcgConditionRecord"]
        assert (record["ConditionRateValue"], record["ConditionRateValueUnit"]) == ("82.500", "EUR")
        assert record["ConditionQuantity"] == "1"

    async def test_datetime_keys_round_trip_through_their_uri(self, sap: Sap) -> None:
        listing = await sap.get(f"{PRICES}/A_SlsPrcgCndnRecdValidity?$top=1")
        uri = listing.json()["d"]["results"][0]["__metadata"]["uri"]
        assert "ConditionValidityEndDate=datetime'9999-12-31T00%3A00%3A00'" in uri
        single = await sap.get(uri.replace("http://s4.test", ""))
        assert single.status_code == 200
        assert single.json()["d"]["ConditionValidityEndDate"] == "/Date(253402214400000)/"

    async def test_customer_price_is_a_separate_record(self, sap: Sap) -> None:
        response = await sap.get(
            f"{PRICES}/A_SlsPrcgCndnRecdValidity?$filter=Material eq 'MAT-0001'&$select=Customer"
        )
        assert sorted(row["Customer"] for row in response.json()["d"]["results"]) == ["", "1000001"]

    async def test_new_record_with_validity_prices_new_orders(self, sap: Sap) -> None:
        response = await sap.post(
            f"{PRICES}/A_SlsPrcgConditionRecord",
            json={
                "ConditionType": "PPR0", "ConditionRateValue": "12.000",
                "ConditionRateValueUnit": "EUR", "ConditionQuantity": "1",
                "to_SlsPrcgCndnRecdValidity": [
                    {"SalesOrganization": "1010", "DistributionChannel": "10",
                     "Material": "MAT-0002", "Customer": "1000004",
                     "ConditionValidityStartDate": "/Date(946684800000)/"}
                ],
            },
        )  # fmt: skip
        assert response.status_code == 201, response.text
        validity = response.json()["d"]["to_SlsPrcgCndnRecdValidity"]["results"][0]
        assert validity["ConditionType"] == "PPR0"
        assert validity["ConditionValidityEndDate"] == "/Date(253402214400000)/"


class TestCredit:
    async def test_limit_and_block_per_partner_and_segment(self, sap: Sap) -> None:
        partner = await sap.get(
            f"{CREDIT}/CreditManagementAccount(BusinessPartner='1000001',CreditSegment='1000')"
        )
        account = partner.json()["d"]
        assert (account["CreditLimitAmount"], account["CreditSegmentCurrency"]) == (
            "250000.000",
            "EUR",
        )
        assert account["CreditAccountIsBlocked"] is False
        blocked = await sap.get(
            f"{CREDIT}/CreditManagementAccount?$filter=CreditAccountIsBlocked eq true"
        )
        assert [row["BusinessPartner"] for row in blocked.json()["d"]["results"]] == ["1000050"]

    async def test_limit_can_be_changed(self, sap: Sap) -> None:
        path = f"{CREDIT}/CreditManagementAccount(BusinessPartner='1000003',CreditSegment='1000')"
        assert (await sap.patch(path, json={"CreditLimitAmount": "99000"})).status_code == 204
        view = await sap.get(
            f"{EXPOSURE}/YY1_CreditExposure(BusinessPartner='1000003',CreditSegment='1000')"
        )
        assert view.json()["d"]["CustomerCreditLimitAmount"] == "99000.000"

    async def test_exposure_view_adds_open_orders_and_open_invoices(self, sap: Sap) -> None:
        view = (
            await sap.get(
                f"{EXPOSURE}/YY1_CreditExposure(BusinessPartner='1000001',CreditSegment='1000')"
            )
        ).json()["d"]
        exposure = Decimal(view["CustomerCreditExposureAmount"])
        assert exposure == Decimal(view["OpenOrderAmount"]) + Decimal(view["OpenInvoiceAmount"])
        assert Decimal(view["OpenOrderAmount"]) > 0
        assert Decimal(view["OpenInvoiceAmount"]) > 0
        remaining = Decimal(view["CustomerCreditLimitAmount"]) - exposure
        assert Decimal(view["RemainingCreditAmtInDspCrcy"]) == remaining


class TestBilling:
    async def test_open_invoices_of_a_customer(self, sap: Sap) -> None:
        response = await sap.get(
            f"{BILLING}/A_BillingDocument?$filter=SoldToParty eq '1000001' and "
            "BillingDocumentIsCancelled eq false and InvoiceClearingStatus ne 'C'"
            "&$orderby=BillingDocumentDate desc,BillingDocument desc&$expand=to_Item"
        )
        invoices = response.json()["d"]["results"]
        assert [invoice["PurchaseOrderByCustomer"] for invoice in invoices] == ["NW-2024-0011"]
        invoice = invoices[0]
        assert invoice["BillingDocumentType"] == "F2"
        gross = Decimal(invoice["TotalNetAmount"]) + Decimal(invoice["TaxAmount"])
        assert Decimal(invoice["TotalGrossAmount"]) == gross
        assert invoice["__metadata"]["etag"].startswith("W/")
        assert invoice["to_Item"]["results"][0]["SalesDocument"] == "2"

    async def test_invoices_of_an_order_through_their_items(self, sap: Sap) -> None:
        response = await sap.get(
            f"{BILLING}/A_BillingDocumentItem?$filter=SalesDocument eq '1'"
            "&$select=BillingDocument,BillingDocumentItem,NetAmount,to_BillingDocument/InvoiceClearingStatus"
            "&$expand=to_BillingDocument"
        )
        items = response.json()["d"]["results"]
        assert len(items) == 2
        assert items[0]["to_BillingDocument"]["InvoiceClearingStatus"] == "C"

    async def test_billing_documents_are_read_only(self, sap: Sap) -> None:
        sap_error(await sap.post(f"{BILLING}/A_BillingDocument", json={}), 405)
        patch = await sap.patch(
            f"{BILLING}/A_BillingDocument('90000001')", json={}, headers={"If-Match": "*"}
        )
        sap_error(patch, 405)


class TestProducts:
    async def test_descriptions_match_the_salesforce_catalogue(self, sap: Sap) -> None:
        response = await sap.get(
            f"{PRODUCT}/A_ProductDescription?$filter=Language eq 'EN' and "
            "(substringof('Pump',ProductDescription) eq true or Product eq 'MAT-0040')"
            "&$orderby=Product&$select=Product,ProductDescription"
        )
        rows = [(r["Product"], r["ProductDescription"]) for r in response.json()["d"]["results"]]
        assert rows == [
            ("MAT-0001", "Centrifugal Pump 100"), ("MAT-0011", "Centrifugal Pump 200"),
            ("MAT-0021", "Centrifugal Pump 300"), ("MAT-0031", "Centrifugal Pump 400"),
            ("MAT-0040", "Service Kit 490"),
        ]  # fmt: skip
