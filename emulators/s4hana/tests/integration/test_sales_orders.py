"""API_SALES_ORDER_SRV: deep insert, pricing, availability, credit check, ETags, changes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ..support import EXPOSURE, SO, Sap, order_body, sap_error

pytestmark = pytest.mark.asyncio


async def create(sap: Sap, body: dict[str, Any]) -> dict[str, Any]:
    response = await sap.post(f"{SO}/A_SalesOrder", json=body)
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == response.json()["d"]["__metadata"]["etag"]
    order: dict[str, Any] = response.json()["d"]
    return order


async def exposure(sap: Sap, partner: str) -> Decimal:
    path = f"{EXPOSURE}/YY1_CreditExposure(BusinessPartner='{partner}',CreditSegment='1000')"
    return Decimal((await sap.get(path)).json()["d"]["CustomerCreditExposureAmount"])


class TestCreateOrder:
    async def test_items_are_numbered_priced_and_totalled(self, sap: Sap) -> None:
        order = await create(sap, order_body("1000002", ("MAT-0002", "2"), ("MAT-0004", "1")))
        items = order["to_Item"]["results"]
        assert [item["SalesOrderItem"] for item in items] == ["10", "20"]
        assert [item["NetAmount"] for item in items] == ["165.000", "156.500"]
        assert order["TotalNetAmount"] == "321.500"
        assert order["TransactionCurrency"] == "EUR"
        assert order["OverallSDProcessStatus"] == "A"
        assert order["OverallDeliveryStatus"] == "A"
        assert order["TotalCreditCheckStatus"] == "A"
        assert items[0]["SalesOrderItemText"] == "Gate Valve 110"
        elements = (
            await sap.get(
                f"{SO}/A_SalesOrderItem(SalesOrder='{order['SalesOrder']}',SalesOrderItem='10')/to_PricingElement"
            )
        ).json()["d"]["results"]
        assert [(e["ConditionType"], e["ConditionRateValue"]) for e in elements] == [
            ("PPR0", "82.500000000")
        ]

    async def test_customer_specific_price_wins(self, sap: Sap) -> None:
        order = await create(sap, order_body("1000001", ("MAT-0001", "10")))
        assert order["TotalNetAmount"] == "405.000"

    async def test_manual_price_condition(self, sap: Sap) -> None:
        body = order_body("1000002")
        body["to_Item"] = [
            {"Material": "MAT-0002", "RequestedQuantity": "3",
             "to_PricingElement": [{"ConditionType": "PMP0", "ConditionRateValue": "99.00"}]},
        ]  # fmt: skip
        order = await create(sap, body)
        assert order["TotalNetAmount"] == "297.000"
        elements = order["to_Item"]["results"][0]["to_PricingElement"]["results"]
        assert elements[0]["ConditionIsManuallyChanged"] is True
        assert elements[0]["ConditionAmount"] == "297.000"

    async def test_partners_are_determined_from_the_sold_to(self, sap: Sap) -> None:
        body = order_body("1000002", to_Partner=[{"PartnerFunction": "SH", "Customer": "1000007"}])
        number = (await create(sap, body))["SalesOrder"]
        partners = (await sap.get(f"{SO}/A_SalesOrder('{number}')/to_Partner")).json()["d"][
            "results"
        ]
        assert {p["PartnerFunction"]: p["Customer"] for p in partners} == {
            "SH": "1000007", "SP": "1000002", "BP": "1000002", "PY": "1000002",
        }  # fmt: skip

    async def test_availability_check_confirms_what_is_in_stock(self, sap: Sap) -> None:
        order = await create(sap, order_body("1000002", ("MAT-0005", "12"), ("MAT-0010", "1")))
        confirmed = [item["ConfdDelivQtyInOrderQtyUnit"] for item in order["to_Item"]["results"]]
        assert confirmed == ["8.000", "0.000"]
        again = await create(sap, order_body("1000004", ("MAT-0005", "4")))
        assert again["to_Item"]["results"][0]["ConfdDelivQtyInOrderQtyUnit"] == "0.000"

    async def test_exposure_grows_with_open_orders(self, sap: Sap) -> None:
        before = await exposure(sap, "1000002")
        order = await create(sap, order_body("1000002", ("MAT-0003", "4")))
        assert await exposure(sap, "1000002") == before + Decimal(order["TotalNetAmount"])

    async def test_order_beyond_the_credit_limit_is_blocked(self, sap: Sap) -> None:
        order = await create(sap, order_body("1000003", ("MAT-0017", "10")))
        assert order["TotalCreditCheckStatus"] == "B"
        small = await create(sap, order_body("1000002", ("MAT-0001", "1")))
        assert small["TotalCreditCheckStatus"] == "A"

    async def test_credit_blocked_account_blocks_every_order(self, sap: Sap) -> None:
        order = await create(sap, order_body("1000050", ("MAT-0001", "1")))
        assert order["TotalCreditCheckStatus"] == "B"

    async def test_business_errors(self, sap: Sap) -> None:
        unknown = await sap.post(
            f"{SO}/A_SalesOrder", json=order_body("1000002", ("MAT-9999", "1"))
        )
        assert "MAT-9999" in sap_error(unknown, 400)["message"]["value"]
        no_area = await sap.post(f"{SO}/A_SalesOrder", json=order_body("9999999"))
        assert "not maintained for sales area" in sap_error(no_area, 400)["message"]["value"]
        blocked = await sap.post(f"{SO}/A_SalesOrder", json=order_body("1000049"))
        assert "blocked" in sap_error(blocked, 400)["message"]["value"]
        zero = await sap.post(f"{SO}/A_SalesOrder", json=order_body("1000002", ("MAT-0001", "0")))
        sap_error(zero, 400)
        missing = order_body("1000002")
        del missing["SalesOrganization"]
        sap_error(await sap.post(f"{SO}/A_SalesOrder", json=missing), 400)


class TestUpdateOrder:
    async def test_if_match_is_required_and_checked(self, sap: Sap) -> None:
        order = await create(sap, order_body("1000002"))
        path = f"{SO}/A_SalesOrder('{order['SalesOrder']}')"
        change = {"PurchaseOrderByCustomer": "CHANGED"}
        sap_error(await sap.patch(path, json=change), 428, "SADL_ENTITY_RUNTIME/004")
        etag = order["__metadata"]["etag"]
        sap_error(await sap.patch(path, json=change, headers={"If-Match": 'W/"nope"'}), 412)
        done = await sap.patch(path, json=change, headers={"If-Match": etag})
        assert done.status_code == 204
        assert done.headers["etag"] != etag
        sap_error(await sap.patch(path, json=change, headers={"If-Match": etag}), 412)
        current = await sap.get(path)
        assert current.headers["etag"] == done.headers["etag"]
        assert current.json()["d"]["PurchaseOrderByCustomer"] == "CHANGED"
        wildcard = await sap.patch(
            path, json={"PurchaseOrderByCustomer": "ANY"}, headers={"If-Match": "*"}
        )
        assert wildcard.status_code == 204

    async def test_items_can_be_added_changed_and_rejected(self, sap: Sap) -> None:
        order = await create(sap, order_body("1000002", ("MAT-0002", "2")))
        number = order["SalesOrder"]
        added = await sap.post(
            f"{SO}/A_SalesOrder('{number}')/to_Item",
            json={"Material": "MAT-0001", "RequestedQuantity": "1"},
        )
        assert added.status_code == 201, added.text
        assert added.json()["d"]["SalesOrderItem"] == "20"
        item = f"{SO}/A_SalesOrderItem(SalesOrder='{number}',SalesOrderItem='10')"
        assert (await sap.patch(item, json={"RequestedQuantity": "4"})).status_code == 204
        header = (await sap.get(f"{SO}/A_SalesOrder('{number}')")).json()["d"]
        assert header["TotalNetAmount"] == "375.000"
        assert (await sap.patch(item, json={"SalesDocumentRjcnReason": "50"})).status_code == 204
        header = (await sap.get(f"{SO}/A_SalesOrder('{number}')")).json()["d"]
        assert header["TotalNetAmount"] == "45.000"
        assert header["OverallSDDocumentRejectionSts"] == "B"

    async def test_open_order_can_be_deleted_a_delivered_one_cannot(self, sap: Sap) -> None:
        order = await create(sap, order_body("1000002"))
        path = f"{SO}/A_SalesOrder('{order['SalesOrder']}')"
        sap_error(await sap.delete(path), 428)
        assert (await sap.delete(path, headers={"If-Match": "*"})).status_code == 204
        sap_error(await sap.get(path), 404)
        assert (
            await sap.get(
                f"{SO}/A_SalesOrderItem/$count?$filter=SalesOrder eq '{order['SalesOrder']}'"
            )
        ).text == "0"
        delivered = await sap.delete(f"{SO}/A_SalesOrder('3')", headers={"If-Match": "*"})
        assert "cannot be deleted" in sap_error(delivered, 400)["message"]["value"]
