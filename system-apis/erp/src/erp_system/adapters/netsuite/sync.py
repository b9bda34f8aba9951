"""Delta reads and master-data writes for sync flows, on NetSuite: customers and sales orders
by `lastmodifieddate` (which every write moves, to the second), the catalog with its stock in
one grouped SuiteQL query per page."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from erp_system.adapters.netsuite import mapping
from erp_system.adapters.netsuite.erp import CUSTOMERS, ORDERS, NetSuiteErp, chunks
from erp_system.adapters.netsuite.mapping import Row, parse_moment, query_moment
from erp_system.adapters.netsuite.rest import SuiteTalkClient, literal
from erp_system.adapters.values import text
from erp_system.domain import sync_models as sync_models


class NetSuiteSync:
    """ErpSyncPort over SuiteQL and the record service."""

    def __init__(
        self, client: SuiteTalkClient, erp: NetSuiteErp, *, currency: str, system_id: str
    ) -> None:
        self._client = client
        self._erp = erp
        self._currency = currency
        self._system_id = system_id

    async def customer_changes(
        self, *, since: datetime, limit: int
    ) -> sync_models.CustomerChangePage:
        rows = await self._client.query(
            f"{CUSTOMERS} WHERE c.lastmodifieddate >= {query_moment(since)} "
            "ORDER BY c.lastmodifieddate, c.id",
            what="changed customers",
            limit=limit + 1,
        )
        return sync_models.CustomerChangePage(
            items=[self._profile(row, since) for row in rows[:limit]],
            has_more=len(rows) > limit,
            system_id=self._system_id,
        )

    def _profile(
        self, row: Row, fallback: datetime | None = None
    ) -> sync_models.CustomerProfileRead:
        customer = mapping.customer_from(row)
        changed = parse_moment(row.get("lastmodifieddate")) or parse_moment(row.get("datecreated"))
        if changed is None:
            changed = fallback or datetime.fromtimestamp(0).astimezone()
        currency = text(row.get("currencysymbol")) or self._currency
        return sync_models.CustomerProfileRead(
            id=customer.id,
            external_id=customer.external_id,
            name=customer.name,
            phone=customer.phone,
            address=customer.address,
            blocked=customer.blocked or mapping.is_on_credit_hold(row),
            payment_terms=mapping.payment_terms(row),
            credit_limit=mapping.money(row.get("creditlimit"), currency),
            changed_at=changed,
        )

    async def get_profile(self, customer_id: str) -> sync_models.CustomerProfileRead:
        return self._profile(await self._erp.customer_row(f"c.entityid = {literal(customer_id)}"))

    async def update_profile(
        self, customer_id: str, changes: sync_models.CustomerProfileUpdate
    ) -> sync_models.CustomerProfileRead:
        body = mapping.customer_change_body(
            name=changes.name, address=changes.address, phone=changes.phone
        )
        return self._profile(await self._erp.change_customer(customer_id, body))

    async def sales_order_changes(
        self, *, since: datetime, limit: int
    ) -> sync_models.SalesOrderChangePage:
        rows = await self._client.query(
            f"{ORDERS} AND t.lastmodifieddate >= {query_moment(since)} "
            "ORDER BY t.lastmodifieddate, t.id",
            what="changed sales orders",
            limit=limit + 1,
        )
        page = rows[:limit]
        invoices = await self._invoices_of([str(row["id"]) for row in page])
        items = [
            sync_models.SalesOrderChange(
                **mapping.order_state_fields(row),
                invoice_numbers=invoices.get(str(row["id"]), []),
                changed_at=parse_moment(row.get("lastmodifieddate")) or since,
            )
            for row in page
        ]
        return sync_models.SalesOrderChangePage(
            items=items, has_more=len(rows) > limit, system_id=self._system_id
        )

    async def _invoices_of(self, orders: list[str]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for chunk in chunks(orders):
            rows = await self._client.query(
                "SELECT t.id, t.createdfrom FROM transaction t WHERE t.type = 'CustInvc' "
                f"AND t.createdfrom IN ({', '.join(chunk)}) ORDER BY t.id",
                what="invoices",
                limit=len(chunk) * 20,
            )
            for row in rows:
                found.setdefault(str(row["createdfrom"]), []).append(str(row["id"]))
        return found

    async def catalog_page(self, *, after: str | None, limit: int) -> list[sync_models.CatalogItem]:
        where = "i.isinactive = 'F'" + (f" AND i.itemid > {literal(after)}" if after else "")
        rows = await self._client.query(
            f"SELECT i.itemid, i.displayname, i.baseprice FROM item i WHERE {where} "
            "ORDER BY i.itemid",
            what="products",
            limit=limit,
        )
        if not rows:
            return []
        first, last = literal(str(rows[0]["itemid"])), literal(str(rows[-1]["itemid"]))
        stock = await self._erp.available_where(
            f"i.itemid >= {first} AND i.itemid <= {last}", location=self._erp.location, limit=limit
        )
        return [
            sync_models.CatalogItem(
                sku=str(row["itemid"]),
                name=text(row.get("displayname")),
                unit_price=mapping.money(row.get("baseprice"), self._currency),
                available_quantity=stock.get(str(row["itemid"]), Decimal(0)).normalize(),
            )
            for row in rows
        ]
