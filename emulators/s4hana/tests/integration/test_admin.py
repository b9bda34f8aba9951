"""/__admin: chaos, CSRF expiry, reset and seed, records in business terms, stock; and the order
lifecycle."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator_kit.record_set import example_record_set
from trivium_testing.waiting import until

from ..support import (
    ADMIN,
    BILLING,
    BP,
    CREDIT,
    EXPOSURE,
    PASSWORD,
    PRICES,
    PRODUCT,
    SO,
    STOCK,
    USER,
    Sap,
    order_body,
    partner_body,
    sap_error,
    start_emulator,
)

pytestmark = pytest.mark.asyncio


async def create_order(
    sap: Sap, *lines: tuple[str, str], customer: str = "1000002"
) -> dict[str, Any]:
    response = await sap.post(f"{SO}/A_SalesOrder", json=order_body(customer, *lines))
    assert response.status_code == 201, response.text
    order: dict[str, Any] = response.json()["d"]
    return order


async def stock(sap: Sap, material: str) -> Decimal:
    response = await sap.get(
        f"{STOCK}/A_MatlStkInAcctMod?$filter=Material eq '{material}' and Plant eq '1010'"
    )
    rows = response.json()["d"]["results"]
    return sum((Decimal(r["MatlWrhsStkQtyInMatlBaseUnit"]) for r in rows), Decimal(0))


class TestAdminToken:
    async def test_missing_token_is_a_problem(self, anonymous: httpx.AsyncClient) -> None:
        response = await anonymous.get("/__admin/chaos")
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"

    async def test_bearer_token_is_accepted(self, anonymous: httpx.AsyncClient) -> None:
        response = await anonymous.get(
            "/__admin/chaos", headers={"Authorization": "Bearer trivium-emulator-admin"}
        )
        assert response.status_code == 200
        assert response.json() == {
            "latencyMs": 0.0,
            "jitterMs": 0.0,
            "errorRate": 0.0,
            "outage": False,
            "methods": [],
        }


class TestChaos:
    async def test_error_rate_answers_503_in_sap_format(self, sap: Sap) -> None:
        await sap.put("/__admin/chaos", json={"errorRate": 1.0}, headers=ADMIN)
        sap_error(await sap.get(f"{BP}/A_BusinessPartner('1000001')"), 503)
        assert (await sap.delete("/__admin/chaos", headers=ADMIN)).status_code == 204
        assert (await sap.get(f"{BP}/A_BusinessPartner('1000001')")).status_code == 200

    async def test_error_rate_limited_to_writes_lets_reads_through(self, sap: Sap) -> None:
        changed = await sap.put(
            "/__admin/chaos", json={"errorRate": 1.0, "methods": ["POST"]}, headers=ADMIN
        )
        assert changed.json()["methods"] == ["POST"]
        assert (await sap.get(f"{BP}/A_BusinessPartner('1000001')")).status_code == 200
        sap_error(await sap.post(f"{BP}/A_BusinessPartner", json=partner_body()), 503)

    async def test_partial_error_rate_fails_some_requests(self, sap: Sap) -> None:
        await sap.put("/__admin/chaos", json={"errorRate": 0.5}, headers=ADMIN)
        statuses = [
            (await sap.get(f"{BP}/A_BusinessPartner('1000001')")).status_code for _ in range(30)
        ]
        assert set(statuses) == {200, 503}

    async def test_outage_answers_like_the_web_dispatcher(self, sap: Sap) -> None:
        await sap.put("/__admin/chaos", json={"outage": True}, headers=ADMIN)
        response = await sap.get(f"{BP}/A_BusinessPartner")
        assert response.status_code == 503
        assert response.headers["retry-after"] == "30"
        assert response.headers["content-type"].startswith("text/html")
        assert (await sap.get("/healthz")).status_code == 200

    async def test_latency_is_added(self, sap: Sap) -> None:
        state = await sap.put(
            "/__admin/chaos", json={"latencyMs": 80, "jitterMs": 20}, headers=ADMIN
        )
        assert state.json()["latencyMs"] == 80
        started = time.perf_counter()
        await sap.get(f"{BP}/A_BusinessPartner('1000001')")
        assert time.perf_counter() - started >= 0.08

    async def test_invalid_settings_are_422(self, sap: Sap) -> None:
        response = await sap.put("/__admin/chaos", json={"errorRate": 2}, headers=ADMIN)
        assert response.status_code == 422


class TestCsrfExpiry:
    async def test_expired_token_needs_a_new_fetch(self, sap: Sap) -> None:
        expired = await sap.post("/__admin/csrf/expire", headers=ADMIN)
        assert expired.json()["expiredSessions"] >= 1
        refused = await sap.post(f"{SO}/A_SalesOrder", json=order_body())
        assert refused.status_code == 403
        assert refused.headers["x-csrf-token"] == "Required"
        await sap.fetch_token(SO)
        assert (await sap.post(f"{SO}/A_SalesOrder", json=order_body())).status_code == 201


class TestResetAndSeed:
    async def test_reset_empty_then_seed(self, sap: Sap) -> None:
        assert (await sap.post("/__admin/reset?seed=false", headers=ADMIN)).status_code == 204
        await sap.fetch_token()
        assert (await sap.get(f"{BP}/A_BusinessPartner/$count")).text == "0"
        assert (await sap.post("/__admin/seed", headers=ADMIN)).status_code == 204
        assert (await sap.get(f"{BP}/A_BusinessPartner/$count")).text == "50"
        again = await sap.post("/__admin/seed", headers=ADMIN)
        assert again.status_code == 409
        assert again.headers["content-type"] == "application/problem+json"

    async def test_seed_is_deterministic(self, sap: Sap) -> None:
        def strip(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
            ignored = {"__metadata", "LastChangeDateTime", "to_Item", "to_Partner"}
            return [{k: v for k, v in row.items() if k not in ignored} for row in rows]

        url = (
            f"{SO}/A_SalesOrder?$select=SalesOrder,SoldToParty,TotalNetAmount,OverallDeliveryStatus"
        )
        before = strip((await sap.get(url)).json()["d"]["results"])
        await sap.post("/__admin/reset", headers=ADMIN)
        assert strip((await sap.get(url)).json()["d"]["results"]) == before


def record_set(**changes: Any) -> dict[str, Any]:
    """A customer with a credit limit, a product in stock and a billed order of it."""
    return {**example_record_set(), **changes}


class TestRecords:
    async def test_records_get_the_numbers_given(self, sap: Sap) -> None:
        await sap.post("/__admin/reset?seed=false", headers=ADMIN)
        response = await sap.post("/__admin/records", json=record_set(), headers=ADMIN)
        assert response.status_code == 204, response.text
        await sap.fetch_token()
        partner = (
            await sap.get(
                f"{BP}/A_BusinessPartner('1000001')?$expand=to_Customer,"
                "to_BusinessPartnerAddress/to_PhoneNumber"
            )
        ).json()["d"]
        assert partner["BusinessPartnerIDByExtSystem"] == "001AAA"
        assert partner["to_Customer"]["VATRegistration"] == "DE123456789"
        [address] = partner["to_BusinessPartnerAddress"]["results"]
        assert (address["StreetName"], address["HouseNumber"]) == ("Leopoldstrasse", "1")
        assert address["to_PhoneNumber"]["results"][0]["PhoneNumber"] == "+4989123456"
        account = await sap.get(
            f"{CREDIT}/CreditManagementAccount(BusinessPartner='1000001',CreditSegment='1000')"
        )
        assert Decimal(account.json()["d"]["CreditLimitAmount"]) == 50_000
        order = (await sap.get(f"{SO}/A_SalesOrder('5000001')")).json()["d"]
        assert (order["SoldToParty"], order["PurchaseOrderByCustomer"]) == ("1000001", "PO-4711")
        assert order["OverallDeliveryStatus"] == "C"
        invoice = (await sap.get(f"{BILLING}/A_BillingDocument('90000001')")).json()["d"]
        assert invoice["SoldToParty"] == "1000001"
        assert await stock(sap, "TG-1000") == 38
        prices = await sap.get(f"{PRICES}/A_SlsPrcgCndnRecdValidity?$filter=Material eq 'TG-1000'")
        assert len(prices.json()["d"]["results"]) == 1

    async def test_a_customer_without_limit_has_no_credit_account(self, sap: Sap) -> None:
        await sap.post("/__admin/reset?seed=false", headers=ADMIN)
        customer = {"number": "1000007", "name": "Ohne Kredit GmbH"}
        records = record_set(customers=[customer], products=[], salesOrders=[])
        assert (await sap.post("/__admin/records", json=records, headers=ADMIN)).status_code == 204
        await sap.fetch_token()
        account = await sap.get(
            f"{CREDIT}/CreditManagementAccount(BusinessPartner='1000007',CreditSegment='1000')"
        )
        assert account.status_code == 404
        assert (await sap.get(f"{BP}/A_BusinessPartner('1000007')")).status_code == 200

    async def test_a_number_in_use_is_a_conflict_and_adds_nothing(self, sap: Sap) -> None:
        await sap.post("/__admin/reset", headers=ADMIN)
        records = record_set(salesOrders=[])
        records["customers"][0]["number"] = "1000002"  # a demo customer
        response = await sap.post("/__admin/records", json=records, headers=ADMIN)
        assert response.status_code == 409
        assert response.headers["content-type"] == "application/problem+json"
        await sap.fetch_token()
        assert (await sap.get(f"{PRODUCT}/A_Product('TG-1000')")).status_code == 404

    async def test_an_order_of_an_unknown_material_is_422(self, sap: Sap) -> None:
        await sap.post("/__admin/reset?seed=false", headers=ADMIN)
        records = record_set(products=[])
        response = await sap.post("/__admin/records", json=records, headers=ADMIN)
        assert response.status_code == 422
        assert "TG-1000" in response.json()["detail"]


class TestStockAdmin:
    async def test_set_stock(self, sap: Sap) -> None:
        response = await sap.put(
            "/__admin/stock/MAT-0010/1010", json={"quantity": "25"}, headers=ADMIN
        )
        assert response.status_code == 200
        assert await stock(sap, "MAT-0010") == 25
        missing = await sap.put("/__admin/stock/NOPE/1010", json={"quantity": "1"}, headers=ADMIN)
        assert missing.status_code == 404


class TestLifecycle:
    async def test_open_order_is_delivered_then_billed(self, sap: Sap) -> None:
        stock_before = await stock(sap, "MAT-0003")
        order = await create_order(sap, ("MAT-0003", "5"))
        number = order["SalesOrder"]
        exposure_path = (
            f"{EXPOSURE}/YY1_CreditExposure(BusinessPartner='1000002',CreditSegment='1000')"
        )
        with_order = Decimal(
            (await sap.get(exposure_path)).json()["d"]["CustomerCreditExposureAmount"]
        )

        moved = await sap.post(
            "/__admin/lifecycle/advance", json={"salesOrder": number}, headers=ADMIN
        )
        assert moved.json() == {"delivered": [number], "billed": []}
        delivered = (await sap.get(f"{SO}/A_SalesOrder('{number}')")).json()["d"]
        assert (delivered["OverallDeliveryStatus"], delivered["OverallSDProcessStatus"]) == (
            "C",
            "B",
        )
        assert delivered["__metadata"]["etag"] != order["__metadata"]["etag"]
        assert await stock(sap, "MAT-0003") == stock_before - 5

        moved = await sap.post(
            "/__admin/lifecycle/advance", json={"salesOrder": number}, headers=ADMIN
        )
        assert moved.json() == {"delivered": [], "billed": [number]}
        billed = (await sap.get(f"{SO}/A_SalesOrder('{number}')?$expand=to_Item")).json()["d"]
        assert (billed["OverallOrdReltdBillgStatus"], billed["OverallSDProcessStatus"]) == (
            "C",
            "C",
        )
        assert billed["to_Item"]["results"][0]["OrderRelatedBillingStatus"] == "C"
        invoices = await sap.get(
            f"{BILLING}/A_BillingDocumentItem?$filter=SalesDocument eq '{number}'"
            "&$expand=to_BillingDocument"
        )
        invoice = invoices.json()["d"]["results"][0]["to_BillingDocument"]
        assert invoice["TotalNetAmount"] == order["TotalNetAmount"]
        assert invoice["PurchaseOrderByCustomer"] == "TEST-PO-1"
        assert invoice["InvoiceClearingStatus"] == "A"
        after = Decimal((await sap.get(exposure_path)).json()["d"]["CustomerCreditExposureAmount"])
        assert after == with_order + Decimal(invoice["TaxAmount"])

    async def test_credit_blocked_order_waits(self, sap: Sap) -> None:
        order = await create_order(sap, ("MAT-0001", "1"), customer="1000050")
        moved = await sap.post(
            "/__admin/lifecycle/advance", json={"salesOrder": order["SalesOrder"]}, headers=ADMIN
        )
        assert moved.json() == {"delivered": [], "billed": []}

    async def test_speed_sets_the_delays(self, sap: Sap) -> None:
        state = await sap.put("/__admin/lifecycle", json={"speed": 60}, headers=ADMIN)
        assert state.json() == {
            "speed": 60.0,
            "deliveryAfterSeconds": 2.0,
            "billingAfterSeconds": 3.0,
        }
        stopped = await sap.put("/__admin/lifecycle", json={"speed": 0}, headers=ADMIN)
        assert stopped.json()["deliveryAfterSeconds"] is None


class TestLifecycleTask:
    @pytest.mark.slow
    async def test_background_task_moves_orders_on(self, trivium_run_dir: Path) -> None:
        service = start_emulator(
            trivium_run_dir,
            name="s4-lifecycle",
            S4_EMULATOR_LIFECYCLE_SPEED="600",
            S4_EMULATOR_LIFECYCLE_TICK_SECONDS="0.05",
        )
        try:
            async with Sap(
                base_url=service.url,
                auth=(USER, PASSWORD),
                headers={"accept": "application/json"},
                timeout=30,
            ) as sap:
                await sap.fetch_token(SO)
                created = await sap.post(f"{SO}/A_SalesOrder", json=order_body("1000002"))
                number = created.json()["d"]["SalesOrder"]

                async def order() -> dict[str, Any]:
                    found: dict[str, Any] = (
                        await sap.get(f"{SO}/A_SalesOrder('{number}')")
                    ).json()["d"]
                    return found

                async def billed() -> bool:
                    return (await order())["OverallOrdReltdBillgStatus"] == "C"

                await until(billed, what=f"order {number} billed", within_seconds=60)
                assert (await order())["OverallDeliveryStatus"] == "C"
        finally:
            service.stop()
