"""A_SalesOrderSimulation: the order is created with every rule of API_SALES_ORDER_SRV (checks,
defaults of the sales area, pricing, availability and credit check), read back as the
simulation's answer, and dropped with the rest of the write (the service saves nothing)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from s4hana_emulator.odata.rules import Draft, EntityRules, WriteContext
from s4hana_emulator.odata.store import Row
from s4hana_emulator.odata.writes import create_tree, reload

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


class SalesOrderSimulationRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        items = draft.children.get("to_Item", [])
        order = _draft(ctx, "A_SalesOrder", _given(draft.values, ORDER_FIELDS))
        order.children["to_Item"] = [self._order_item(ctx, item) for item in items]
        created = reload(ctx, create_tree(ctx, ctx.rules_of, order))
        row = created.row
        draft.values.update(_given(row, ORDER_FIELDS))
        draft.values.update(SalesOrder=SIMULATED_ORDER_NUMBER, TotalNetAmount=row["TotalNetAmount"])
        draft.children["to_Item"] = [
            self._answered_item(ctx, asked, item.row, order=row)
            for asked, item in zip(items, created.children.get("to_Item", []), strict=True)
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
    def _order_item(ctx: WriteContext, item: Draft) -> Draft:
        order_item = _draft(ctx, "A_SalesOrderItem", _given(item.values, ITEM_FIELDS))
        conditions = item.children.get("to_PricingElement", [])
        if conditions:
            order_item.children["to_PricingElement"] = [
                _draft(ctx, "A_SalesOrderItemPrElement", _given(c.values, CONDITION_FIELDS))
                for c in conditions
            ]
        return order_item

    @staticmethod
    def _answered_item(ctx: WriteContext, asked: Draft, item: Row, *, order: Row) -> Draft:
        answer = _draft(
            ctx,
            "A_SalesOrderItemSimulation",
            {
                **_given(item, ITEM_FIELDS),
                "NetAmount": item["NetAmount"],
                "TransactionCurrency": item["TransactionCurrency"],
            },
        )
        key = (item["SalesOrder"], item["SalesOrderItem"])
        if "to_PricingElement" in asked.children:
            elements = ctx.select(
                "A_SalesOrderItemPrElement", "t.SalesOrder = ? AND t.SalesOrderItem = ?", key
            )
            answer.children["to_PricingElement"] = [
                _draft(
                    ctx,
                    "A_SalesOrderItmPrcgElmntSimln",
                    {name: element[name] for name in ELEMENT_FIELDS},
                )
                for element in sorted(elements, key=lambda e: int(e["PricingProcedureStep"]))
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
