"""The record types the account serves through `record/v1`, each behind one interface."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from netsuite_emulator.domain.errors import NetSuiteError
from netsuite_emulator.domain.records import (
    customer,
    fulfillment,
    inventory_item,
    sales_order,
    transactions,
)
from netsuite_emulator.domain.records.common import RecordContext
from netsuite_emulator.domain.store import Store
from netsuite_emulator.recordquery.filter import Field, compile_filter

Json = dict[str, Any]
# What `q` can filter a collection on: the REST field and its column.
COMMON_FILTERS = {
    "id": Field("id", "number"),
    "externalId": Field("externalid", "text"),
    "lastModifiedDate": Field("lastmodifieddate", "date"),
}
CUSTOMER_FILTERS = {
    **COMMON_FILTERS,
    "entityId": Field("entityid", "text"),
    "companyName": Field("companyname", "text"),
    "email": Field("email", "text"),
    "phone": Field("phone", "text"),
    "creditLimit": Field("creditlimit", "number"),
    "balance": Field("balance", "number"),
    "isInactive": Field("isinactive", "boolean"),
    "dateCreated": Field("datecreated", "date"),
}
ITEM_FILTERS = {
    **COMMON_FILTERS,
    "itemId": Field("itemid", "text"),
    "displayName": Field("displayname", "text"),
    "basePrice": Field("baseprice", "number"),
    "isInactive": Field("isinactive", "boolean"),
}
TRANSACTION_FILTERS = {
    **COMMON_FILTERS,
    "tranId": Field("tranid", "text"),
    "entity": Field("entity", "number"),
    "otherRefNum": Field("otherrefnum", "text"),
    "tranDate": Field("trandate", "date"),
    "createdFrom": Field("createdfrom", "number"),
    "total": Field("foreigntotal", "number"),
}


@dataclass(frozen=True)
class RecordType:
    """How one record type is read, listed, written and found by external id."""

    name: str
    table: str
    where: str
    sublists: tuple[str, ...]
    read: Callable[[RecordContext, str], Json]
    read_expanded: Callable[[RecordContext, str], Json]
    sublist: Callable[[RecordContext, int, str], Json]
    create: Callable[..., int]
    update: Callable[[RecordContext, str, Json], None]
    delete: Callable[[RecordContext, str], None]
    find_by_external_id: Callable[[Store, str], int | None]
    filters: dict[str, Field]

    def list_ids(
        self, store: Store, *, limit: int, offset: int, query: str | None = None
    ) -> tuple[list[int], int]:
        """One page of ids (in id order) of the records `query` (a `q` filter) selects, and how
        many it selects in all."""
        conditions, params = [self.where] if self.where else [], list[Any]()
        if query:
            condition, params = compile_filter(query, self.filters)
            conditions.append(condition)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        total = int(store.scalar(f'SELECT COUNT(*) FROM "{self.table}"{where}', params))
        rows = store.rows(
            f'SELECT id FROM "{self.table}"{where} ORDER BY id LIMIT ? OFFSET ?',
            (*params, limit, offset),
        )
        return [row["id"] for row in rows], total


def _transaction_type(kind: transactions.TransactionKind, **writes: Any) -> RecordType:
    return RecordType(
        name=kind.record_type,
        table="transaction",
        where=f"type = '{kind.type_code}'",
        sublists=transactions.SUBLISTS,
        read=lambda ctx, rid: transactions.read(ctx, kind, rid, expand=False),
        read_expanded=lambda ctx, rid: transactions.read(ctx, kind, rid, expand=True),
        sublist=lambda ctx, tid, _name: transactions.sublist_collection(ctx, kind, tid),
        find_by_external_id=lambda store, eid: transactions.find_by_external_id(store, kind, eid),
        filters=TRANSACTION_FILTERS,
        **writes,
    )


class RecordModule(Protocol):
    """A module that serves one record type of its own table (customer, inventory_item)."""

    SUBLISTS: tuple[str, ...]

    def read(self, ctx: RecordContext, record_id: str, *, expand: bool) -> Json: ...
    def sublist_collection(self, ctx: RecordContext, record_id: int, sublist: str) -> Json: ...
    def create(self, ctx: RecordContext, raw: Json, *, external_id: str | None = None) -> int: ...
    def update(self, ctx: RecordContext, record_id: str, raw: Json) -> None: ...
    def delete(self, ctx: RecordContext, record_id: str) -> None: ...
    def find_by_external_id(self, store: Store, external_id: str) -> int | None: ...


def _own_table_type(
    name: str, module: RecordModule, *, table: str, filters: dict[str, Field]
) -> RecordType:
    return RecordType(
        name=name,
        table=table,
        where="",
        sublists=module.SUBLISTS,
        read=lambda ctx, rid: module.read(ctx, rid, expand=False),
        read_expanded=lambda ctx, rid: module.read(ctx, rid, expand=True),
        sublist=module.sublist_collection,
        create=module.create,
        update=module.update,
        delete=module.delete,
        find_by_external_id=module.find_by_external_id,
        filters=filters,
    )


RECORD_TYPES: dict[str, RecordType] = {
    "customer": _own_table_type("customer", customer, table="customer", filters=CUSTOMER_FILTERS),
    "inventoryItem": _own_table_type(
        "inventoryItem", inventory_item, table="item", filters=ITEM_FILTERS
    ),
    "salesOrder": _transaction_type(
        transactions.SALES_ORDER,
        create=sales_order.create,
        update=sales_order.update,
        delete=sales_order.delete,
    ),
    "itemFulfillment": _transaction_type(
        transactions.ITEM_FULFILLMENT,
        create=fulfillment.create_fulfillment,
        update=lambda ctx, rid, body: fulfillment.update(
            ctx, transactions.ITEM_FULFILLMENT, rid, body
        ),
        delete=lambda ctx, rid: fulfillment.delete(ctx, transactions.ITEM_FULFILLMENT, rid),
    ),
    "invoice": _transaction_type(
        transactions.INVOICE,
        create=fulfillment.create_invoice,
        update=lambda ctx, rid, body: fulfillment.update(ctx, transactions.INVOICE, rid, body),
        delete=lambda ctx, rid: fulfillment.delete(ctx, transactions.INVOICE, rid),
    ),
}
# `POST salesOrder/{id}/!transform/{target}`: what a sales order can be turned into.
TRANSFORMS = {
    "itemFulfillment": fulfillment.create_fulfillment,
    "invoice": fulfillment.create_invoice,
}


def record_type_or_error(name: str) -> RecordType:
    # Record type names are case-insensitive in REST paths.
    found = next((kind for key, kind in RECORD_TYPES.items() if key.lower() == name.lower()), None)
    if found is None:
        raise NetSuiteError(
            404,
            "NONEXISTENT_ID",
            f"Record type '{name}' does not exist or is not supported by this account.",
        )
    return found
