"""API_SALES_ORDER_SIMULATION_SRV: an order priced and checked as if created, and not saved."""

from __future__ import annotations

from typing import Any

import pytest

from ..support import SIMULATION, SO, Sap, order_body, sap_error

pytestmark = pytest.mark.asyncio


def simulation_body(customer: str, *lines: tuple[str, str]) -> dict[str, Any]:
    """A simulation asking for pricing elements, schedule lines, totals and the credit check."""
    body = order_body(customer, *lines)
    for item in body["to_Item"]:
        item.update(to_PricingElement=[], to_ScheduleLine=[])
    body.update(to_Pricing={}, to_Credit={})
    return body


async def simulate(sap: Sap, body: dict[str, Any]) -> dict[str, Any]:
    response = await sap.post(f"{SIMULATION}/A_SalesOrderSimulation", json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()["d"]
    return answer


async def order_count(sap: Sap) -> int:
    return int((await sap.get(f"{SO}/A_SalesOrder/$count")).text)


class TestSimulate:
    async def test_prices_confirms_and_checks_credit_without_saving(self, sap: Sap) -> None:
        before = await order_count(sap)
        answer = await simulate(
            sap, simulation_body("1000002", ("MAT-0002", "2"), ("MAT-0004", "1"))
        )
        assert answer["SalesOrder"] == ""
        assert answer["TotalNetAmount"] == "321.500"
        assert answer["TransactionCurrency"] == "EUR"
        assert answer["to_Pricing"]["TotalNetAmount"] == "321.500"
        assert answer["to_Credit"]["TotalCreditCheckStatus"] == "A"
        items = answer["to_Item"]["results"]
        assert [(i["SalesOrderItem"], i["Material"], i["NetAmount"]) for i in items] == [
            ("10", "MAT-0002", "165.000"),
            ("20", "MAT-0004", "156.500"),
        ]
        elements = items[0]["to_PricingElement"]["results"]
        assert [(e["ConditionType"], e["ConditionRateValue"]) for e in elements] == [
            ("PPR0", "82.500000000")
        ]
        line = items[0]["to_ScheduleLine"]["results"][0]
        assert (line["ScheduleLineOrderQuantity"], line["ConfdOrderQtyByMatlAvailCheck"]) == (
            "2.000",
            "2.000",
        )
        assert await order_count(sap) == before

    async def test_manual_price_is_used_and_the_list_price_shown_inactive(self, sap: Sap) -> None:
        body = simulation_body("1000002", ("MAT-0002", "3"))
        body["to_Item"][0]["to_PricingElement"] = [
            {"ConditionType": "PMP0", "ConditionRateValue": "99.00"}
        ]
        answer = await simulate(sap, body)
        assert answer["TotalNetAmount"] == "297.000"
        elements = answer["to_Item"]["results"][0]["to_PricingElement"]["results"]
        assert [(e["ConditionType"], e["ConditionInactiveReason"]) for e in elements] == [
            ("PPR0", "X"),
            ("PMP0", ""),
        ]

    async def test_order_over_the_credit_limit_fails_the_credit_check(self, sap: Sap) -> None:
        answer = await simulate(sap, simulation_body("1000002", ("MAT-0002", "9000")))
        assert answer["to_Credit"]["TotalCreditCheckStatus"] == "B"
        schedule = answer["to_Item"]["results"][0]["to_ScheduleLine"]["results"][0]
        assert schedule["ConfdOrderQtyByMatlAvailCheck"] != "9000.000"

    async def test_sections_not_asked_for_are_not_answered(self, sap: Sap) -> None:
        answer = await simulate(sap, order_body("1000002", ("MAT-0002", "1")))
        assert "__deferred" in answer["to_Credit"]
        assert "__deferred" in answer["to_Item"]["results"][0]["to_PricingElement"]

    async def test_unknown_material_is_sd_error_and_nothing_saved(self, sap: Sap) -> None:
        before = await order_count(sap)
        response = await sap.post(
            f"{SIMULATION}/A_SalesOrderSimulation",
            json=simulation_body("1000002", ("NOPE-1", "1")),
        )
        assert "NOPE-1" in sap_error(response, 400)["message"]["value"]
        assert await order_count(sap) == before

    async def test_metadata_describes_the_simulation_types(self, sap: Sap) -> None:
        response = await sap.get(f"{SIMULATION}/$metadata")
        assert response.status_code == 200
        for type_name in (
            "A_SalesOrderSimulationType",
            "A_SalesOrderItemSimulationType",
            "A_SalesOrderItmPrcgElmntSimlnType",
            "A_SalesOrderScheduleLineSimlnType",
            "A_SalesOrderCreditSimulationType",
        ):
            assert f'Name="{type_name}"' in response.text
