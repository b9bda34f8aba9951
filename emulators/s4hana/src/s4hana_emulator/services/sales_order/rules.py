"""API_SALES_ORDER_SRV behaviour: checks of a new order, numbering, defaults from the customer's
sales area, availability check, pricing and credit check, and the partners SAP determines.

Message codes of SD checks whose exact numbers could not be verified are this emulator's choice
in SAP's sales message class V1 (see `MESSAGES`); the texts follow SAP's wording.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from s4hana_emulator.odata.errors import business_error
from s4hana_emulator.odata.rules import Draft, EntityRules, WriteContext
from s4hana_emulator.odata.store import Row
from s4hana_emulator.odata.values import date_to_ms
from s4hana_emulator.services.sales_order.pricing import price_item, reprice_order
from s4hana_emulator.services.stock.availability import confirmable

ORDER_NUMBERS_FROM = 1
ORDER_TYPES = {"OR": "TA", "TA": "TA", "CR": "G2", "DR": "L2"}
PARTNER_FUNCTIONS = {"SP": "AG", "SH": "WE", "BP": "RE", "PY": "RG", "CP": "AP", "ER": "ZM"}
DEFAULT_PLANT = "1010"
MESSAGES = {
    "required": "V1/382",
    "sales_area": "V1/302",
    "order_block": "V1/462",
    "material": "V1/391",
    "quantity": "V1/423",
    "order_missing": "V1/302",
    "processed": "V1/044",
    "partner": "V1/018",
}


def sd_error(kind: str, message: str, *, target: str = "") -> Exception:
    return business_error(MESSAGES[kind], message, target=target)


def _today(ctx: WriteContext) -> int:
    return date_to_ms(ctx.clock.now().date())


def _sales_area(ctx: WriteContext, values: dict[str, Any]) -> Row:
    area = ctx.get(
        "A_CustomerSalesArea",
        {
            "Customer": values["SoldToParty"],
            "SalesOrganization": values["SalesOrganization"],
            "DistributionChannel": values["DistributionChannel"],
            "Division": values["OrganizationDivision"],
        },
    )
    if area is None:
        raise sd_error(
            "sales_area",
            f"Sold-to party {values['SoldToParty']} not maintained for sales area "
            f"{values['SalesOrganization']} {values['DistributionChannel']} "
            f"{values['OrganizationDivision']}",
            target="SoldToParty",
        )
    return area


# The orders of this write being deep-inserted: their items are priced one by one, the order's
# totals and credit check (a query over all its customer's open documents) run once, after them.
DEEP_INSERTED = "sales orders being deep-inserted"


def is_processed(order: Row) -> bool:
    """Delivered (or further): items and values can no longer change."""
    return order["OverallDeliveryStatus"] not in ("", "A")


def prepare_order(ctx: WriteContext, values: dict[str, Any]) -> None:
    """Check a new order and set what SAP derives (sales area defaults, dates, statuses); the
    checks and defaults of a created order and of a simulated one."""
    for field in (
        "SalesOrderType", "SalesOrganization", "DistributionChannel",
        "OrganizationDivision", "SoldToParty",
    ):  # fmt: skip
        if not values.get(field):
            raise sd_error("required", f"Enter {field}", target=field)
    order_type = str(values["SalesOrderType"])
    if order_type not in ORDER_TYPES:
        raise sd_error("required", f"Sales document type {order_type} is not defined")
    area = _sales_area(ctx, values)
    customer = ctx.get("A_Customer", {"Customer": values["SoldToParty"]}) or {}
    if area["OrderIsBlockedForCustomer"] or customer.get("OrderIsBlockedForCustomer"):
        raise sd_error(
            "order_block",
            f"Sold-to party {values['SoldToParty']} is blocked for sales orders",
            target="SoldToParty",
        )
    today = _today(ctx)
    values["SalesOrderTypeInternalCode"] = ORDER_TYPES[order_type]
    values["TransactionCurrency"] = values.get("TransactionCurrency") or area["Currency"]
    values["CustomerPaymentTerms"] = (
        values.get("CustomerPaymentTerms") or area["CustomerPaymentTerms"]
    )
    for field in ("SalesOrderDate", "PricingDate", "RequestedDeliveryDate"):
        values[field] = values.get(field) or today
    values.update(
        OverallSDProcessStatus="A",
        OverallDeliveryStatus="A",
        OverallTotalDeliveryStatus="A",
        OverallOrdReltdBillgStatus="A",
        OverallSDDocumentRejectionSts="A",
        OverallSDDocReferenceStatus="",
        TotalBlockStatus="",
    )


def prepare_item(
    ctx: WriteContext,
    values: dict[str, Any],
    order: Row,
    *,
    number: Callable[[], str],
    unsaved: Mapping[tuple[str, str], Decimal] | None = None,
) -> None:
    """Check a new item of an open order, number it (`number()` unless given), set its
    defaults and what the availability check confirms. `unsaved`: what items not stored (of a
    simulated order) have confirmed, per material and plant."""
    material = str(values.get("Material") or "")
    product = ctx.get("A_Product", {"Product": material})
    if product is None or product["IsMarkedForDeletion"]:
        raise sd_error("material", f"Material {material} does not exist", target="Material")
    quantity = Decimal(str(values.get("RequestedQuantity") or 0))
    if quantity <= 0:
        raise sd_error("quantity", "Enter a quantity greater than zero", target="RequestedQuantity")
    if not values.get("SalesOrderItem"):
        values["SalesOrderItem"] = number()
    _item_defaults(ctx, values, order, product)
    plant = values["ProductionPlant"]
    values["ConfdDelivQtyInOrderQtyUnit"] = str(
        confirmable(
            ctx,
            material=material,
            plant=plant,
            quantity=quantity,
            order=order["SalesOrder"],
            item=values["SalesOrderItem"],
            unsaved=(unsaved or {}).get((material, plant), Decimal(0)),
        )
    )


def _item_defaults(ctx: WriteContext, values: dict[str, Any], order: Row, product: Row) -> None:
    unit = values.get("RequestedQuantityUnit") or product["BaseUnit"] or "PC"
    description = ctx.get("A_ProductDescription", {"Product": product["Product"], "Language": "EN"})
    weight = Decimal(str(product["GrossWeight"] or 0)) * Decimal(str(values["RequestedQuantity"]))
    values.update(
        RequestedQuantityUnit=unit,
        OrderQuantityUnit=unit,
        TransactionCurrency=order["TransactionCurrency"],
        SDProcessStatus="A",
        DeliveryStatus="A",
        OrderRelatedBillingStatus="A",
        ItemGrossWeight=str(weight.quantize(Decimal("0.001"))),
        ItemWeightUnit=product["WeightUnit"],
        MaterialGroup=product["ProductGroup"],
    )
    values.setdefault("SalesOrderItemCategory", "TAN")
    values.setdefault("ProductionPlant", DEFAULT_PLANT)
    values.setdefault("PurchaseOrderByCustomer", order["PurchaseOrderByCustomer"])
    if description is not None:
        values.setdefault("SalesOrderItemText", description["ProductDescription"])
    if not values.get("ProductionPlant"):
        values["ProductionPlant"] = DEFAULT_PLANT


def prepare_condition(values: dict[str, Any], order: Row, *, step: Callable[[], str]) -> None:
    """Check a condition a client enters on an item and set its step (`step()`) and defaults."""
    if not values.get("ConditionType"):
        raise sd_error("required", "Enter ConditionType", target="ConditionType")
    values["PricingProcedureStep"] = step()
    values["PricingProcedureCounter"] = "1"
    values.setdefault("ConditionCurrency", order["TransactionCurrency"])
    if values.get("ConditionQuantity") in (None, "0"):
        values["ConditionQuantity"] = "1"
    values.update(ConditionIsManuallyChanged=1, ConditionOrigin="C", ConditionCalculationType="C")


class SalesOrderRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        values = draft.values
        prepare_order(ctx, values)
        if not values.get("SalesOrder"):
            values["SalesOrder"] = ctx.next_number(
                "A_SalesOrder", "SalesOrder", start=ORDER_NUMBERS_FROM
            )
        ctx.notes.setdefault(DEEP_INSERTED, set()).add(str(values["SalesOrder"]))

    def after_create(self, ctx: WriteContext, row: Row) -> None:
        order = row["SalesOrder"]
        ctx.notes.get(DEEP_INSERTED, set()).discard(str(order))
        present = {
            p["PartnerFunction"]
            for p in ctx.select("A_SalesOrderHeaderPartner", "t.SalesOrder = ?", (order,))
        }
        for function in ("SP", "SH", "BP", "PY"):
            if function not in present:
                ctx.insert(
                    "A_SalesOrderHeaderPartner",
                    {
                        "SalesOrder": order,
                        "PartnerFunction": function,
                        "PartnerFunctionInternalCode": PARTNER_FUNCTIONS[function],
                        "Customer": row["SoldToParty"],
                        "ReferenceBusinessPartner": row["SoldToParty"],
                    },
                )
        reprice_order(ctx, order)

    def before_update(self, ctx: WriteContext, row: Row, changes: dict[str, Any]) -> None:
        if "SoldToParty" in changes and changes["SoldToParty"] != row["SoldToParty"]:
            if is_processed(row):
                raise sd_error(
                    "processed", "Sold-to party cannot be changed: the order is delivered"
                )
            _sales_area(ctx, {**row, **changes})

    def after_update(self, ctx: WriteContext, row: Row) -> None:
        reprice_order(ctx, row["SalesOrder"])

    def before_delete(self, ctx: WriteContext, row: Row) -> None:
        if is_processed(row):
            raise sd_error(
                "processed",
                f"Sales document {row['SalesOrder']} cannot be deleted: subsequent documents exist",
            )


def _order_of(ctx: WriteContext, values: dict[str, Any], parent: Row | None) -> Row:
    order = parent if parent is not None and "SoldToParty" in parent else None
    order = order or ctx.get("A_SalesOrder", {"SalesOrder": values.get("SalesOrder") or ""})
    if order is None:
        raise sd_error("order_missing", f"Sales document {values.get('SalesOrder')} does not exist")
    return order


class SalesOrderItemRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        values = draft.values
        order = _order_of(ctx, values, parent)
        if is_processed(order):
            raise sd_error(
                "processed", f"Sales document {order['SalesOrder']} is already delivered"
            )
        prepare_item(
            ctx,
            values,
            order,
            number=lambda: ctx.next_number(
                "A_SalesOrderItem",
                "SalesOrderItem",
                start=10,
                step=10,
                where="t.SalesOrder = ?",
                params=(order["SalesOrder"],),
            ),
        )

    def after_create(self, ctx: WriteContext, row: Row) -> None:
        if str(row["SalesOrder"]) in ctx.notes.get(DEEP_INSERTED, set()):
            order = ctx.get("A_SalesOrder", {"SalesOrder": row["SalesOrder"]})
            assert order is not None
            price_item(ctx, order, row)  # the order's own after_create totals it
            return
        self._price(ctx, row)

    @staticmethod
    def _price(ctx: WriteContext, row: Row) -> None:
        order = ctx.get("A_SalesOrder", {"SalesOrder": row["SalesOrder"]})
        assert order is not None
        price_item(ctx, order, row)
        reprice_order(ctx, row["SalesOrder"])

    def before_update(self, ctx: WriteContext, row: Row, changes: dict[str, Any]) -> None:
        order = _order_of(ctx, row, None)
        if is_processed(order) and set(changes) & {"RequestedQuantity", "Material"}:
            raise sd_error("processed", f"Item {row['SalesOrderItem']} is already delivered")
        if "Material" in changes and changes["Material"] != row["Material"]:
            raise sd_error(
                "processed", "The material of an item cannot be changed", target="Material"
            )
        if "RequestedQuantity" in changes:
            quantity = Decimal(str(changes["RequestedQuantity"]))
            if quantity <= 0:
                raise sd_error(
                    "quantity", "Enter a quantity greater than zero", target="RequestedQuantity"
                )
            changes["ConfdDelivQtyInOrderQtyUnit"] = str(
                confirmable(
                    ctx, material=row["Material"], plant=row["ProductionPlant"],
                    quantity=quantity, order=row["SalesOrder"], item=row["SalesOrderItem"],
                )
            )  # fmt: skip

    def after_update(self, ctx: WriteContext, row: Row) -> None:
        self._price(ctx, row)

    def before_delete(self, ctx: WriteContext, row: Row) -> None:
        if is_processed(_order_of(ctx, row, None)):
            raise sd_error("processed", f"Item {row['SalesOrderItem']} is already delivered")

    def after_delete(self, ctx: WriteContext, row: Row) -> None:
        reprice_order(ctx, row["SalesOrder"])


class HeaderPartnerRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        values = draft.values
        _order_of(ctx, values, parent)
        function = str(values.get("PartnerFunction") or "")
        if function not in PARTNER_FUNCTIONS:
            raise sd_error(
                "partner", f"Partner function {function} is not defined", target="PartnerFunction"
            )
        customer = str(values.get("Customer") or "")
        if customer and ctx.get("A_Customer", {"Customer": customer}) is None:
            raise sd_error("partner", f"Customer {customer} does not exist", target="Customer")
        values["PartnerFunctionInternalCode"] = PARTNER_FUNCTIONS[function]
        values["ReferenceBusinessPartner"] = customer


class PricingElementRules(EntityRules):
    """Conditions a client enters on an item (e.g. a manual price PMP0)."""

    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        values = draft.values
        order = _order_of(ctx, values, None)
        if (
            parent is None
            and ctx.get(
                "A_SalesOrderItem",
                {
                    "SalesOrder": values.get("SalesOrder"),
                    "SalesOrderItem": values.get("SalesOrderItem"),
                },
            )
            is None
        ):
            raise sd_error("order_missing", f"Item {values.get('SalesOrderItem')} does not exist")
        prepare_condition(
            values,
            order,
            step=lambda: ctx.next_number(
                "A_SalesOrderItemPrElement",
                "PricingProcedureStep",
                start=20,
                step=10,
                where="t.SalesOrder = ? AND t.SalesOrderItem = ?",
                params=(values["SalesOrder"], values["SalesOrderItem"]),
            ),
        )

    def after_create(self, ctx: WriteContext, row: Row) -> None:
        if str(row["SalesOrder"]) in ctx.notes.get(DEEP_INSERTED, set()):
            return  # deep-inserted with its item, which is priced after its conditions
        item = ctx.get(
            "A_SalesOrderItem",
            {"SalesOrder": row["SalesOrder"], "SalesOrderItem": row["SalesOrderItem"]},
        )
        if item is not None:
            SalesOrderItemRules._price(ctx, item)


def build_rules() -> dict[str, EntityRules]:
    return {
        "A_SalesOrder": SalesOrderRules(),
        "A_SalesOrderItem": SalesOrderItemRules(),
        "A_SalesOrderHeaderPartner": HeaderPartnerRules(),
        "A_SalesOrderItemPrElement": PricingElementRules(),
    }
