"""An in-memory ERP behind the same ports, for unit tests of the routes and for provider states."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from erp_system.domain.customers import website_on_domain
from erp_system.domain.errors import (
    CreditAccountNotFound,
    CustomerNotFound,
    ErpRejected,
    ProductNotFound,
    SalesOrderNotFound,
    VersionMismatch,
)
from erp_system.domain.models import (
    Address,
    AvailabilityRead,
    CreditCheck,
    CreditRead,
    CustomerCreate,
    CustomerRead,
    CustomerSearch,
    CustomerUpdate,
    ExposureSource,
    InvoiceRead,
    OrderPricing,
    ProductRead,
    SalesArea,
    SalesOrderCreate,
    SalesOrderLineRead,
    SalesOrderRead,
    SalesOrderSimulate,
    SalesOrderStatus,
    SalesOrderUpdate,
    Versioned,
)
from erp_system.domain.sync_models import (
    CatalogItem,
    CustomerChangePage,
    CustomerProfileRead,
    CustomerProfileUpdate,
    SalesOrderChange,
    SalesOrderChangePage,
)
from trivium.schemas import Money


class FakeErp:
    """ErpPort in memory; seed it through its dictionaries. `calls` counts backend trips,
    `lookups` the orders looked up by reference; `create_failure` fails the next order create,
    `lost_create_answer` fails it after saving."""

    def __init__(self, *, currency: str = "EUR", plant: str = "1010") -> None:
        self.currency = currency
        self.plant = plant
        self.customers: dict[str, CustomerRead] = {}
        self.credit_limits: dict[str, tuple[Decimal, bool]] = {}
        self.products: dict[str, ProductRead] = {}
        self.stock: dict[str, Decimal] = {}
        self.orders: dict[str, SalesOrderRead] = {}
        self.versions: dict[str, int] = {}
        self.invoices: list[InvoiceRead] = []
        self.calls = 0
        self.lookups = 0
        self.create_failure: Exception | None = None
        self.lost_create_answer: Exception | None = None
        self._numbers = itertools.count(1)

    def _customer(self, customer_id: str) -> CustomerRead:
        self.calls += 1
        if customer_id not in self.customers:
            raise CustomerNotFound(f"No customer has the number {customer_id!r}.")
        return self.customers[customer_id]

    async def get_customer(self, customer_id: str) -> CustomerRead:
        return self._customer(customer_id)

    async def search_customers(
        self, criteria: CustomerSearch, *, limit: int, offset: int
    ) -> list[CustomerRead]:
        self.calls += 1

        def matches(customer: CustomerRead) -> bool:
            address = customer.address or Address()
            return (
                (not criteria.name or criteria.name.lower() in customer.name.lower())
                and (not criteria.external_id or criteria.external_id == customer.external_id)
                and (not criteria.postal_code or criteria.postal_code == address.postal_code)
                and (not criteria.city or criteria.city == address.city)
                and (not criteria.vat_id or criteria.vat_id == customer.vat_id)
                and (
                    not criteria.website_domain
                    or website_on_domain(customer.website, criteria.website_domain)
                )
            )

        found = sorted((c for c in self.customers.values() if matches(c)), key=lambda c: c.id)
        return found[offset : offset + limit]

    async def find_customer_by_external_id(self, external_id: str) -> CustomerRead | None:
        self.calls += 1
        return next((c for c in self.customers.values() if c.external_id == external_id), None)

    async def create_customer(self, customer: CustomerCreate) -> CustomerRead:
        self.calls += 1
        area = customer.sales_area
        created = CustomerRead(
            id=str(1_000_000 + next(self._numbers)),
            name=customer.name,
            external_id=customer.external_id,
            search_term=customer.search_term,
            language=customer.language,
            address=Address(**customer.address.model_dump()),
            sales_areas=[
                SalesArea(
                    sales_organization=(area and area.sales_organization) or "1010",
                    distribution_channel=(area and area.distribution_channel) or "10",
                    division=(area and area.division) or "00",
                    currency=(area and area.currency) or self.currency,
                )
            ],
            created_on=datetime.now(UTC).date(),
            email=customer.email,
            phone=customer.phone,
            website=customer.website,
            vat_id=customer.vat_id,
        )
        self.customers[created.id] = created
        return created

    async def update_customer(self, customer_id: str, changes: CustomerUpdate) -> CustomerRead:
        current = self._customer(customer_id)
        values = changes.model_dump(exclude_unset=True, exclude={"address"}, by_alias=False)
        if changes.address is not None:
            values["address"] = Address(**changes.address.model_dump())
        updated = current.model_copy(update=values)
        self.customers[customer_id] = updated
        return updated

    async def get_credit(self, customer_id: str) -> CreditRead:
        self._customer(customer_id)
        return self._credit_of(customer_id)

    def _credit_of(self, customer_id: str) -> CreditRead:
        if customer_id not in self.credit_limits:
            raise CreditAccountNotFound(f"Customer {customer_id} has no credit account.")
        limit, blocked = self.credit_limits[customer_id]
        open_orders = sum(
            (o.total.amount for o in self.orders.values() if _is_open(o, customer_id) and o.total),
            Decimal(0),
        )
        open_invoices = sum(
            (i.gross_amount or i.net_amount).amount
            for i in self.invoices
            if i.customer_id == customer_id and i.status == "open"
        )
        exposure = open_orders + open_invoices
        return CreditRead(
            customer_id=customer_id,
            limit=limit,
            exposure=exposure,
            available=limit - exposure,
            currency=self.currency,
            blocked=blocked,
            exposure_source=ExposureSource.DERIVED,
            open_orders=open_orders,
            open_invoices=open_invoices,
        )

    async def list_products(
        self, *, search: str | None, limit: int, offset: int
    ) -> list[ProductRead]:
        self.calls += 1
        term = (search or "").lower()
        found = [
            p
            for sku, p in sorted(self.products.items())
            if not term or term in sku.lower() or term in (p.name or "").lower()
        ]
        return found[offset : offset + limit]

    async def get_product(self, sku: str) -> ProductRead:
        self.calls += 1
        if sku not in self.products:
            raise ProductNotFound(f"No product has the sku {sku!r}.")
        return self.products[sku]

    async def get_prices(self, skus: Sequence[str], *, customer_id: str | None) -> dict[str, Money]:
        self.calls += 1
        return {
            sku: self.products[sku].unit_price  # type: ignore[misc]
            for sku in skus
            if sku in self.products and self.products[sku].unit_price is not None
        }

    async def get_availability(
        self, skus: Sequence[str], *, plant: str | None
    ) -> list[AvailabilityRead]:
        self.calls += 1
        return [
            AvailabilityRead(
                sku=sku,
                plant=plant or self.plant,
                quantity=self.stock.get(sku, Decimal(0)),
                unit=self.products[sku].base_unit if sku in self.products else None,
            )
            for sku in dict.fromkeys(skus)
        ]

    async def price_order(self, order: SalesOrderSimulate) -> OrderPricing | None:
        """As an ERP with an order simulation: one backend call, unknown skus refused."""
        customer = self._customer(order.customer_id)
        unknown = [line.sku for line in order.lines if line.sku not in self.products]
        if unknown:
            raise ErpRejected(f"The ERP rejected the order simulation: {unknown[0]} is unknown.")
        currencies = [area.currency for area in customer.sales_areas if area.currency]
        currency = currencies[0] if currencies else self.currency
        prices = {
            line.sku: price
            for line in order.lines
            if (price := self.products[line.sku].unit_price) is not None
        }
        total = Decimal(0)
        for line in order.lines:
            listed = prices[line.sku].amount if line.sku in prices else Decimal(0)
            total += (line.unit_price if line.unit_price is not None else listed) * line.quantity
        if order.customer_id not in self.credit_limits:
            return OrderPricing(currency, prices, CreditCheck.NOT_CHECKED)
        credit = self._credit_of(order.customer_id)
        fits = not credit.blocked and total <= credit.available
        return OrderPricing(currency, prices, CreditCheck.PASSED if fits else CreditCheck.FAILED)

    async def find_sales_order(
        self, *, customer_id: str, external_reference: str
    ) -> SalesOrderRead | None:
        self.calls += 1
        self.lookups += 1
        return next(
            (
                o
                for o in sorted(self.orders.values(), key=lambda o: int(o.id))
                if o.customer_id == customer_id and o.external_reference == external_reference
            ),
            None,
        )

    async def create_sales_order(self, order: SalesOrderCreate) -> SalesOrderRead:
        self._customer(order.customer_id)
        if self.create_failure is not None:
            failure, self.create_failure = self.create_failure, None
            raise failure
        lines = [
            self._order_line(number, line.sku, line.quantity, line.unit_price)
            for number, line in enumerate(order.lines, start=1)
        ]
        total = sum((line.net_amount.amount for line in lines if line.net_amount), Decimal(0))
        created = SalesOrderRead(
            id=str(next(self._numbers)),
            customer_id=order.customer_id,
            external_reference=order.external_reference,
            status=SalesOrderStatus.OPEN,
            delivery_status="not_started",
            billing_status="not_started",
            total=Money(amount=total, currency=self.currency),
            created_on=datetime.now(UTC).date(),
            requested_delivery_date=order.requested_delivery_date,
            lines=lines,
        )
        self.orders[created.id] = created
        self.versions[created.id] = 1
        if self.lost_create_answer is not None:
            # The order exists, but its answer never reached us (a timeout after the commit).
            failure, self.lost_create_answer = self.lost_create_answer, None
            raise failure
        return created

    def _order_line(
        self, number: int, sku: str, quantity: Decimal, unit_price: Decimal | None
    ) -> SalesOrderLineRead:
        product = self.products.get(sku)
        price = unit_price
        if price is None and product is not None and product.unit_price is not None:
            price = product.unit_price.amount
        return SalesOrderLineRead(
            line_number=str(number * 10),
            sku=sku,
            description=product.name if product else None,
            quantity=quantity,
            unit=product.base_unit if product else None,
            net_amount=Money(amount=price * quantity, currency=self.currency)
            if price is not None
            else None,
        )

    async def get_sales_order(self, order_id: str) -> Versioned[SalesOrderRead]:
        self.calls += 1
        if order_id not in self.orders:
            raise SalesOrderNotFound(f"No sales order has the number {order_id!r}.")
        return Versioned(self.orders[order_id], f"v{self.versions[order_id]}")

    async def update_sales_order(
        self, order_id: str, changes: SalesOrderUpdate, *, version: str | None
    ) -> Versioned[SalesOrderRead]:
        current = await self.get_sales_order(order_id)
        if version is not None and version != current.version:
            raise VersionMismatch("The sales order changed since that version.")
        values = changes.model_dump(exclude_unset=True, by_alias=False)
        updated = current.item.model_copy(update=values)
        self.orders[order_id] = updated
        self.versions[order_id] += 1
        return Versioned(updated, f"v{self.versions[order_id]}")

    async def list_sales_orders(
        self, customer_id: str, *, limit: int, offset: int
    ) -> list[SalesOrderRead]:
        self._customer(customer_id)
        found = [o for o in self.orders.values() if o.customer_id == customer_id]
        found.sort(key=lambda o: int(o.id), reverse=True)
        return found[offset : offset + limit]

    async def list_open_invoices(
        self, customer_id: str, *, limit: int, offset: int
    ) -> list[InvoiceRead]:
        self._customer(customer_id)
        found = [
            i
            for i in self.invoices
            if i.customer_id == customer_id and i.status in ("open", "partially_paid")
        ]
        return found[offset : offset + limit]


def _is_open(order: SalesOrderRead, customer_id: str) -> bool:
    return order.customer_id == customer_id and order.status not in (
        SalesOrderStatus.BILLED,
        SalesOrderStatus.CANCELLED,
    )


class FakeErpSync:
    """ErpSyncPort in memory: seed `profiles` and `order_changes`; the catalog is `erp`'s."""

    def __init__(self, erp: FakeErp, *, system_id: str = "S4H/100") -> None:
        self.erp = erp
        self.system_id = system_id
        self.profiles: dict[str, CustomerProfileRead] = {}
        self.order_changes: list[SalesOrderChange] = []

    async def customer_changes(self, *, since: datetime, limit: int) -> CustomerChangePage:
        changed = sorted(
            (p for p in self.profiles.values() if p.changed_at >= since),
            key=lambda profile: profile.changed_at,
        )
        return CustomerChangePage(
            items=changed[:limit], has_more=len(changed) > limit, system_id=self.system_id
        )

    async def get_profile(self, customer_id: str) -> CustomerProfileRead:
        if customer_id not in self.profiles:
            raise CustomerNotFound(f"No customer has the number {customer_id!r}.")
        return self.profiles[customer_id]

    async def update_profile(
        self, customer_id: str, changes: CustomerProfileUpdate
    ) -> CustomerProfileRead:
        values = changes.model_dump(exclude_unset=True, exclude={"address"}, by_alias=False)
        if changes.address is not None:
            values["address"] = Address(**changes.address.model_dump())
        updated = (await self.get_profile(customer_id)).model_copy(update=values)
        self.profiles[customer_id] = updated
        return updated

    async def sales_order_changes(self, *, since: datetime, limit: int) -> SalesOrderChangePage:
        changed = [change for change in self.order_changes if change.changed_at >= since]
        return SalesOrderChangePage(
            items=changed[:limit], has_more=len(changed) > limit, system_id=self.system_id
        )

    async def catalog_page(self, *, after: str | None, limit: int) -> list[CatalogItem]:
        products = sorted(self.erp.products.values(), key=lambda product: product.sku)
        return [
            CatalogItem(
                sku=product.sku,
                name=product.name,
                unit_price=product.unit_price,
                available_quantity=self.erp.stock.get(product.sku, Decimal(0)),
            )
            for product in products
            if after is None or product.sku > after
        ][:limit]
