"""What sales orders, fulfillments and invoices share: one table, lines, and their REST shape."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from netsuite_emulator.domain import business
from netsuite_emulator.domain.errors import nonexistent_id
from netsuite_emulator.domain.records.common import (
    RecordContext,
    decimal_text,
    money,
    without_nulls,
)
from netsuite_emulator.domain.store import Row, Store


@dataclass(frozen=True)
class TransactionKind:
    """A record type stored in `transaction`: its REST name, SuiteQL type and numbering."""

    record_type: str
    type_code: str
    prefix: str
    statuses: dict[str, str]


SALES_ORDER = TransactionKind("salesOrder", "SalesOrd", "SO", business.SALES_ORDER_STATUSES)
INVOICE = TransactionKind("invoice", "CustInvc", "INV", business.INVOICE_STATUSES)
ITEM_FULFILLMENT = TransactionKind(
    "itemFulfillment", "ItemShip", "IF", business.FULFILLMENT_STATUSES
)
KINDS = {kind.type_code: kind for kind in (SALES_ORDER, INVOICE, ITEM_FULFILLMENT)}
SUBLISTS = ("item",)


def get_row(store: Store, kind: TransactionKind, record_id: str) -> Row:
    row = (
        store.row(
            'SELECT * FROM "transaction" WHERE id = ? AND type = ?',
            (int(record_id), kind.type_code),
        )
        if record_id.isdigit()
        else None
    )
    if row is None:
        raise nonexistent_id(kind.record_type, record_id)
    return row


def find_by_external_id(store: Store, kind: TransactionKind, external_id: str) -> int | None:
    found = store.scalar(
        'SELECT id FROM "transaction" WHERE type = ? AND externalid = ?',
        (kind.type_code, external_id),
    )
    return int(found) if found is not None else None


def lines_of(store: Store, transaction_id: int) -> list[Row]:
    return store.rows(
        'SELECT * FROM transactionline WHERE "transaction" = ? ORDER BY linesequencenumber',
        (transaction_id,),
    )


def insert_transaction(ctx: RecordContext, kind: TransactionKind, values: dict[str, Any]) -> int:
    now = ctx.now()
    values = {
        "type": kind.type_code,
        "tranid": "",
        "createddate": now,
        "lastmodifieddate": now,
        **values,
    }
    columns, marks = ", ".join(values), ", ".join("?" for _ in values)
    new_id = ctx.store.execute(
        f'INSERT INTO "transaction" ({columns}) VALUES ({marks})', list(values.values())
    )
    ctx.store.execute(
        'UPDATE "transaction" SET tranid = ? WHERE id = ?', (f"{kind.prefix}{new_id}", new_id)
    )
    return new_id


@dataclass(frozen=True)
class NewLine:
    item: int
    quantity: Decimal
    rate: Decimal
    location: int | None
    order_line: int | None = None
    description: str | None = None

    @property
    def amount(self) -> Decimal:
        return business.round_money(self.quantity * self.rate)


def insert_lines(ctx: RecordContext, transaction_id: int, lines: list[NewLine]) -> Decimal:
    """Store the lines (line ids 1, 2, …); returns their total."""
    total = Decimal(0)
    for number, line in enumerate(lines, start=1):
        ctx.store.execute(
            'INSERT INTO transactionline ("transaction", id, linesequencenumber, item, quantity, '
            "rate, amount, location, orderline, description) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                transaction_id,
                number,
                number,
                line.item,
                decimal_text(line.quantity),
                decimal_text(line.rate),
                decimal_text(line.amount),
                line.location,
                line.order_line,
                line.description,
            ),
        )
        total += line.amount
    return total


def touch(ctx: RecordContext, transaction_id: int, **values: Any) -> None:
    """Change header fields; every write moves `lastmodifieddate` (delta queries rely on it)."""
    values["lastmodifieddate"] = ctx.now()
    assignments = ", ".join(f"{column} = ?" for column in values)
    ctx.store.execute(
        f'UPDATE "transaction" SET {assignments} WHERE id = ?', [*values.values(), transaction_id]
    )


def read(
    ctx: RecordContext, kind: TransactionKind, record_id: str, *, expand: bool
) -> dict[str, Any]:
    row = get_row(ctx.store, kind, record_id)
    store = ctx.store
    customer = store.scalar("SELECT companyname FROM customer WHERE id = ?", (row["entity"],))
    currency = store.scalar("SELECT symbol FROM currency WHERE id = ?", (row["currency"],))
    status_name = kind.statuses.get(row["status"], row["status"])
    source = store.row('SELECT type, tranid FROM "transaction" WHERE id = ?', (row["createdfrom"],))
    record: dict[str, Any] = {
        "links": ctx.self_link(kind.record_type, row["id"]),
        "id": str(row["id"]),
        "tranId": row["tranid"],
        "externalId": row["externalid"],
        "entity": ctx.reference("customer", row["entity"], customer),
        "tranDate": row["trandate"],
        "shipDate": row["shipdate"],
        "dueDate": row["duedate"],
        "status": {"id": status_name, "refName": status_name},
        "otherRefNum": row["otherrefnum"],
        "memo": row["memo"],
        "createdFrom": (
            ctx.reference(KINDS[source["type"]].record_type, row["createdfrom"], source["tranid"])
            if source
            else None
        ),
        "currency": ctx.reference("currency", row["currency"], currency),
        "total": money(row["foreigntotal"]),
        "subtotal": money(row["foreigntotal"]),
        "amountRemaining": money(row["foreignamountremaining"]),
        "createdDate": row["createddate"],
        "lastModifiedDate": row["lastmodifieddate"],
        "item": (
            sublist_collection(ctx, kind, row["id"])
            if expand
            else {"links": ctx.self_link(kind.record_type, row["id"], "item")}
        ),
    }
    if kind is SALES_ORDER:
        record["orderStatus"] = {"id": row["status"], "refName": status_name}
    return without_nulls(record)


def sublist_lines(
    ctx: RecordContext, kind: TransactionKind, transaction_id: int
) -> list[dict[str, Any]]:
    rows = ctx.store.rows(
        "SELECT l.*, i.itemid, o.name AS locationname FROM transactionline l "
        "JOIN item i ON i.id = l.item LEFT JOIN location o ON o.id = l.location "
        'WHERE l."transaction" = ? ORDER BY l.linesequencenumber',
        (transaction_id,),
    )
    lines = []
    for row in rows:
        line: dict[str, Any] = {
            "line": row["id"],
            "item": ctx.reference("inventoryItem", row["item"], row["itemid"]),
            "description": row["description"],
            "quantity": money(row["quantity"]),
            "rate": money(row["rate"]),
            "amount": money(row["amount"]),
            "location": ctx.reference(None, row["location"], row["locationname"]),
            "orderLine": row["orderline"],
        }
        if kind is SALES_ORDER:
            line["quantityFulfilled"] = money(row["quantityshiprecv"])
            line["quantityBilled"] = money(row["quantitybilled"])
        lines.append(without_nulls(line))
    return lines


def sublist_collection(
    ctx: RecordContext, kind: TransactionKind, transaction_id: int
) -> dict[str, Any]:
    lines = sublist_lines(ctx, kind, transaction_id)
    return ctx.sublist_collection(kind.record_type, transaction_id, "item", lines)
