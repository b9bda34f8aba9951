"""The `inventoryItem` record: the SKU, its base price, and quantities per location.

Quantities are not written through the record (NetSuite changes them with inventory
adjustments, fulfillments and receipts): orders commit them, fulfillments ship them, and the
admin API sets what is on hand.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from netsuite_emulator.domain import business
from netsuite_emulator.domain.errors import (
    dependent_records,
    duplicate_external_id,
    invalid_content,
)
from netsuite_emulator.domain.records.common import (
    Body,
    RecordContext,
    boolean,
    decimal_text,
    money,
    require_row,
    without_nulls,
)
from netsuite_emulator.domain.store import Row, Store

NAME = "inventoryItem"
FIELDS = frozenset(
    {"externalId", "itemId", "displayName", "description", "basePrice", "isInactive", "locations"}
)
SUBLISTS: tuple[str, ...] = ("locations",)
SELECT = "SELECT * FROM item WHERE id = ?"


def get_row(store: Store, record_id: str) -> Row:
    return require_row(store, NAME, SELECT, record_id)


def find_by_external_id(store: Store, external_id: str) -> int | None:
    found = store.scalar("SELECT id FROM item WHERE externalid = ?", (external_id,))
    return int(found) if found is not None else None


def read(ctx: RecordContext, record_id: str, *, expand: bool) -> dict[str, Any]:
    row = get_row(ctx.store, record_id)
    record: dict[str, Any] = {
        "links": ctx.self_link(NAME, row["id"]),
        "id": str(row["id"]),
        "externalId": row["externalid"],
        "itemId": row["itemid"],
        "displayName": row["displayname"],
        "description": row["description"],
        "basePrice": money(row["baseprice"]),
        "itemType": {"id": row["itemtype"], "refName": "Inventory Item"},
        "isInactive": boolean(row["isinactive"]),
        "createdDate": row["datecreated"],
        "lastModifiedDate": row["lastmodifieddate"],
        "locations": (
            sublist_collection(ctx, row["id"], "locations")
            if expand
            else {"links": ctx.self_link(NAME, row["id"], "locations")}
        ),
    }
    return without_nulls(record)


def sublist_lines(ctx: RecordContext, item_id: int, sublist: str) -> list[dict[str, Any]]:
    rows = ctx.store.rows(
        "SELECT q.*, l.name FROM inventoryitemlocations q JOIN location l ON l.id = q.location "
        "WHERE q.item = ? ORDER BY q.location",
        (item_id,),
    )
    return [
        {
            "location": ctx.reference(None, row["location"], row["name"]),
            "locationId": {"id": str(row["location"]), "refName": row["name"]},
            "quantityOnHand": money(row["quantityonhand"]),
            "quantityCommitted": money(row["quantitycommitted"]),
            "quantityAvailable": money(row["quantityavailable"]),
            "quantityOnOrder": money(row["quantityonorder"]),
        }
        for row in rows
    ]


def sublist_collection(ctx: RecordContext, item_id: int, sublist: str) -> dict[str, Any]:
    lines = sublist_lines(ctx, item_id, sublist)
    return ctx.sublist_collection(NAME, item_id, sublist, lines)


# Text fields as (field, column, longest length NetSuite accepts).
TEXT_COLUMNS = (
    ("externalId", "externalid", 100),
    ("itemId", "itemid", 60),
    ("displayName", "displayname", 60),
    ("description", "description", 999),
)


def _values(body: Body) -> dict[str, Any]:
    if body.has("locations"):
        raise invalid_content(
            "Quantities per location are changed by inventory transactions, not on the item.",
            path="locations",
        )
    values: dict[str, Any] = body.texts(TEXT_COLUMNS)
    if body.has("basePrice"):
        values["baseprice"] = body.amount_text("basePrice")
    if body.has("isInactive"):
        values["isinactive"] = body.flag_text("isInactive")
    return values


def _check_unique(store: Store, values: dict[str, Any], own_id: int | None) -> None:
    external = values.get("externalid")
    if external and find_by_external_id(store, external) not in (None, own_id):
        raise duplicate_external_id(external)
    sku = values.get("itemid")
    if sku and store.scalar("SELECT id FROM item WHERE itemid = ?", (sku,)) not in (None, own_id):
        raise invalid_content(f"An item with the name '{sku}' already exists.", path="itemId")


def create(ctx: RecordContext, raw: dict[str, Any], *, external_id: str | None = None) -> int:
    values = _values(Body(raw, allowed=FIELDS))
    if external_id is not None:
        values["externalid"] = external_id
    if not values.get("itemid"):
        raise invalid_content("Please enter value(s) for: Item Name/Number", path="itemId")
    _check_unique(ctx.store, values, None)
    now = ctx.now()
    values.update(datecreated=now, lastmodifieddate=now)
    columns, marks = ", ".join(values), ", ".join("?" for _ in values)
    return ctx.store.execute(
        f"INSERT INTO item ({columns}) VALUES ({marks})", list(values.values())
    )


def update(ctx: RecordContext, record_id: str, raw: dict[str, Any]) -> None:
    row = get_row(ctx.store, record_id)
    values = _values(Body(raw, allowed=FIELDS))
    if "itemid" in values and not values["itemid"]:
        raise invalid_content("Please enter value(s) for: Item Name/Number", path="itemId")
    _check_unique(ctx.store, values, row["id"])
    values["lastmodifieddate"] = ctx.now()
    assignments = ", ".join(f"{column} = ?" for column in values)
    ctx.store.execute(f"UPDATE item SET {assignments} WHERE id = ?", [*values.values(), row["id"]])


def delete(ctx: RecordContext, record_id: str) -> None:
    row = get_row(ctx.store, record_id)
    if ctx.store.scalar("SELECT COUNT(*) FROM transactionline WHERE item = ?", (row["id"],)):
        raise dependent_records()
    ctx.store.execute("DELETE FROM item WHERE id = ?", (row["id"],))


def set_on_hand(ctx: RecordContext, *, item_id: int, location_id: int, on_hand: Decimal) -> None:
    """Set what is on hand at a location (as an inventory adjustment would)."""
    _, committed = _stock_at(ctx, item_id=item_id, location_id=location_id)
    _write_stock(
        ctx, item_id=item_id, location_id=location_id, on_hand=on_hand, committed=committed
    )


def move_stock(
    ctx: RecordContext,
    *,
    item_id: int,
    location_id: int,
    committed: Decimal = Decimal(0),
    shipped: Decimal = Decimal(0),
) -> None:
    """Commit (order) or ship (fulfillment) a quantity at a location."""
    on_hand, held = _stock_at(ctx, item_id=item_id, location_id=location_id)
    _write_stock(
        ctx,
        item_id=item_id,
        location_id=location_id,
        on_hand=on_hand - shipped,
        committed=max(held + committed - shipped, Decimal(0)),
    )


def _stock_at(ctx: RecordContext, *, item_id: int, location_id: int) -> tuple[Decimal, Decimal]:
    """On hand and committed at a location; nothing where the item has never been."""
    current = ctx.store.row(
        "SELECT quantityonhand, quantitycommitted FROM inventoryitemlocations "
        "WHERE item = ? AND location = ?",
        (item_id, location_id),
    )
    if current is None:
        return Decimal(0), Decimal(0)
    return Decimal(current["quantityonhand"]), Decimal(current["quantitycommitted"])


def _write_stock(
    ctx: RecordContext, *, item_id: int, location_id: int, on_hand: Decimal, committed: Decimal
) -> None:
    ctx.store.execute(
        "INSERT INTO inventoryitemlocations (item, location, quantityonhand, quantitycommitted, "
        "quantityavailable) VALUES (?, ?, ?, ?, ?) ON CONFLICT (item, location) DO UPDATE SET "
        "quantityonhand = excluded.quantityonhand, quantitycommitted = excluded.quantitycommitted, "
        "quantityavailable = excluded.quantityavailable",
        (
            item_id,
            location_id,
            decimal_text(on_hand),
            decimal_text(committed),
            decimal_text(business.available(on_hand, committed)),
        ),
    )
    ctx.store.execute("UPDATE item SET lastmodifieddate = ? WHERE id = ?", (ctx.now(), item_id))
