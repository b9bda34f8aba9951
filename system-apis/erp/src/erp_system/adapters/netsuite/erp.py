"""The NetSuite implementation of the ErpPort port: SuiteQL for every read, the record service
for every write."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from decimal import Decimal

from erp_system.adapters.netsuite import mapping
from erp_system.adapters.netsuite.mapping import (
    CUSTOMER_COLUMNS,
    CUSTOMER_POINTERS,
    LINE_COLUMNS,
    ORDER_COLUMNS,
    ORDER_POINTERS,
    Row,
    customer_from,
    sales_order_from,
)
from erp_system.adapters.netsuite.rest import SuiteTalkClient, any_of, literal
from erp_system.adapters.values import parse_decimal, text
from erp_system.domain import models as models
from erp_system.domain.customers import website_on_domain
from erp_system.domain.errors import (
    CreditAccountNotFound,
    CustomerNotFound,
    ErpRejected,
    ProductNotFound,
    SalesOrderNotFound,
    VersionMismatch,
)
from trivium.problems import FieldError
from trivium.schemas import Money

# A customer's addresses are records of their own in its address book; the default billing one
# is the customer's address in this API.
CUSTOMERS = (
    f"SELECT {CUSTOMER_COLUMNS} FROM customer c "
    "LEFT JOIN entityaddress a ON a.nkey = c.defaultbillingaddress"
)
ORDERS = (
    f"SELECT {ORDER_COLUMNS} FROM transaction t JOIN customer c ON c.id = t.entity "
    "WHERE t.type = 'SalesOrd'"
)
INVOICES = (
    "SELECT t.id, c.entityid AS customer, t.status, t.otherrefnum, t.createdfrom, t.trandate, "
    "t.foreigntotal, t.foreignamountremaining, BUILTIN.DF(t.currency) AS currencysymbol "
    "FROM transaction t JOIN customer c ON c.id = t.entity WHERE t.type = 'CustInvc'"
)
ACTIVE_ITEMS = "SELECT i.id, i.itemid, i.displayname, i.itemtype, i.baseprice FROM item i"
VERSIONED_COLUMNS = ("status", "shipdate", "otherrefnum", "foreigntotal")
# SuiteQL statements grow with every value of an IN list; keep each well inside NetSuite's limit.
IN_CHUNK = 200
# NetSuite keeps no unique customer reference; a few rows are enough to pick the first.
DUPLICATE_SCAN = 5


def chunks(values: Sequence[str], size: int = IN_CHUNK) -> list[list[str]]:
    return [list(values[i : i + size]) for i in range(0, len(values), size)]


class NetSuiteErp:
    """ErpPort over one NetSuite account's SuiteTalk REST web services."""

    def __init__(
        self,
        client: SuiteTalkClient,
        *,
        currency: str,
        location: str | None,
        subsidiary: str | None,
    ) -> None:
        self._client = client
        self._currency = currency
        self.location = location
        self._subsidiary = subsidiary

    # customers ---------------------------------------------------------------------------------

    async def customer_row(self, where: str, *, what: str = "customer") -> Row:
        return await self._client.query_one(
            f"{CUSTOMERS} WHERE {where}", what=what, not_found=CustomerNotFound
        )

    async def get_customer(self, customer_id: str) -> models.CustomerRead:
        return customer_from(await self.customer_row(f"c.entityid = {literal(customer_id)}"))

    async def search_customers(
        self, criteria: models.CustomerSearch, *, limit: int, offset: int
    ) -> list[models.CustomerRead]:
        where = ["c.isinactive = 'F'"]
        if criteria.name:
            where.append(f"UPPER(c.companyname) LIKE {literal(f'%{criteria.name.upper()}%')}")
        for column, value in (
            ("c.externalid", criteria.external_id),
            ("a.zip", criteria.postal_code),
            ("a.city", criteria.city),
            ("c.vatregnumber", criteria.vat_id),
        ):
            if value:
                where.append(f"{column} = {literal(value)}")
        if criteria.website_domain:
            where.append(f"LOWER(c.url) LIKE {literal(f'%{criteria.website_domain.lower()}%')}")
        rows = await self._client.query(
            f"{CUSTOMERS} WHERE {' AND '.join(where)} ORDER BY c.id",
            what="customers",
            limit=limit,
            offset=offset,
        )
        found = [customer_from(row) for row in rows]
        if criteria.website_domain:
            domain = criteria.website_domain
            found = [row for row in found if website_on_domain(row.website, domain)]
        return found

    async def find_customer_by_external_id(self, external_id: str) -> models.CustomerRead | None:
        rows = await self._client.query(
            f"{CUSTOMERS} WHERE c.externalid = {literal(external_id)}", what="customers", limit=1
        )
        return customer_from(rows[0]) if rows else None

    async def create_customer(self, customer: models.CustomerCreate) -> models.CustomerRead:
        wanted = customer.sales_area.currency if customer.sales_area else None
        currency_id = await self._currency_id(wanted) if wanted else None
        body = mapping.customer_create_body(
            customer, subsidiary=self._subsidiary, currency_id=currency_id
        )
        created = await self._client.create(
            "customer", body, what="customer", pointers=CUSTOMER_POINTERS
        )
        return customer_from(await self.customer_row(f"c.id = {created}"))

    async def _currency_id(self, symbol: str) -> str:
        rows = await self._client.query(
            f"SELECT id FROM currency WHERE symbol = {literal(symbol)}", what="currency", limit=1
        )
        if not rows:
            raise ErpRejected(
                f"The ERP has no currency {symbol}.",
                errors=[FieldError(pointer="/salesArea/currency", detail="Unknown currency.")],
            )
        return str(rows[0]["id"])

    async def change_customer(self, customer_id: str, body: dict[str, object]) -> Row:
        """PATCH the customer's fields `body` names; its row as stored afterwards."""
        row = await self.customer_row(f"c.entityid = {literal(customer_id)}")
        if not body:
            return row
        await self._client.update(
            "customer",
            str(row["id"]),
            body,
            what="customer",
            not_found=CustomerNotFound,
            pointers=CUSTOMER_POINTERS,
        )
        return await self.customer_row(f"c.id = {row['id']}")

    async def update_customer(
        self, customer_id: str, changes: models.CustomerUpdate
    ) -> models.CustomerRead:
        # NetSuite has no search term (its searches match the name): nothing to write for it.
        body = mapping.customer_change_body(
            name=changes.name,
            address=changes.address,
            isInactive=changes.blocked,
            externalId=changes.external_id,
        )
        return customer_from(await self.change_customer(customer_id, body))

    async def get_credit(self, customer_id: str) -> models.CreditRead:
        row = await self.customer_row(f"c.entityid = {literal(customer_id)}")
        limit = parse_decimal(row.get("creditlimit"))
        if limit is None:
            raise CreditAccountNotFound(f"Customer {customer_id} has no credit limit.")
        open_invoices = parse_decimal(row.get("balance")) or Decimal(0)
        open_orders = parse_decimal(row.get("unbilledorders")) or Decimal(0)
        exposure = open_invoices + open_orders
        return models.CreditRead(
            customer_id=customer_id,
            limit=limit,
            exposure=exposure,
            available=limit - exposure,
            currency=text(row.get("currencysymbol")) or self._currency,
            blocked=mapping.is_on_credit_hold(row) or row.get("isinactive") == "T",
            exposure_source=models.ExposureSource.BACKEND,
            open_orders=open_orders,
            open_invoices=open_invoices,
        )

    # catalog -----------------------------------------------------------------------------------

    async def list_products(
        self, *, search: str | None, limit: int, offset: int
    ) -> list[models.ProductRead]:
        where = "i.isinactive = 'F'"
        if search:
            term = literal(f"%{search.upper()}%")
            where += f" AND (UPPER(i.itemid) LIKE {term} OR UPPER(i.displayname) LIKE {term})"
        rows = await self._client.query(
            f"{ACTIVE_ITEMS} WHERE {where} ORDER BY i.itemid",
            what="products",
            limit=limit,
            offset=offset,
        )
        return [mapping.product_from(row, currency=self._currency) for row in rows]

    async def get_product(self, sku: str) -> models.ProductRead:
        row = await self._client.query_one(
            f"{ACTIVE_ITEMS} WHERE i.itemid = {literal(sku)} AND i.isinactive = 'F'",
            what="product",
            not_found=ProductNotFound,
        )
        return mapping.product_from(row, currency=self._currency)

    async def get_prices(self, skus: Sequence[str], *, customer_id: str | None) -> dict[str, Money]:
        """The item's base price; the customer's own item price wins."""
        unique = list(dict.fromkeys(skus))
        reads = [self._base_prices(chunk) for chunk in chunks(unique)]
        if customer_id:
            reads += [self._customer_prices(chunk, customer_id) for chunk in chunks(unique)]
        found = await asyncio.gather(*reads)
        prices: dict[str, Money] = {}
        for answer in found:
            prices.update(answer)
        return prices

    async def _base_prices(self, skus: list[str]) -> dict[str, Money]:
        rows = await self._client.query(
            f"SELECT i.itemid, i.baseprice FROM item i WHERE {any_of('i.itemid', skus)}"
            " AND i.isinactive = 'F'",
            what="prices",
            limit=len(skus),
        )
        return self._price_map(rows, "baseprice")

    async def _customer_prices(self, skus: list[str], customer_id: str) -> dict[str, Money]:
        rows = await self._client.query(
            "SELECT i.itemid, p.price FROM customeritempricing p "
            "JOIN item i ON i.id = p.item JOIN customer c ON c.id = p.customer "
            f"WHERE c.entityid = {literal(customer_id)} AND {any_of('i.itemid', skus)}",
            what="customer prices",
            limit=len(skus),
        )
        return self._price_map(rows, "price")

    def _price_map(self, rows: list[Row], column: str) -> dict[str, Money]:
        prices = {
            str(row["itemid"]): mapping.money(row.get(column), self._currency) for row in rows
        }
        return {sku: price for sku, price in prices.items() if price is not None}

    async def get_availability(
        self, skus: Sequence[str], *, plant: str | None
    ) -> list[models.AvailabilityRead]:
        """Available quantity (on hand less committed) per sku at the location asked, the
        configured one, or all locations together; one query per 200 skus."""
        location = plant or self.location
        unique = list(dict.fromkeys(skus))
        answers = await asyncio.gather(
            *(self.available(chunk, location=location) for chunk in chunks(unique))
        )
        stock: dict[str, Decimal] = {}
        for answer in answers:
            stock.update(answer)
        return [
            models.AvailabilityRead(
                sku=sku, plant=location or "all", quantity=stock.get(sku, Decimal(0)).normalize()
            )
            for sku in unique
        ]

    async def available(self, skus: list[str], *, location: str | None) -> dict[str, Decimal]:
        return await self.available_where(
            any_of("i.itemid", skus), location=location, limit=len(skus)
        )

    async def available_where(
        self, condition: str, *, location: str | None, limit: int
    ) -> dict[str, Decimal]:
        """Available quantity of the items matching `condition` (on `i`), per sku."""
        if location and not location.isdigit():
            return {}
        at = f" AND l.location = {location}" if location else ""
        rows = await self._client.query(
            "SELECT i.itemid, SUM(l.quantityavailable) AS quantity FROM item i "
            f"JOIN inventoryitemlocations l ON l.item = i.id WHERE {condition}{at} "
            "GROUP BY i.itemid",
            what="stock",
            limit=limit,
        )
        return {
            str(row["itemid"]): parse_decimal(row.get("quantity")) or Decimal(0) for row in rows
        }

    # sales orders ------------------------------------------------------------------------------

    async def orders(
        self, where: str, *, limit: int, offset: int = 0
    ) -> list[models.SalesOrderRead]:
        """Orders matching `where` (on `t` and the customer `c`) with their lines."""
        rows = await self._client.query(
            f"{ORDERS} AND {where}", what="sales orders", limit=limit, offset=offset
        )
        lines = await self.lines_of([str(row["id"]) for row in rows])
        return [sales_order_from(row, lines.get(str(row["id"]), [])) for row in rows]

    async def lines_of(self, order_ids: list[str]) -> dict[str, list[Row]]:
        if not order_ids:
            return {}
        answers = await asyncio.gather(
            *(
                self._client.query(
                    f"SELECT {LINE_COLUMNS} FROM transactionline l WHERE "
                    f"l.transaction IN ({', '.join(chunk)}) AND l.mainline = 'F' "
                    "AND l.taxline = 'F' ORDER BY l.transaction, l.linesequencenumber",
                    what="sales order lines",
                    limit=10_000,
                )
                for chunk in chunks(order_ids)
            )
        )
        lines: dict[str, list[Row]] = {}
        for row in (row for rows in answers for row in rows):
            lines.setdefault(str(row["ordernumber"]), []).append(row)
        return lines

    async def price_order(self, order: models.SalesOrderSimulate) -> models.OrderPricing | None:
        # SuiteTalk REST simulates no order: the check reads prices, stock and credit instead.
        return None

    async def find_sales_order(
        self, *, customer_id: str, external_reference: str
    ) -> models.SalesOrderRead | None:
        found = await self.orders(
            f"c.entityid = {literal(customer_id)} "
            f"AND t.otherrefnum = {literal(external_reference)} ORDER BY t.id",
            limit=DUPLICATE_SCAN,
        )
        return found[0] if found else None

    async def create_sales_order(self, order: models.SalesOrderCreate) -> models.SalesOrderRead:
        skus = list(dict.fromkeys(line.sku for line in order.lines))
        customer, items = await asyncio.gather(
            self._client.query(
                f"SELECT c.id FROM customer c WHERE c.entityid = {literal(order.customer_id)}",
                what="customer",
                limit=1,
            ),
            self._client.query(
                f"SELECT i.id, i.itemid FROM item i WHERE {any_of('i.itemid', skus)}"
                " AND i.isinactive = 'F'",
                what="products",
                limit=len(skus),
            ),
        )
        item_ids = {str(row["itemid"]): str(row["id"]) for row in items}
        problems = [
            FieldError(pointer="/lines/sku", detail=f"No product {line.sku}.")
            for line in order.lines
            if line.sku not in item_ids
        ]
        if not customer:
            problems.insert(0, FieldError(pointer="/customerId", detail="No such customer."))
        if problems:
            raise ErpRejected("The ERP rejected the sales order.", errors=problems)
        body = mapping.sales_order_body(
            order, customer_id=str(customer[0]["id"]), item_ids=item_ids, location=self.location
        )
        created = await self._client.create(
            "salesOrder", body, what="sales order", pointers=ORDER_POINTERS
        )
        return (await self.get_sales_order(created)).item

    async def get_sales_order(self, order_id: str) -> models.Versioned[models.SalesOrderRead]:
        if not order_id.isdigit():
            raise SalesOrderNotFound(f"No sales order has the number {order_id!r}.")
        row, lines = await asyncio.gather(
            self._client.query_one(
                f"{ORDERS} AND t.id = {order_id}",
                what="sales order",
                not_found=SalesOrderNotFound,
            ),
            self.lines_of([order_id]),
        )
        return models.Versioned(sales_order_from(row, lines.get(order_id, [])), _version(row))

    async def update_sales_order(
        self, order_id: str, changes: models.SalesOrderUpdate, *, version: str | None
    ) -> models.Versioned[models.SalesOrderRead]:
        body = mapping.sales_order_update_body(changes)
        if body:
            # NetSuite's REST writes take no version: compare the one read just before.
            current = await self.get_sales_order(order_id)
            if version is not None and version != current.version:
                raise VersionMismatch(
                    "The sales order changed since the version in If-Match; read it again."
                )
            await self._client.update(
                "salesOrder",
                order_id,
                body,
                what="sales order",
                not_found=SalesOrderNotFound,
                pointers=ORDER_POINTERS,
            )
        return await self.get_sales_order(order_id)

    async def list_sales_orders(
        self, customer_id: str, *, limit: int, offset: int
    ) -> list[models.SalesOrderRead]:
        orders = await self.orders(
            f"c.entityid = {literal(customer_id)} ORDER BY t.trandate DESC, t.id DESC",
            limit=limit,
            offset=offset,
        )
        if not orders and offset == 0:
            await self.get_customer(customer_id)
        return orders

    async def list_open_invoices(
        self, customer_id: str, *, limit: int, offset: int
    ) -> list[models.InvoiceRead]:
        rows = await self._client.query(
            f"{INVOICES} AND c.entityid = {literal(customer_id)} "
            f"AND t.status = '{mapping.OPEN_INVOICE}' ORDER BY t.trandate DESC, t.id DESC",
            what="invoices",
            limit=limit,
            offset=offset,
        )
        if not rows and offset == 0:
            await self.get_customer(customer_id)
        return [mapping.invoice_from(row) for row in rows]


def _version(row: Row) -> str:
    """The order's version: when NetSuite last changed it (to the second) and a digest of what
    this API shows of it, so that two changes within one second are told apart."""
    shown = "|".join(str(row.get(name) or "") for name in VERSIONED_COLUMNS)
    return f"{row.get('lastmodifieddate') or ''}/{hashlib.sha256(shown.encode()).hexdigest()[:16]}"
