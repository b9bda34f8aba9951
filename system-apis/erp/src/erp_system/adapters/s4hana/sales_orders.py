"""Sales orders (API_SALES_ORDER_SRV): deep insert, lookup by customer reference, ETag updates."""

from __future__ import annotations

from erp_system.adapters.s4hana.mapping import (
    SalesDefaults,
    sales_order_create_body,
    sales_order_from,
    sales_order_update_body,
)
from erp_system.adapters.s4hana.odata import Entity, ODataClient
from erp_system.adapters.s4hana.wire import entity_path, expanded, string_literal
from erp_system.domain.errors import ConcurrentUpdate, SalesOrderNotFound, VersionMismatch
from erp_system.domain.models import SalesOrderCreate, SalesOrderRead, SalesOrderUpdate, Versioned

SERVICE = "API_SALES_ORDER_SRV"
ORDERS = "A_SalesOrder"
EXPAND = "to_Item"
# SAP does not keep the customer reference unique; a few rows are enough to pick the first.
DUPLICATE_SCAN = 5


class S4SalesOrders:
    """Creates, reads and changes sales orders of the configured sales area."""

    def __init__(self, odata: ODataClient, defaults: SalesDefaults) -> None:
        self._odata = odata
        self._defaults = defaults

    async def find(self, *, customer_id: str, external_reference: str) -> SalesOrderRead | None:
        rows = await self._odata.read_all(
            SERVICE,
            ORDERS,
            options={
                "$filter": f"PurchaseOrderByCustomer eq {string_literal(external_reference)}"
                f" and SoldToParty eq {string_literal(customer_id)}",
                "$expand": EXPAND,
            },
            what="sales orders",
            limit=DUPLICATE_SCAN,
        )
        if not rows:
            return None
        first = min(rows, key=lambda row: _number(str(row["SalesOrder"])))
        return sales_order_from(first)

    async def create(self, order: SalesOrderCreate) -> SalesOrderRead:
        created = await self._odata.create(
            SERVICE, ORDERS, sales_order_create_body(order, self._defaults), what="sales order"
        )
        if expanded(created.data, EXPAND):
            return sales_order_from(created.data)
        # Items came back deferred: read the order as stored rather than guess its lines.
        return (await self.get(str(created.data["SalesOrder"]))).item

    async def _read(self, order_id: str) -> Entity:
        return await self._odata.read(
            SERVICE,
            entity_path(ORDERS, order_id),
            options={"$expand": EXPAND},
            what="sales order",
            not_found=SalesOrderNotFound,
        )

    async def get(self, order_id: str) -> Versioned[SalesOrderRead]:
        entity = await self._read(order_id)
        return Versioned(sales_order_from(entity.data), entity.etag)

    async def update(
        self, order_id: str, changes: SalesOrderUpdate, *, version: str | None
    ) -> Versioned[SalesOrderRead]:
        body = sales_order_update_body(changes)
        if body:
            etag = version if version is not None else (await self._read(order_id)).etag
            try:
                await self._odata.update(
                    SERVICE,
                    entity_path(ORDERS, order_id),
                    body,
                    etag=etag,
                    what="sales order",
                    not_found=SalesOrderNotFound,
                )
            except ConcurrentUpdate as conflict:
                if version is None:
                    raise
                raise VersionMismatch(
                    "The sales order changed since the version in If-Match; read it again."
                ) from conflict
        return await self.get(order_id)

    async def list_for(self, customer_id: str, *, limit: int, offset: int) -> list[SalesOrderRead]:
        rows = await self._odata.read_all(
            SERVICE,
            ORDERS,
            options={
                "$filter": f"SoldToParty eq {string_literal(customer_id)}",
                "$orderby": "CreationDate desc,SalesOrder desc",
                "$skip": offset or None,
                "$expand": EXPAND,
            },
            what="sales orders",
            limit=limit,
        )
        return [sales_order_from(row) for row in rows]


def _number(order_id: str) -> tuple[int, str]:
    return (int(order_id), order_id) if order_id.isdigit() else (1 << 62, order_id)
