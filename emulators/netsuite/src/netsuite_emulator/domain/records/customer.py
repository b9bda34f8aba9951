"""The `customer` record: company data, address, credit, terms and its item prices."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from netsuite_emulator.domain import business
from netsuite_emulator.domain.errors import (
    dependent_records,
    duplicate_external_id,
    invalid_content,
)
from netsuite_emulator.domain.records import inventory_item
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

NAME = "customer"
FIELDS = frozenset(
    {
        "externalId",
        "entityId",
        "companyName",
        "email",
        "phone",
        "url",
        "creditLimit",
        "terms",
        "isInactive",
        "vatRegNumber",
        "creditHoldOverride",
        "currency",
        "subsidiary",
        "addressBook",
        "itemPricing",
    }
)
READ_ONLY = frozenset(
    {
        "id",
        "balance",
        "overdueBalance",
        "unbilledOrders",
        "dateCreated",
        "lastModifiedDate",
        "defaultAddress",
    }
)
SUBLISTS: tuple[str, ...] = ("addressBook", "itemPricing")
ADDRESS_FIELDS = frozenset({"addr1", "city", "zip", "country", "addressee"})
LINE_FIELDS = {
    "addressBook": frozenset({"addressBookAddress", "defaultBilling", "defaultShipping", "label"}),
    "itemPricing": frozenset({"item", "price", "currency"}),
}
SELECT = "SELECT * FROM customer WHERE id = ?"
# Credit hold: AUTO holds orders over the credit limit, ON holds every order, OFF none.
CREDIT_HOLDS = ("AUTO", "ON", "OFF")


def get_row(store: Store, record_id: str) -> Row:
    return require_row(store, NAME, SELECT, record_id)


def find_by_external_id(store: Store, external_id: str) -> int | None:
    found = store.scalar("SELECT id FROM customer WHERE externalid = ?", (external_id,))
    return int(found) if found is not None else None


def read(ctx: RecordContext, record_id: str, *, expand: bool) -> dict[str, Any]:
    row = get_row(ctx.store, record_id)
    store = ctx.store
    terms = store.row("SELECT name FROM term WHERE id = ?", (row["terms"],))
    currency = store.scalar("SELECT symbol FROM currency WHERE id = ?", (row["currency"],))
    subsidiary = store.scalar("SELECT name FROM subsidiary WHERE id = ?", (row["subsidiary"],))
    record: dict[str, Any] = {
        "links": ctx.self_link(NAME, row["id"]),
        "id": str(row["id"]),
        "externalId": row["externalid"],
        "entityId": row["entityid"],
        "companyName": row["companyname"],
        "email": row["email"],
        "phone": row["phone"],
        "url": row["url"],
        "defaultAddress": row["defaultaddress"],
        "creditLimit": money(row["creditlimit"]),
        "balance": money(row["balance"]),
        "overdueBalance": money(row["overduebalance"]),
        "unbilledOrders": money(row["unbilledorders"]),
        "terms": ctx.reference(None, row["terms"], terms["name"] if terms else None),
        "currency": ctx.reference("currency", row["currency"], currency),
        "subsidiary": ctx.reference("subsidiary", row["subsidiary"], subsidiary),
        "isInactive": boolean(row["isinactive"]),
        "vatRegNumber": row["vatregnumber"],
        "creditHoldOverride": {
            "id": row["creditholdoverride"],
            "refName": row["creditholdoverride"].title(),
        },
        "dateCreated": row["datecreated"],
        "lastModifiedDate": row["lastmodifieddate"],
    }
    for sublist in SUBLISTS:
        record[sublist] = (
            sublist_collection(ctx, row["id"], sublist)
            if expand
            else {"links": ctx.self_link(NAME, row["id"], sublist)}
        )
    return without_nulls(record)


def sublist_lines(ctx: RecordContext, customer_id: int, sublist: str) -> list[dict[str, Any]]:
    if sublist == "itemPricing":
        rows = ctx.store.rows(
            "SELECT p.item, p.price, i.itemid FROM customeritempricing p "
            "JOIN item i ON i.id = p.item WHERE p.customer = ? ORDER BY i.itemid",
            (customer_id,),
        )
        return [
            {
                "item": ctx.reference("inventoryItem", row["item"], row["itemid"]),
                "price": money(row["price"]),
            }
            for row in rows
        ]
    row = ctx.store.row("SELECT * FROM customer WHERE id = ?", (customer_id,))
    if row is None or (not row["addr1"] and not row["city"]):
        return []
    address = {
        "addr1": row["addr1"],
        "city": row["city"],
        "zip": row["zip"],
        "country": row["country"],
        "addrText": row["defaultaddress"],
    }
    return [
        {
            "addressBookAddress": without_nulls(address),
            "defaultBilling": True,
            "defaultShipping": True,
            "label": row["addr1"],
        }
    ]


def sublist_collection(ctx: RecordContext, customer_id: int, sublist: str) -> dict[str, Any]:
    lines = sublist_lines(ctx, customer_id, sublist)
    return ctx.sublist_collection(NAME, customer_id, sublist, lines)


# Text fields as (field, column, longest length NetSuite accepts).
TEXT_COLUMNS = (
    ("externalId", "externalid", 100),
    ("entityId", "entityid", 83),
    ("companyName", "companyname", 83),
    ("email", "email", 254),
    ("phone", "phone", 32),
    ("url", "url", 254),
    ("vatRegNumber", "vatregnumber", 20),
)


def _values(ctx: RecordContext, body: Body) -> dict[str, Any]:
    values: dict[str, Any] = body.texts(TEXT_COLUMNS)
    if body.has("creditLimit"):
        values["creditlimit"] = body.amount_text("creditLimit")
    if body.has("isInactive"):
        values["isinactive"] = body.flag_text("isInactive")
    if body.has("creditHoldOverride"):
        raw = body.values["creditHoldOverride"]
        hold = raw.get("id") if isinstance(raw, dict) else raw
        if hold not in CREDIT_HOLDS:
            raise invalid_content(
                "Invalid value for field 'creditHoldOverride': AUTO, ON or OFF is expected.",
                path="creditHoldOverride",
            )
        values["creditholdoverride"] = hold
    for field, table in (("terms", "term"), ("currency", "currency"), ("subsidiary", "subsidiary")):
        if body.has(field):
            ref = body.reference_id(field)
            if (
                ref is not None
                and ctx.store.row(f'SELECT id FROM "{table}" WHERE id = ?', (ref,)) is None
            ):
                raise invalid_content(
                    f"Invalid reference for field '{field}': no {table} has id {ref}.", path=field
                )
            values[field] = ref
    lines = body.sublist("addressBook")
    if lines is not None:
        values.update(_address(lines))
    return values


def _address(lines: list[Body.Line]) -> dict[str, Any]:
    if not lines:
        return {"addr1": None, "city": None, "zip": None, "country": None, "defaultaddress": None}
    line = lines[0].body(LINE_FIELDS["addressBook"])
    raw = line.values.get("addressBookAddress") or {}
    if not isinstance(raw, dict):
        raise invalid_content("Invalid address.", path=f"{line.path}.addressBookAddress")
    address = Body(raw, allowed=ADDRESS_FIELDS, path=f"{line.path}.addressBookAddress")
    parts = {name: address.text(name, max_length=150) for name in ("addr1", "city", "zip")}
    country = address.text("country", max_length=2)
    text = "\n".join(
        p
        for p in (parts["addr1"], f"{parts['zip'] or ''} {parts['city'] or ''}".strip(), country)
        if p
    )
    return {**parts, "country": country, "defaultaddress": text or None}


def _pricing(ctx: RecordContext, customer_id: int, body: Body) -> None:
    lines = body.sublist("itemPricing")
    if lines is None:
        return
    ctx.store.execute("DELETE FROM customeritempricing WHERE customer = ?", (customer_id,))
    for line in lines:
        values = line.body(LINE_FIELDS["itemPricing"])
        item = values.required_id(
            "item", by_external_id=lambda eid: inventory_item.find_by_external_id(ctx.store, eid)
        )
        price = values.number("price", minimum=Decimal(0))
        if price is None:
            raise invalid_content("Please enter value(s) for: price", path=f"{line.path}.price")
        if ctx.store.row("SELECT id FROM item WHERE id = ?", (item,)) is None:
            raise invalid_content(f"Invalid item reference key {item}.", path=f"{line.path}.item")
        ctx.store.execute(
            "INSERT OR REPLACE INTO customeritempricing (customer, item, price) VALUES (?, ?, ?)",
            (customer_id, item, decimal_text(price)),
        )


def create(ctx: RecordContext, raw: dict[str, Any], *, external_id: str | None = None) -> int:
    body = Body(raw, allowed=FIELDS)
    values = _values(ctx, body)
    if external_id is not None:
        values["externalid"] = external_id
    if not values.get("companyname"):
        raise invalid_content("Please enter value(s) for: Company Name", path="companyName")
    if values.get("externalid") and find_by_external_id(ctx.store, values["externalid"]):
        raise duplicate_external_id(values["externalid"])
    now = ctx.now()
    values.update(datecreated=now, lastmodifieddate=now)
    with ctx.store.transaction():
        if not values.get("entityid"):
            values["entityid"] = (
                _next_number(ctx) if ctx.number_customers else values["companyname"]
            )
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        customer_id = ctx.store.execute(
            f"INSERT INTO customer ({columns}) VALUES ({marks})", list(values.values())
        )
        _pricing(ctx, customer_id, body)
    return customer_id


def _next_number(ctx: RecordContext) -> str:
    """The number after the highest all-digit entity id (1 in an account without one)."""
    highest = ctx.store.scalar(
        "SELECT MAX(CAST(entityid AS INTEGER)) FROM customer "
        "WHERE entityid != '' AND entityid NOT GLOB '*[^0-9]*'"
    )
    return str(int(highest or 0) + 1)


def update(ctx: RecordContext, record_id: str, raw: dict[str, Any]) -> None:
    row = get_row(ctx.store, record_id)
    body = Body(raw, allowed=FIELDS)
    values = _values(ctx, body)
    if "companyname" in values and not values["companyname"]:
        raise invalid_content("Please enter value(s) for: Company Name", path="companyName")
    external = values.get("externalid")
    if external and find_by_external_id(ctx.store, external) not in (None, row["id"]):
        raise duplicate_external_id(external)
    values["lastmodifieddate"] = ctx.now()
    with ctx.store.transaction():
        assignments = ", ".join(f"{column} = ?" for column in values)
        ctx.store.execute(
            f"UPDATE customer SET {assignments} WHERE id = ?", [*values.values(), row["id"]]
        )
        _pricing(ctx, row["id"], body)


def delete(ctx: RecordContext, record_id: str) -> None:
    row = get_row(ctx.store, record_id)
    if ctx.store.scalar('SELECT COUNT(*) FROM "transaction" WHERE entity = ?', (row["id"],)):
        raise dependent_records()
    ctx.store.execute("DELETE FROM customer WHERE id = ?", (row["id"],))


def refresh_totals(ctx: RecordContext, customer_id: int) -> None:
    """Recompute balance, overdue balance and unbilled orders from invoices and open orders."""
    store = ctx.store
    invoices = store.rows(
        'SELECT foreignamountremaining, duedate FROM "transaction" '
        "WHERE type = 'CustInvc' AND entity = ?",
        (customer_id,),
    )
    today = ctx.today()
    balance = sum((Decimal(row["foreignamountremaining"] or 0) for row in invoices), Decimal(0))
    overdue = sum(
        (
            Decimal(row["foreignamountremaining"] or 0)
            for row in invoices
            if row["duedate"] and row["duedate"] < today
        ),
        Decimal(0),
    )
    closed = tuple(business.CLOSED_ORDER_CODES)
    lines = store.rows(
        "SELECT l.quantity, l.quantitybilled, l.rate FROM transactionline l "
        'JOIN "transaction" t ON t.id = l."transaction" '
        "WHERE t.type = 'SalesOrd' AND t.entity = ? "
        f"AND t.status NOT IN ({', '.join('?' * len(closed))})",
        (customer_id, *closed),
    )
    unbilled = business.unbilled_amount(
        (Decimal(r["quantity"]), Decimal(r["quantitybilled"]), Decimal(r["rate"])) for r in lines
    )
    store.execute(
        "UPDATE customer SET balance = ?, overduebalance = ?, unbilledorders = ? WHERE id = ?",
        (decimal_text(balance), decimal_text(overdue), decimal_text(unbilled), customer_id),
    )
