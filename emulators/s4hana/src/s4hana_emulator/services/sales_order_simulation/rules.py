"""A_SalesOrderSimulation: the order is checked, given the defaults of its sales area, priced,
checked for availability and credit by the rules of API_SALES_ORDER_SRV, over what is stored
and without writing it (the service saves nothing)."""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal
from functools import partial
from typing import Any

from s4hana_emulator.odata.errors import PROTOCOL_CODES, ODataError
from s4hana_emulator.odata.rules import Draft, EntityRules, WriteContext, complete_row
from s4hana_emulator.odata.store import Row
from s4hana_emulator.services.sales_order.pricing import (
    credit_status,
    item_price,
    list_price_key,
    order_totals,
)
from s4hana_emulator.services.sales_order.rules import (
    prepare_condition,
    prepare_item,
    prepare_order,
)

ORDER_FIELDS = (
    "SalesOrderType", "SalesOrganization", "DistributionChannel", "OrganizationDivision",
    "SoldToParty", "PurchaseOrderByCustomer", "CustomerPurchaseOrderDate", "SalesOrderDate",
    "PricingDate", "RequestedDeliveryDate", "TransactionCurrency", "CustomerPaymentTerms",
)  # fmt: skip
ITEM_FIELDS = (
    "SalesOrderItem", "SalesOrderItemCategory", "SalesOrderItemText", "Material",
    "RequestedQuantity", "RequestedQuantityUnit", "ProductionPlant",
)  # fmt: skip
CONDITION_FIELDS = (
    "ConditionType", "ConditionRateValue", "ConditionCurrency", "ConditionQuantity",
    "ConditionQuantityUnit",
)  # fmt: skip
ELEMENT_FIELDS = (
    "PricingProcedureStep", "PricingProcedureCounter", "ConditionType", "ConditionRateValue",
    "ConditionCurrency", "ConditionQuantity", "ConditionQuantityUnit", "ConditionAmount",
    "TransactionCurrency", "ConditionInactiveReason", "ConditionIsManuallyChanged",
)  # fmt: skip
SIMULATED_ORDER_NUMBER = ""


def _given(values: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: values[name] for name in fields if values.get(name) not in (None, "")}


def _draft(ctx: WriteContext, set_name: str, values: dict[str, Any]) -> Draft:
    return Draft(ctx.entity_set(set_name), values)


def _next_number(used: list[str], *, start: int, step: int) -> str:
    """`WriteContext.next_number` over numbers not stored: one step above the highest numeric
    one in use, from `start`."""
    numeric = [int(number) for number in used if _DIGITS.fullmatch(number)]
    highest = max(numeric, default=None)
    return str(start if highest is None or highest < start else highest + step)


_DIGITS = re.compile("[0-9]+")


class _PricedItem:
    """A simulated item as the order's rules leave it, with its pricing conditions."""

    def __init__(self, row: Row, elements: list[Row]) -> None:
        self.row = row
        self.elements = elements


def simulate(
    ctx: WriteContext, values: dict[str, Any], items: list[Draft]
) -> tuple[Row, list[_PricedItem]]:
    """The order and its items as a deep insert of API_SALES_ORDER_SRV would leave them (the same
    checks, defaults, availability check, pricing and credit check), computed from what is
    stored without writing: items not stored count in each other's availability check and the
    order in its credit exposure, as they would once saved."""
    order_values = _given(values, ORDER_FIELDS)
    prepare_order(ctx, order_values)
    order_values["SalesOrder"] = SIMULATED_ORDER_NUMBER
    order = complete_row(ctx.entity_set("A_SalesOrder"), order_values)
    item_set = ctx.entity_set("A_SalesOrderItem")
    element_set = ctx.entity_set("A_SalesOrderItemPrElement")
    numbers: list[str] = []
    confirmed: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    priced: list[_PricedItem] = []
    for asked in items:
        item_values = {**_given(asked.values, ITEM_FIELDS), "SalesOrder": SIMULATED_ORDER_NUMBER}
        prepare_item(
            ctx,
            item_values,
            order,
            number=partial(_next_number, numbers, start=10, step=10),
            unsaved=confirmed,
        )
        number = str(item_values["SalesOrderItem"])
        if number in numbers:
            raise ODataError(
                400, PROTOCOL_CODES["duplicate"], "Entity 'A_SalesOrderItem' with this key exists"
            )
        numbers.append(number)
        item = complete_row(item_set, item_values)
        key = (str(item["Material"]), str(item["ProductionPlant"]))
        confirmed[key] += Decimal(str(item["ConfdDelivQtyInOrderQtyUnit"] or 0))
        manual: list[Row] = []
        steps: list[str] = []
        for condition in asked.children.get("to_PricingElement", []):
            condition_values = {
                **_given(condition.values, CONDITION_FIELDS),
                "SalesOrder": item["SalesOrder"],
                "SalesOrderItem": item["SalesOrderItem"],
            }
            prepare_condition(
                condition_values, order, step=partial(_next_number, steps, start=20, step=10)
            )
            steps.append(str(condition_values["PricingProcedureStep"]))
            manual.append(complete_row(element_set, condition_values))
        price = item_price(ctx, order, item, manual)
        elements = list(manual)
        if price.manual is not None:
            elements[-1] = {**manual[-1], **price.manual}
        if price.list_price is not None:
            listed = {**list_price_key(item), **price.list_price}
            elements.insert(0, complete_row(element_set, listed))
        priced.append(_PricedItem({**item, **price.changes}, elements))
    order.update(order_totals([item.row for item in priced]))
    order["TotalCreditCheckStatus"] = credit_status(ctx, order, unsaved=True)
    return order, priced


class SalesOrderSimulationRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        items = draft.children.get("to_Item", [])
        row, priced = simulate(ctx, draft.values, items)
        draft.values.update(_given(row, ORDER_FIELDS))
        draft.values.update(SalesOrder=SIMULATED_ORDER_NUMBER, TotalNetAmount=row["TotalNetAmount"])
        draft.children["to_Item"] = [
            self._answered_item(ctx, asked, item, order=row)
            for asked, item in zip(items, priced, strict=True)
        ]
        if "to_Pricing" in draft.children:
            draft.children["to_Pricing"] = [
                _draft(
                    ctx,
                    "A_SalesOrderPricingSimulation",
                    {
                        "TotalNetAmount": row["TotalNetAmount"],
                        "TransactionCurrency": row["TransactionCurrency"],
                    },
                )
            ]
        if "to_Credit" in draft.children:
            draft.children["to_Credit"] = [
                _draft(
                    ctx,
                    "A_SalesOrderCreditSimulation",
                    {"TotalCreditCheckStatus": row["TotalCreditCheckStatus"]},
                )
            ]

    @staticmethod
    def _answered_item(
        ctx: WriteContext, asked: Draft, priced: _PricedItem, *, order: Row
    ) -> Draft:
        item = priced.row
        answer = _draft(
            ctx,
            "A_SalesOrderItemSimulation",
            {
                **_given(item, ITEM_FIELDS),
                "NetAmount": item["NetAmount"],
                "TransactionCurrency": item["TransactionCurrency"],
            },
        )
        if "to_PricingElement" in asked.children:
            answer.children["to_PricingElement"] = [
                _draft(
                    ctx,
                    "A_SalesOrderItmPrcgElmntSimln",
                    {name: element[name] for name in ELEMENT_FIELDS},
                )
                for element in sorted(priced.elements, key=lambda e: int(e["PricingProcedureStep"]))
            ]
        if "to_ScheduleLine" in asked.children:
            confirmed = item["ConfdDelivQtyInOrderQtyUnit"]
            answer.children["to_ScheduleLine"] = [
                _draft(
                    ctx,
                    "A_SalesOrderScheduleLineSimln",
                    {
                        "ScheduleLine": "1",
                        "RequestedDeliveryDate": order["RequestedDeliveryDate"],
                        "ConfirmedDeliveryDate": order["RequestedDeliveryDate"]
                        if Decimal(str(confirmed or 0)) > 0
                        else None,
                        "OrderQuantityUnit": item["OrderQuantityUnit"],
                        "ScheduleLineOrderQuantity": item["RequestedQuantity"],
                        "ConfdOrderQtyByMatlAvailCheck": confirmed,
                    },
                )
            ]
        return answer


def build_rules() -> dict[str, EntityRules]:
    return {"A_SalesOrderSimulation": SalesOrderSimulationRules()}
