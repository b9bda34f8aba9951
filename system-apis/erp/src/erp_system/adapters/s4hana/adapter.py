"""The S/4HANA implementation of the ErpPort port, assembled from one OData conversation."""

from __future__ import annotations

from collections.abc import Sequence

from erp_system.adapters.s4hana.catalog import CatalogSettings, S4Catalog
from erp_system.adapters.s4hana.customers import S4Customers
from erp_system.adapters.s4hana.finance import ExposureView, S4Finance, ViewAccount
from erp_system.adapters.s4hana.mapping import SalesDefaults
from erp_system.adapters.s4hana.odata import ODataClient
from erp_system.adapters.s4hana.sales_orders import S4SalesOrders
from erp_system.adapters.s4hana.simulation import S4OrderSimulation
from erp_system.domain.models import (
    AvailabilityRead,
    CreditRead,
    CustomerCreate,
    CustomerRead,
    CustomerSearch,
    CustomerUpdate,
    InvoiceRead,
    OrderPricing,
    ProductRead,
    SalesOrderCreate,
    SalesOrderRead,
    SalesOrderSimulate,
    SalesOrderUpdate,
    Versioned,
)
from erp_system.settings import ErpSystemSettings
from trivium.schemas import Money


class S4HanaErp:
    """ErpPort over SAP S/4HANA's public OData v2 APIs."""

    def __init__(self, odata: ODataClient, settings: ErpSystemSettings) -> None:
        self.odata = odata
        defaults = SalesDefaults(
            sales_organization=settings.sales_organization,
            distribution_channel=settings.distribution_channel,
            division=settings.division,
            currency=settings.currency,
            payment_terms=settings.payment_terms,
            company_code=settings.company_code,
            reconciliation_account=settings.reconciliation_account,
            bp_grouping=settings.bp_grouping,
            customer_account_group=settings.customer_account_group,
            sales_order_type=settings.sales_order_type,
            manual_price_condition_type=settings.manual_price_condition_type,
        )
        self._customers = S4Customers(odata, defaults)
        self._orders = S4SalesOrders(odata, defaults)
        self._catalog = S4Catalog(odata, CatalogSettings.from_settings(settings))
        self._simulation = (
            S4OrderSimulation(odata, defaults, price_condition_type=settings.price_condition_type)
            if settings.order_simulation
            else None
        )
        view = None
        if settings.credit_exposure_service and settings.credit_exposure_entity_set:
            view = ExposureView(
                service=settings.credit_exposure_service,
                entity_set=settings.credit_exposure_entity_set,
                amount_property=settings.credit_exposure_property,
                account=ViewAccount.from_settings(settings),
            )
        self._finance = S4Finance(
            odata, self._customers, credit_segment=settings.credit_segment, exposure_view=view
        )

    async def get_customer(self, customer_id: str) -> CustomerRead:
        return await self._customers.get(customer_id)

    async def search_customers(
        self, criteria: CustomerSearch, *, limit: int, offset: int
    ) -> list[CustomerRead]:
        return await self._customers.search(criteria, limit=limit, offset=offset)

    async def find_customer_by_external_id(self, external_id: str) -> CustomerRead | None:
        return await self._customers.find_by_external_id(external_id)

    async def create_customer(self, customer: CustomerCreate) -> CustomerRead:
        return await self._customers.create(customer)

    async def update_customer(self, customer_id: str, changes: CustomerUpdate) -> CustomerRead:
        return await self._customers.update(customer_id, changes)

    async def get_credit(self, customer_id: str) -> CreditRead:
        return await self._finance.credit(customer_id)

    async def list_products(
        self, *, search: str | None, limit: int, offset: int
    ) -> list[ProductRead]:
        return await self._catalog.list_products(search=search, limit=limit, offset=offset)

    async def get_product(self, sku: str) -> ProductRead:
        return await self._catalog.get_product(sku)

    async def get_prices(self, skus: Sequence[str], *, customer_id: str | None) -> dict[str, Money]:
        return await self._catalog.prices(skus, customer_id=customer_id)

    async def get_availability(
        self, skus: Sequence[str], *, plant: str | None
    ) -> list[AvailabilityRead]:
        return await self._catalog.availability(skus, plant=plant)

    async def price_order(self, order: SalesOrderSimulate) -> OrderPricing | None:
        if self._simulation is None:
            return None
        return await self._simulation.price(order)

    async def find_sales_order(
        self, *, customer_id: str, external_reference: str
    ) -> SalesOrderRead | None:
        return await self._orders.find(
            customer_id=customer_id, external_reference=external_reference
        )

    async def create_sales_order(self, order: SalesOrderCreate) -> SalesOrderRead:
        return await self._orders.create(order)

    async def get_sales_order(self, order_id: str) -> Versioned[SalesOrderRead]:
        return await self._orders.get(order_id)

    async def update_sales_order(
        self, order_id: str, changes: SalesOrderUpdate, *, version: str | None
    ) -> Versioned[SalesOrderRead]:
        return await self._orders.update(order_id, changes, version=version)

    async def list_sales_orders(
        self, customer_id: str, *, limit: int, offset: int
    ) -> list[SalesOrderRead]:
        orders = await self._orders.list_for(customer_id, limit=limit, offset=offset)
        if not orders and offset == 0:
            await self._customers.partner_of(customer_id, expand=False)
        return orders

    async def list_open_invoices(
        self, customer_id: str, *, limit: int, offset: int
    ) -> list[InvoiceRead]:
        return await self._finance.open_invoices(customer_id, limit=limit, offset=offset)
