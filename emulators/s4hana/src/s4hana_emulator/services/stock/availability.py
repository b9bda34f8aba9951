"""Unrestricted stock, what open orders have confirmed of it, and goods issue on delivery."""

from __future__ import annotations

from decimal import Decimal

from s4hana_emulator.odata.rules import WriteContext
from s4hana_emulator.odata.store import Row, key_of
from s4hana_emulator.odata.values import format_decimal

UNRESTRICTED = "01"
STOCK_SET = "A_MatlStkInAcctMod"
QUANTITY = Decimal("0.001")


def _sum(ctx: WriteContext, sql: str, params: tuple[str, ...]) -> Decimal:
    total = ctx.store.scalar(sql, params)
    return Decimal(str(total or 0)).quantize(QUANTITY)


def unrestricted_stock(ctx: WriteContext, material: str, plant: str) -> Decimal:
    """Unrestricted-use stock without special stock, over all storage locations."""
    return _sum(
        ctx,
        "SELECT SUM(CAST(MatlWrhsStkQtyInMatlBaseUnit AS REAL)) FROM A_MatlStkInAcctMod "
        "WHERE Material = ? AND Plant = ? AND InventoryStockType = ? "
        "AND InventorySpecialStockType = ''",
        (material, plant, UNRESTRICTED),
    )


def confirmed_for_open_orders(
    ctx: WriteContext, material: str, plant: str, *, except_order: str = "", except_item: str = ""
) -> Decimal:
    """Quantities already promised to items that are neither delivered nor rejected."""
    return _sum(
        ctx,
        "SELECT SUM(CAST(ConfdDelivQtyInOrderQtyUnit AS REAL)) FROM A_SalesOrderItem "
        "WHERE Material = ? AND ProductionPlant = ? AND DeliveryStatus <> 'C' "
        "AND SalesDocumentRjcnReason = '' AND NOT (SalesOrder = ? AND SalesOrderItem = ?)",
        (material, plant, except_order, except_item),
    )


def confirmable(
    ctx: WriteContext,
    *,
    material: str,
    plant: str,
    quantity: Decimal,
    order: str,
    item: str,
    unsaved: Decimal = Decimal(0),
) -> Decimal:
    """What an availability check confirms: the quantity, or what is left of the stock.

    `unsaved`: what open items not stored (those of a simulated order) have confirmed."""
    stock = unrestricted_stock(ctx, material, plant)
    promised = confirmed_for_open_orders(ctx, material, plant, except_order=order, except_item=item)
    promised += unsaved
    return max(min(quantity, stock - promised), Decimal(0)).quantize(QUANTITY)


def issue_goods(ctx: WriteContext, material: str, plant: str, quantity: Decimal) -> Decimal:
    """Take `quantity` out of unrestricted stock (never below zero); returns what was taken."""
    entity_set = ctx.entity_set(STOCK_SET)
    rows: list[Row] = ctx.select(
        STOCK_SET,
        "t.Material = ? AND t.Plant = ? AND t.InventoryStockType = ? "
        "AND t.InventorySpecialStockType = ''",
        (material, plant, UNRESTRICTED),
    )
    remaining = quantity
    for row in rows:
        on_hand = Decimal(str(row["MatlWrhsStkQtyInMatlBaseUnit"]))
        taken = min(on_hand, remaining)
        if taken <= 0:
            continue
        left = format_decimal(on_hand - taken, 14)
        ctx.store.update(
            entity_set, key_of(entity_set, row), {"MatlWrhsStkQtyInMatlBaseUnit": left}
        )
        remaining -= taken
    return quantity - remaining


def set_stock(
    ctx: WriteContext,
    *,
    material: str,
    plant: str,
    quantity: Decimal,
    unit: str = "PC",
    location: str = "101A",
) -> Row:
    """Set the unrestricted stock of one storage location (admin and seed)."""
    key = {
        "Material": material, "Plant": plant, "StorageLocation": location, "Batch": "",
        "Supplier": "", "Customer": "", "WBSElementInternalID": "", "SDDocument": "",
        "SDDocumentItem": "", "InventorySpecialStockType": "", "InventoryStockType": UNRESTRICTED,
    }  # fmt: skip
    entity_set = ctx.entity_set(STOCK_SET)
    value = format_decimal(quantity, 14)
    existing = ctx.store.get(entity_set, key)
    if existing is None:
        return ctx.insert(
            STOCK_SET, {**key, "MaterialBaseUnit": unit, "MatlWrhsStkQtyInMatlBaseUnit": value}
        )
    ctx.store.update(entity_set, key, {"MatlWrhsStkQtyInMatlBaseUnit": value})
    return {**existing, "MatlWrhsStkQtyInMatlBaseUnit": value}
