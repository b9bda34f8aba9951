"""`itemFulfillment` and `invoice`, both created from a sales order, which they move on:
Pending Fulfillment → (Partially Fulfilled) → Pending Billing → Billed."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from netsuite_emulator.domain import business
from netsuite_emulator.domain.errors import invalid_content, user_error
from netsuite_emulator.domain.records import customer, inventory_item, sales_order
from netsuite_emulator.domain.records.common import Body, RecordContext, decimal_text
from netsuite_emulator.domain.records.transactions import (
    INVOICE,
    ITEM_FULFILLMENT,
    NewLine,
    TransactionKind,
    get_row,
    insert_lines,
    insert_transaction,
    lines_of,
    touch,
)
from netsuite_emulator.domain.store import Row

FIELDS = frozenset({"createdFrom", "externalId", "tranDate", "memo", "item", "entity"})
LINE_FIELDS = frozenset({"orderLine", "quantity", "itemReceive", "item", "location"})


def _wanted(body: Body, open_quantity: dict[int, Decimal]) -> dict[int, Decimal]:
    """Quantity per order line: every open line in full unless the body lists lines."""
    sublist = body.sublist("item")
    if sublist is None:
        return {line: quantity for line, quantity in open_quantity.items() if quantity > 0}
    wanted: dict[int, Decimal] = {}
    for raw in sublist:
        line = raw.body(LINE_FIELDS)
        if line.flag("itemReceive") is False:
            continue
        order_line = line.number("orderLine")
        if order_line is None or int(order_line) not in open_quantity:
            raise invalid_content("Invalid orderLine.", path=f"{raw.path}.orderLine")
        quantity = line.number("quantity")
        quantity = open_quantity[int(order_line)] if quantity is None else quantity
        if quantity <= 0 or quantity > open_quantity[int(order_line)]:
            raise invalid_content(
                f"The quantity must be more than 0 and at most {open_quantity[int(order_line)]}.",
                path=f"{raw.path}.quantity",
            )
        wanted[int(order_line)] = quantity
    return wanted


def _source(ctx: RecordContext, body: Body, order_id: int | None) -> dict[str, Any]:
    order_id = order_id if order_id is not None else body.reference_id("createdFrom", required=True)
    return sales_order.order_or_error(ctx, order_id, "createdFrom")


def _refresh_order(ctx: RecordContext, order: dict[str, Any]) -> None:
    progress = [
        business.LineProgress(
            Decimal(row["quantity"]),
            Decimal(row["quantityshiprecv"]),
            Decimal(row["quantitybilled"]),
        )
        for row in lines_of(ctx.store, order["id"])
    ]
    touch(ctx, order["id"], status=business.sales_order_status(progress, current=order["status"]))
    customer.refresh_totals(ctx, order["entity"])


def create_fulfillment(
    ctx: RecordContext,
    raw: dict[str, Any],
    *,
    order_id: int | None = None,
    external_id: str | None = None,
) -> int:
    """Ship open order lines: stock leaves the location, the order moves on."""
    body = Body(raw, allowed=FIELDS)
    order = _source(ctx, body, order_id)
    rows = {row["id"]: row for row in lines_of(ctx.store, order["id"])}
    open_quantity = {
        n: Decimal(r["quantity"]) - Decimal(r["quantityshiprecv"]) for n, r in rows.items()
    }
    wanted = _wanted(body, open_quantity)
    if not wanted:
        raise user_error("The sales order has no lines left to fulfill.", path="createdFrom")
    with ctx.store.transaction():
        fulfillment_id = _insert(
            ctx, ITEM_FULFILLMENT, body, order, status="C", external_id=external_id
        )
        new_lines = []
        for number, quantity in wanted.items():
            row = rows[number]
            new_lines.append(
                NewLine(
                    row["item"], quantity, Decimal(row["rate"]), row["location"], order_line=number
                )
            )
            inventory_item.move_stock(
                ctx, item_id=row["item"], location_id=row["location"], shipped=quantity
            )
            ctx.store.execute(
                "UPDATE transactionline SET quantityshiprecv = ? "
                'WHERE "transaction" = ? AND id = ?',
                (decimal_text(Decimal(row["quantityshiprecv"]) + quantity), order["id"], number),
            )
        touch(
            ctx,
            fulfillment_id,
            foreigntotal=decimal_text(insert_lines(ctx, fulfillment_id, new_lines)),
        )
        _refresh_order(ctx, order)
    return fulfillment_id


def create_invoice(
    ctx: RecordContext,
    raw: dict[str, Any],
    *,
    order_id: int | None = None,
    external_id: str | None = None,
) -> int:
    """Bill what was shipped and not yet billed; the amount moves from unbilled orders to the
    customer's balance."""
    body = Body(raw, allowed=FIELDS)
    order = _source(ctx, body, order_id)
    rows = {row["id"]: row for row in lines_of(ctx.store, order["id"])}
    billable = {
        n: Decimal(r["quantityshiprecv"]) - Decimal(r["quantitybilled"]) for n, r in rows.items()
    }
    wanted = _wanted(body, billable)
    if not wanted:
        raise user_error(
            "The sales order has nothing fulfilled that is not yet billed.", path="createdFrom"
        )
    terms = ctx.store.row(
        "SELECT t.days FROM customer c JOIN term t ON t.id = c.terms WHERE c.id = ?",
        (order["entity"],),
    )
    with ctx.store.transaction():
        invoice_id = _insert(ctx, INVOICE, body, order, status="A", external_id=external_id)
        new_lines = []
        for number, quantity in wanted.items():
            row = rows[number]
            new_lines.append(
                NewLine(
                    row["item"],
                    quantity,
                    Decimal(row["rate"]),
                    row["location"],
                    order_line=number,
                    description=row["description"],
                )
            )
            ctx.store.execute(
                'UPDATE transactionline SET quantitybilled = ? WHERE "transaction" = ? AND id = ?',
                (decimal_text(Decimal(row["quantitybilled"]) + quantity), order["id"], number),
            )
        total = decimal_text(insert_lines(ctx, invoice_id, new_lines))
        invoice = get_row(ctx.store, INVOICE, str(invoice_id))
        due = date.fromisoformat(invoice["trandate"]) + timedelta(
            days=terms["days"] if terms else 0
        )
        touch(
            ctx,
            invoice_id,
            foreigntotal=total,
            foreignamountremaining=total,
            duedate=due.isoformat(),
        )
        _refresh_order(ctx, order)
    return invoice_id


def _insert(
    ctx: RecordContext,
    kind: TransactionKind,
    body: Body,
    order: dict[str, Any],
    *,
    status: str,
    external_id: str | None,
) -> int:
    if body.has("entity") and body.reference_id("entity") != order["entity"]:
        raise invalid_content("The customer must be the sales order's customer.", path="entity")
    trandate = body.text("tranDate", max_length=30)
    try:
        day = date.fromisoformat(trandate[:10]).isoformat() if trandate else ctx.today()
    except ValueError:
        raise invalid_content("Invalid date for field 'tranDate'.", path="tranDate") from None
    return insert_transaction(
        ctx,
        kind,
        {
            "externalid": external_id or body.text("externalId", max_length=100),
            "entity": order["entity"],
            "trandate": day,
            "status": status,
            "otherrefnum": order["otherrefnum"],
            "memo": body.text("memo", max_length=999),
            "createdfrom": order["id"],
            "currency": order["currency"],
        },
    )


def update(ctx: RecordContext, kind: TransactionKind, record_id: str, raw: dict[str, Any]) -> None:
    """Only the memo and external id of a fulfillment or an invoice change through REST."""
    row = get_row(ctx.store, kind, record_id)
    body = Body(raw, allowed=frozenset({"memo", "externalId"}))
    changes = {
        column: body.text(field, max_length=999)
        for field, column in (("memo", "memo"), ("externalId", "externalid"))
        if body.has(field)
    }
    touch(ctx, row["id"], **changes)


def delete(ctx: RecordContext, kind: TransactionKind, record_id: str) -> None:
    """Undo a fulfillment (stock comes back) or an unpaid invoice (billing is undone)."""
    row = get_row(ctx.store, kind, record_id)
    if kind is INVOICE and row["foreignamountremaining"] != row["foreigntotal"]:
        raise user_error("An invoice with payments applied cannot be deleted.")
    order = ctx.store.row('SELECT * FROM "transaction" WHERE id = ?', (row["createdfrom"],))
    with ctx.store.transaction():
        if order is not None:
            for line in lines_of(ctx.store, row["id"]):
                _undo_line(ctx, kind, order["id"], line)
        ctx.store.execute('DELETE FROM "transaction" WHERE id = ?', (row["id"],))
        if order is None:
            customer.refresh_totals(ctx, row["entity"])
            return
        # The order's status is worked out again from its lines (a closed order stays closed).
        reopened = order["status"] if order["status"] in ("C", "H") else "B"
        _refresh_order(ctx, {**order, "status": reopened})


def _undo_line(ctx: RecordContext, kind: TransactionKind, order_id: int, line: Row) -> None:
    source = ctx.store.row(
        'SELECT * FROM transactionline WHERE "transaction" = ? AND id = ?',
        (order_id, line["orderline"]),
    )
    if source is None:
        return
    quantity = Decimal(line["quantity"])
    if kind is ITEM_FULFILLMENT:
        shipped = Decimal(source["quantityshiprecv"]) - quantity
        if shipped < Decimal(source["quantitybilled"]):
            raise user_error("A billed fulfillment cannot be deleted; delete the invoice first.")
        inventory_item.move_stock(
            ctx, item_id=line["item"], location_id=line["location"], shipped=-quantity
        )
        column, value = "quantityshiprecv", shipped
    else:
        column, value = "quantitybilled", Decimal(source["quantitybilled"]) - quantity
    ctx.store.execute(
        f'UPDATE transactionline SET {column} = ? WHERE "transaction" = ? AND id = ?',
        (decimal_text(value), order_id, line["orderline"]),
    )
