"""The `salesOrder` record: priced lines, a credit check, committed stock, and its status."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from netsuite_emulator.domain import business
from netsuite_emulator.domain.errors import (
    NetSuiteError,
    duplicate_external_id,
    invalid_content,
    user_error,
)
from netsuite_emulator.domain.records import customer, inventory_item
from netsuite_emulator.domain.records.common import Body, RecordContext, decimal_text
from netsuite_emulator.domain.records.transactions import (
    SALES_ORDER,
    NewLine,
    find_by_external_id,
    get_row,
    insert_lines,
    insert_transaction,
    lines_of,
    touch,
)

FIELDS = frozenset(
    {
        "entity",
        "externalId",
        "otherRefNum",
        "tranDate",
        "shipDate",
        "memo",
        "location",
        "orderStatus",
        "item",
        "currency",
        "subsidiary",
    }
)
LINE_FIELDS = frozenset({"item", "quantity", "rate", "location", "description", "amount"})
DEFAULT_LOCATION = 1


def _date(body: Body, name: str) -> str | None:
    text = body.text(name, max_length=30)
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        raise invalid_content(
            f"Invalid date for field '{name}': YYYY-MM-DD is expected.", path=name
        ) from None


def _status(body: Body, *, allowed: tuple[str, ...]) -> str | None:
    if not body.has("orderStatus"):
        return None
    raw = body.values["orderStatus"]
    code = raw.get("id") if isinstance(raw, dict) else raw
    if code not in allowed:
        raise invalid_content(
            f"Invalid value for field 'orderStatus': one of {', '.join(allowed)} is expected.",
            path="orderStatus",
        )
    return str(code)


def _lines(ctx: RecordContext, body: Body, *, customer_id: int, location: int) -> list[NewLine]:
    sublist = body.sublist("item")
    if not sublist:
        raise invalid_content(
            "You must enter at least one line item for this transaction.", path="item"
        )
    lines = []
    for raw in sublist:
        line = raw.body(LINE_FIELDS)
        item_id = line.required_id(
            "item", by_external_id=lambda eid: inventory_item.find_by_external_id(ctx.store, eid)
        )
        item = ctx.store.row("SELECT * FROM item WHERE id = ?", (item_id,))
        if item is None or item["isinactive"] == "T":
            raise invalid_content(f"Invalid item reference key {item_id}.", path=f"{raw.path}.item")
        quantity = line.number("quantity")
        if quantity is None or quantity <= 0:
            raise invalid_content(
                "Please enter a quantity greater than 0.", path=f"{raw.path}.quantity"
            )
        rate = line.number("rate", minimum=Decimal(0))
        if rate is None:
            own = ctx.store.scalar(
                "SELECT price FROM customeritempricing WHERE customer = ? AND item = ?",
                (customer_id, item_id),
            )
            rate = business.unit_price(
                base_price=Decimal(item["baseprice"]) if item["baseprice"] else None,
                customer_price=Decimal(own) if own is not None else None,
            )
        line_location = line.reference_id("location") or location
        if ctx.store.scalar("SELECT id FROM location WHERE id = ?", (line_location,)) is None:
            raise invalid_content(
                f"Invalid location reference key {line_location}.", path=f"{raw.path}.location"
            )
        description = line.text("description", max_length=999) or item["displayname"]
        lines.append(NewLine(item_id, quantity, rate, line_location, description=description))
    return lines


def _check_credit(ctx: RecordContext, customer_row: dict[str, Any], total: Decimal) -> None:
    hold = customer_row.get("creditholdoverride") or "AUTO"
    if hold == "ON":
        raise user_error("The customer is on credit hold: no order can be entered.", path="entity")
    if not ctx.enforce_credit_limit or hold == "OFF":
        return
    limit = customer_row["creditlimit"]
    exposure = business.credit_exposure(
        balance=Decimal(customer_row["balance"]),
        unbilled_orders=Decimal(customer_row["unbilledorders"]),
    )
    if business.exceeds_credit_limit(
        credit_limit=Decimal(limit) if limit is not None else None,
        exposure=exposure,
        order_total=total,
    ):
        raise user_error(
            f"Customer's credit limit has been exceeded: limit {limit}, exposure "
            f"{decimal_text(exposure)}, this order {decimal_text(total)}.",
            path="entity",
        )


def _commit(ctx: RecordContext, lines: list[NewLine], *, sign: int) -> None:
    for line in lines:
        inventory_item.move_stock(
            ctx,
            item_id=line.item,
            location_id=line.location or DEFAULT_LOCATION,
            committed=line.quantity * sign,
        )


def create(ctx: RecordContext, raw: dict[str, Any], *, external_id: str | None = None) -> int:
    body = Body(raw, allowed=FIELDS)
    customer_id = body.required_id(
        "entity", by_external_id=lambda eid: customer.find_by_external_id(ctx.store, eid)
    )
    customer_row = ctx.store.row("SELECT * FROM customer WHERE id = ?", (customer_id,))
    if customer_row is None or customer_row["isinactive"] == "T":
        raise invalid_content(f"Invalid entity reference key {customer_id}.", path="entity")
    external = external_id or body.text("externalId", max_length=100)
    if external and find_by_external_id(ctx.store, SALES_ORDER, external):
        raise duplicate_external_id(external)
    location = body.reference_id("location") or DEFAULT_LOCATION
    lines = _lines(ctx, body, customer_id=customer_id, location=location)
    total = sum((line.amount for line in lines), Decimal(0))
    status = _status(body, allowed=("A", "B")) or business.PENDING_FULFILLMENT[0]
    with ctx.store.transaction():
        _check_credit(ctx, customer_row, total)
        order_id = insert_transaction(
            ctx,
            SALES_ORDER,
            {
                "externalid": external,
                "entity": customer_id,
                "trandate": _date(body, "tranDate") or ctx.today(),
                "shipdate": _date(body, "shipDate"),
                "status": status,
                "otherrefnum": body.text("otherRefNum", max_length=45),
                "memo": body.text("memo", max_length=999),
                "currency": customer_row["currency"],
            },
        )
        touch(ctx, order_id, foreigntotal=decimal_text(insert_lines(ctx, order_id, lines)))
        _commit(ctx, lines, sign=1)
        customer.refresh_totals(ctx, customer_id)
    return order_id


def _stored_lines(ctx: RecordContext, order_id: int) -> list[NewLine]:
    return [
        NewLine(
            row["item"],
            Decimal(row["quantity"]) - Decimal(row["quantityshiprecv"]),
            Decimal(row["rate"]),
            row["location"],
        )
        for row in lines_of(ctx.store, order_id)
    ]


def _require_untouched(ctx: RecordContext, order_id: int, action: str) -> None:
    started = any(
        Decimal(row["quantityshiprecv"]) > 0 or Decimal(row["quantitybilled"]) > 0
        for row in lines_of(ctx.store, order_id)
    )
    if started:
        raise user_error(f"You cannot {action} a sales order that has been fulfilled or billed.")


# Text fields an update may change, as (field, column, longest length NetSuite accepts).
UPDATABLE_TEXT_COLUMNS = (
    ("otherRefNum", "otherrefnum", 45),
    ("memo", "memo", 999),
    ("externalId", "externalid", 100),
)


def update(ctx: RecordContext, record_id: str, raw: dict[str, Any]) -> None:
    row = get_row(ctx.store, SALES_ORDER, record_id)
    body = Body(raw, allowed=FIELDS - {"currency", "subsidiary"})
    if body.has("entity") and body.reference_id("entity") != row["entity"]:
        raise user_error("The customer of a sales order cannot be changed.", path="entity")
    changes: dict[str, Any] = body.texts(
        (
            ("otherRefNum", "otherrefnum", 45),
            ("memo", "memo", 999),
            ("externalId", "externalid", 100),
        )
    )
    if body.has("shipDate"):
        changes["shipdate"] = _date(body, "shipDate")
    external = changes.get("externalid")
    if external and find_by_external_id(ctx.store, SALES_ORDER, external) not in (None, row["id"]):
        raise duplicate_external_id(external)
    status = _status(body, allowed=("A", "B", "C", "H"))
    with ctx.store.transaction():
        if status in ("C", "H") and status != row["status"]:
            if status == "C":
                _require_untouched(ctx, row["id"], "cancel")
            _commit(ctx, _stored_lines(ctx, row["id"]), sign=-1)
            changes["status"] = status
        elif status is not None:
            if row["status"] not in ("A", "B"):
                raise user_error(
                    "Only a pending order can be approved or put back to approval.",
                    path="orderStatus",
                )
            changes["status"] = status
        if body.has("item"):
            _replace_lines(ctx, row, body)
        touch(ctx, row["id"], **changes)
        customer.refresh_totals(ctx, row["entity"])


def _replace_lines(ctx: RecordContext, row: dict[str, Any], body: Body) -> None:
    if row["status"] not in ("A", "B"):
        raise user_error("The lines of a closed or cancelled order cannot be changed.", path="item")
    _require_untouched(ctx, row["id"], "change the lines of")
    lines = _lines(ctx, body, customer_id=row["entity"], location=DEFAULT_LOCATION)
    _commit(ctx, _stored_lines(ctx, row["id"]), sign=-1)
    ctx.store.execute('DELETE FROM transactionline WHERE "transaction" = ?', (row["id"],))
    total = insert_lines(ctx, row["id"], lines)
    customer_row = ctx.store.row("SELECT * FROM customer WHERE id = ?", (row["entity"],))
    assert customer_row is not None
    old_total = Decimal(row["foreigntotal"])
    customer_row["unbilledorders"] = str(Decimal(customer_row["unbilledorders"]) - old_total)
    _check_credit(ctx, customer_row, total)
    _commit(ctx, lines, sign=1)
    touch(ctx, row["id"], foreigntotal=decimal_text(total))


def delete(ctx: RecordContext, record_id: str) -> None:
    row = get_row(ctx.store, SALES_ORDER, record_id)
    with ctx.store.transaction():
        _require_untouched(ctx, row["id"], "delete")
        if row["status"] not in ("C", "H"):
            _commit(ctx, _stored_lines(ctx, row["id"]), sign=-1)
        ctx.store.execute('DELETE FROM "transaction" WHERE id = ?', (row["id"],))
        customer.refresh_totals(ctx, row["entity"])


def order_or_error(ctx: RecordContext, order_id: int | None, path: str) -> dict[str, Any]:
    """The sales order a fulfillment or invoice is created from."""
    row = ctx.store.row(
        "SELECT * FROM \"transaction\" WHERE id = ? AND type = 'SalesOrd'", (order_id,)
    )
    if row is None:
        raise invalid_content(f"Invalid createdFrom reference key {order_id}.", path=path)
    if row["status"] in ("A", "C", "H"):
        name = business.SALES_ORDER_STATUSES[row["status"]]
        raise NetSuiteError(400, "USER_ERROR", f"The sales order is {name}.", path=path)
    return row
