"""Object rules Salesforce applies on save: derived fields, price book integrity, roll-ups."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.domain.errors import ErrorItem
from salesforce_emulator.domain.objects import STAGES
from salesforce_emulator.domain.org import Org
from salesforce_emulator.domain.persist import stamp_update, update_rows
from salesforce_emulator.domain.references import ReferenceChecker
from salesforce_emulator.domain.schema import ObjectDef
from salesforce_emulator.domain.store import fetch_rows_by_id, quote_name
from salesforce_emulator.domain.values import FieldValueError, format_datetime

Values = dict[str, Any]


def integrity_error(message: str, field: str | None = None) -> FieldValueError:
    return FieldValueError(
        ErrorItem("FIELD_INTEGRITY_EXCEPTION", message, (field,) if field else ())
    )


def _merged(old: Mapping[str, Any] | None, values: Mapping[str, Any], name: str) -> Any:
    if name in values:
        return values[name]
    return old.get(name) if old else None


def _full_name(old: Mapping[str, Any] | None, values: Values) -> str:
    parts = (_merged(old, values, "FirstName"), _merged(old, values, "LastName"))
    return " ".join(part for part in parts if part)


def _opportunity(old: Mapping[str, Any] | None, values: Values) -> None:
    if old is not None and "StageName" not in values:
        return
    stage = _merged(old, values, "StageName")
    probability, category, closed, won = STAGES[stage]
    if old is None or (values["StageName"] != old["StageName"] and "Probability" not in values):
        values.setdefault("Probability", float(probability))
        if old is not None:
            values["Probability"] = float(probability)
    values.update(ForecastCategoryName=category, IsClosed=int(closed), IsWon=int(won))


def _line_amounts(old: Mapping[str, Any] | None, values: Values, *, with_discount: bool) -> None:
    quantity = _merged(old, values, "Quantity")
    unit_price = _merged(old, values, "UnitPrice")
    if quantity is None or unit_price is None:
        return
    if quantity == 0:
        raise integrity_error(
            "field integrity exception: Quantity (quantity must be non-zero)", "Quantity"
        )
    subtotal = round(quantity * unit_price, 2)
    if with_discount:
        discount = _merged(old, values, "Discount") or 0.0
        values["Subtotal"] = subtotal
        values["TotalPrice"] = round(subtotal * (1 - discount / 100), 2)
    else:
        values["TotalPrice"] = subtotal


def _priced_line(
    checker: ReferenceChecker, org: Org, values: Values, *, parent_object: str, parent_field: str
) -> None:
    """Shared checks of quote and order lines: the entry must be active and in the parent's book."""
    parent = checker.row(org.object_or_raise(parent_object), values[parent_field])
    entry = checker.row(org.object_or_raise("PricebookEntry"), values["PricebookEntryId"])
    # References were checked before the rules run.
    assert parent is not None
    assert entry is not None
    if parent.get("StatusCode") == "Activated":
        raise integrity_error(
            "You can't add products to an activated order. Deactivate the order first.",
            parent_field,
        )
    if not parent["Pricebook2Id"] or parent["Pricebook2Id"] != entry["Pricebook2Id"]:
        raise integrity_error(
            "field integrity exception: PricebookEntryId (pricebook entry is in a different "
            f"pricebook than the one assigned to the {parent_object}, or {parent_object} has no "
            "price book assigned)",
            "PricebookEntryId",
        )
    if not entry["IsActive"]:
        raise integrity_error(
            "field integrity exception: PricebookEntryId (pricebook entry is inactive)",
            "PricebookEntryId",
        )
    if values.get("Product2Id") not in (None, entry["Product2Id"]):
        raise integrity_error(
            "field integrity exception: Product2Id (product does not match the price book entry)",
            "Product2Id",
        )
    values["Product2Id"] = entry["Product2Id"]
    values["ListPrice"] = entry["UnitPrice"]


def _pricebook_entry(checker: ReferenceChecker, org: Org, values: Values) -> None:
    book = checker.row(org.object_or_raise("Pricebook2"), values["Pricebook2Id"])
    product = checker.row(org.object_or_raise("Product2"), values["Product2Id"])
    assert book is not None
    assert product is not None
    key = ("PricebookEntry", values["Pricebook2Id"], values["Product2Id"])
    duplicate = checker.conn.execute(
        'SELECT 1 FROM "PricebookEntry" WHERE "Pricebook2Id" = ? AND "Product2Id" = ? '
        'AND "IsDeleted" = 0',
        key[1:],
    ).fetchone()
    if duplicate or key in checker.claims:
        raise FieldValueError(
            ErrorItem("DUPLICATE_VALUE", "This price definition already exists in this price book")
        )
    if not book["IsStandard"]:
        standard = checker.conn.execute(
            'SELECT 1 FROM "PricebookEntry" e JOIN "Pricebook2" b ON b."Id" = e."Pricebook2Id" '
            'WHERE b."IsStandard" = 1 AND e."Product2Id" = ? AND e."IsDeleted" = 0',
            (values["Product2Id"],),
        ).fetchone()
        if not standard and ("standard", values["Product2Id"]) not in checker.claims:
            raise FieldValueError(
                ErrorItem(
                    "STANDARD_PRICE_NOT_DEFINED", "No standard price defined for this product"
                )
            )
    else:
        checker.claims.add(("standard", values["Product2Id"]))
    checker.claims.add(key)
    values.update(Name=product["Name"], ProductCode=product["ProductCode"])


def before_insert(
    checker: ReferenceChecker, org: Org, obj: ObjectDef, values: Values, ctx: WriteContext
) -> None:
    """Derive and check what Salesforce derives and checks when a record is created."""
    name = obj.name
    if name in ("Contact", "User"):
        values["Name"] = _full_name(None, values)
    elif name == "Opportunity":
        _opportunity(None, values)
    elif name == "Pricebook2":
        values["IsStandard"] = 0
    elif name == "PricebookEntry":
        _pricebook_entry(checker, org, values)
    elif name == "Quote":
        opportunity = checker.row(org.object_or_raise("Opportunity"), values["OpportunityId"])
        assert opportunity is not None
        values["AccountId"] = opportunity["AccountId"]
        if values.get("Pricebook2Id") is None:
            values["Pricebook2Id"] = opportunity["Pricebook2Id"]
        tax, shipping = values.get("Tax") or 0.0, values.get("ShippingHandling") or 0.0
        values.update(
            Subtotal=0.0, TotalPrice=0.0, LineItemCount=0, GrandTotal=round(tax + shipping, 2),
            IsSyncing=0,
        )  # fmt: skip
    elif name == "QuoteLineItem":
        _priced_line(checker, org, values, parent_object="Quote", parent_field="QuoteId")
        _line_amounts(None, values, with_discount=True)
    elif name == "Order":
        if values.get("Status") == "Activated":
            raise _no_products()
        values.update(StatusCode=values.get("Status") or "Draft", TotalAmount=0.0)
    elif name == "OrderItem":
        _priced_line(checker, org, values, parent_object="Order", parent_field="OrderId")
        _line_amounts(None, values, with_discount=False)
    for item in obj.fields:
        if item.auto_number:
            values[item.name] = org.next_auto_number(checker.conn, obj, item)


def _no_products() -> FieldValueError:
    return FieldValueError(
        ErrorItem(
            "FIELD_INTEGRITY_EXCEPTION",
            "You can't activate this order because it has no order products.",
            ("Status",),
        )
    )


def before_update(
    checker: ReferenceChecker,
    org: Org,
    obj: ObjectDef,
    old: Mapping[str, Any],
    values: Values,
    ctx: WriteContext,
) -> None:
    """Derive and check what Salesforce derives and checks when a record changes."""
    name = obj.name
    if name == "Contact" and ("FirstName" in values or "LastName" in values):
        values["Name"] = _full_name(old, values)
    elif name == "Opportunity":
        _opportunity(old, values)
    elif name == "Quote" and ("Tax" in values or "ShippingHandling" in values):
        total = old["TotalPrice"] or 0.0
        tax = _merged(old, values, "Tax") or 0.0
        shipping = _merged(old, values, "ShippingHandling") or 0.0
        values["GrandTotal"] = round(total + tax + shipping, 2)
    elif name == "QuoteLineItem":
        _line_amounts(old, values, with_discount=True)
    elif name == "OrderItem":
        order = checker.row(org.object_or_raise("Order"), old["OrderId"])
        if order is not None and order["StatusCode"] == "Activated":
            raise integrity_error("You can't edit products on an activated order.", "OrderId")
        _line_amounts(old, values, with_discount=False)
    elif name == "Order" and "Status" in values and values["Status"] != old["Status"]:
        if values["Status"] == "Activated":
            count = checker.conn.execute(
                'SELECT COUNT(*) FROM "OrderItem" WHERE "OrderId" = ? AND "IsDeleted" = 0',
                (old["Id"],),
            ).fetchone()[0]
            if not count:
                raise _no_products()
            values["ActivatedDate"] = format_datetime(ctx.now())
        values["StatusCode"] = values["Status"]


def after_write(
    conn: sqlite3.Connection,
    org: Org,
    obj: ObjectDef,
    rows: Iterable[Mapping[str, Any]],
    ctx: WriteContext,
    *,
    created: bool,
) -> None:
    """Recalculate parents' roll-ups and copies after lines or products were written."""
    rows = list(rows)
    if obj.name == "QuoteLineItem":
        recalculate(conn, org, "Quote", {row["QuoteId"] for row in rows}, ctx)
    elif obj.name == "OrderItem":
        recalculate(conn, org, "Order", {row["OrderId"] for row in rows}, ctx)
    elif obj.name == "Product2" and not created:
        conn.executemany(
            'UPDATE "PricebookEntry" SET "Name" = ?, "ProductCode" = ? WHERE "Product2Id" = ?',
            [(row.get("Name"), row.get("ProductCode"), row["Id"]) for row in rows if "Name" in row],
        )


ROLLUP_SQL = {
    "Quote": (
        'SELECT COALESCE(SUM("Subtotal"), 0), COALESCE(SUM("TotalPrice"), 0), COUNT(*) '
        'FROM "QuoteLineItem" WHERE "QuoteId" = ? AND "IsDeleted" = 0'
    ),
    "Order": (
        'SELECT COALESCE(SUM("TotalPrice"), 0) FROM "OrderItem" '
        'WHERE "OrderId" = ? AND "IsDeleted" = 0'
    ),
}


def _rollup(conn: sqlite3.Connection, name: str, row: Mapping[str, Any]) -> Values:
    sums = conn.execute(ROLLUP_SQL[name], (row["Id"],)).fetchone()
    if name == "Order":
        return {"TotalAmount": round(sums[0], 2)}
    subtotal, total, count = round(sums[0], 2), round(sums[1], 2), sums[2]
    extras = (row["Tax"] or 0.0) + (row["ShippingHandling"] or 0.0)
    return {
        "Subtotal": subtotal,
        "TotalPrice": total,
        "LineItemCount": count,
        "Discount": round((1 - total / subtotal) * 100, 2) if subtotal else None,
        "GrandTotal": round(total + extras, 2),
    }


def recalculate(
    conn: sqlite3.Connection, org: Org, name: str, parent_ids: set[str], ctx: WriteContext
) -> None:
    """Store fresh roll-ups on parents and emit their change events."""
    obj = org.object_or_raise(name)
    updates, changes = [], []
    for parent_id, row in fetch_rows_by_id(conn, obj, sorted(parent_ids)).items():
        if row["IsDeleted"]:
            continue
        fresh = _rollup(conn, name, row)
        changed = {key: value for key, value in fresh.items() if row.get(key) != value}
        if not changed:
            continue
        stamp_update(changed, ctx=ctx)
        updates.append((parent_id, changed))
        names = [key for key in fresh if key in changed]
        changes.append((parent_id, "UPDATE", changed, [*names, "LastModifiedDate"]))
    update_rows(conn, obj, updates)
    org.events.record(conn, obj, changes, ctx=ctx, on_commit=org.store.after_commit)


def standard_pricebook_id(conn: sqlite3.Connection) -> str | None:
    row = conn.execute(
        f'SELECT "Id" FROM {quote_name("Pricebook2")} WHERE "IsStandard" = 1 AND "IsDeleted" = 0'
    ).fetchone()
    return row[0] if row else None
