"""Delta reads and master-data writes for sync flows, on S/4HANA's OData APIs.

Customers changed since a moment are partners by `LastChangeDate` + `LastChangeTime` (SAP keeps
the partner's change stamp to the second and moves it for changes of its addresses, phone
numbers, sales areas and credit account); sales orders by `LastChangeDateTime`. The catalog is
read a page of products at a time, with the stock and list prices of the page's materials read
in two more calls (by material range), so that tens of thousands of skus take a few calls each.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from erp_system.adapters.s4hana.catalog import (
    PRICE_SERVICE,
    PRODUCT_SERVICE,
    STOCK_SERVICE,
    STOCK_SET,
    UNRESTRICTED_USE,
    CatalogSettings,
)
from erp_system.adapters.s4hana.customers import PARTNERS
from erp_system.adapters.s4hana.customers import SERVICE as PARTNER_SERVICE
from erp_system.adapters.s4hana.mapping import (
    address_body,
    customer_from_partner,
    name_body,
    unit_price_from,
)
from erp_system.adapters.s4hana.odata import ODataClient
from erp_system.adapters.s4hana.sales_orders import ORDERS
from erp_system.adapters.s4hana.sales_orders import SERVICE as ORDER_SERVICE
from erp_system.adapters.s4hana.status import billing_progress, delivery_progress, order_status
from erp_system.adapters.s4hana.wire import (
    any_of,
    date_literal,
    entity_path,
    expanded,
    expanded_one,
    parse_datetime,
    string_literal,
)
from erp_system.adapters.values import parse_decimal, text
from erp_system.domain.errors import CustomerNotFound
from erp_system.domain.sync_models import (
    CatalogItem,
    CustomerChangePage,
    CustomerProfileRead,
    CustomerProfileUpdate,
    SalesOrderChange,
    SalesOrderChangePage,
)
from erp_system.settings import ErpSystemSettings
from trivium.schemas import Money

CREDIT_SERVICE = "API_CRDTMBUSINESSPARTNER"
CREDIT_SET = "CreditManagementAccount"
BILLING_SERVICE = "API_BILLING_DOCUMENT_SRV"
BILLING_ITEMS = "A_BillingDocumentItem"
PROFILE_EXPAND = (
    "to_BusinessPartnerAddress,to_BusinessPartnerAddress/to_PhoneNumber,"
    "to_Customer,to_Customer/to_CustomerSalesArea"
)
ORDER_FIELDS = (
    "SalesOrder,SoldToParty,PurchaseOrderByCustomer,LastChangeDateTime,OverallDeliveryStatus,"
    "OverallTotalDeliveryStatus,OverallOrdReltdBillgStatus,OverallSDProcessStatus,"
    "OverallSDDocumentRejectionSts,TotalCreditCheckStatus,TotalBlockStatus,DeliveryBlockReason,"
    "HeaderBillingBlockReason"
)
# OData `$filter`s grow with every id; keep each lookup well inside URL limits.
LOOKUP_CHUNK = 40
BILLING_ROWS_PER_ORDER = 20
MAX_DELETED_PER_PAGE = 5_000
PRICE_FIELDS = ",".join(
    ["Material"]
    + [
        f"to_SlsPrcgConditionRecord/{name}"
        for name in ("ConditionRateValue", "ConditionRateValueUnit", "ConditionCurrency",
                     "ConditionQuantity", "ConditionIsDeleted")
    ]
)  # fmt: skip


def _chunks(values: Sequence[str], size: int = LOOKUP_CHUNK) -> list[list[str]]:
    return [list(values[i : i + size]) for i in range(0, len(values), size)]


def _time_literal(moment: datetime) -> str:
    return f"time'PT{moment.hour:02d}H{moment.minute:02d}M{moment.second:02d}S'"


def _datetimeoffset_literal(moment: datetime) -> str:
    stamp = as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return f"datetimeoffset'{stamp}Z'"


def _seconds_of(value: Any) -> int:
    """An Edm.Time value (`PT10H05M00S`) in seconds of the day."""
    if not isinstance(value, str) or not value.startswith("PT"):
        return 0
    total, number = 0, ""
    for char in value[2:]:
        if char.isdigit():
            number += char
            continue
        factor = {"H": 3600, "M": 60, "S": 1}.get(char, 0)
        total, number = total + int(number or 0) * factor, ""
    return total


def partner_changed_at(partner: dict[str, Any]) -> datetime:
    """The partner's change stamp (creation when it never changed)."""
    day = parse_datetime(partner.get("LastChangeDate")) or parse_datetime(
        partner.get("CreationDate")
    )
    seconds = _seconds_of(partner.get("LastChangeTime") or partner.get("CreationTime"))
    base = day or datetime(1970, 1, 1, tzinfo=UTC)
    return datetime.combine(base.date(), time(0), tzinfo=UTC) + timedelta(seconds=seconds)


def as_utc(moment: datetime) -> datetime:
    """A moment in UTC (one without an offset is taken as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def changed_since_filter(since: datetime) -> str:
    since = as_utc(since)
    day = date_literal(since.date())
    return (
        f"(LastChangeDate gt {day} or "
        f"(LastChangeDate eq {day} and LastChangeTime ge {_time_literal(since)}))"
    )


class S4Sync:
    """Delta reads, customer profiles and the catalog in pages, for sync flows."""

    def __init__(
        self, odata: ODataClient, catalog: CatalogSettings, *, credit_segment: str, system_id: str
    ) -> None:
        self._odata = odata
        self._catalog = catalog
        self._segment = credit_segment
        self._system_id = system_id

    # customers ---------------------------------------------------------------------------------

    async def customer_changes(self, *, since: datetime, limit: int) -> CustomerChangePage:
        rows = await self._odata.read_all(
            PARTNER_SERVICE,
            PARTNERS,
            options={
                "$filter": f"Customer ne '' and {changed_since_filter(since)}",
                "$orderby": "LastChangeDate,LastChangeTime,BusinessPartner",
                "$expand": PROFILE_EXPAND,
            },
            what="changed customers",
            limit=limit + 1,
        )
        profiles = await self._profiles(rows[:limit])
        return CustomerChangePage(
            items=profiles, has_more=len(rows) > limit, system_id=self._system_id
        )

    async def get_profile(self, customer_id: str) -> CustomerProfileRead:
        return (await self._profiles([await self._partner_of(customer_id)]))[0]

    async def _partner_of(self, customer_id: str) -> dict[str, Any]:
        """The customer's business partner row with what a profile reads; CustomerNotFound."""
        rows = await self._odata.read_all(
            PARTNER_SERVICE,
            PARTNERS,
            options={
                "$filter": f"Customer eq {string_literal(customer_id)}",
                "$expand": PROFILE_EXPAND,
            },
            what="customer",
            limit=1,
        )
        if not rows:
            raise CustomerNotFound(f"No customer has the number {customer_id!r}.")
        return rows[0]

    async def update_profile(
        self, customer_id: str, changes: CustomerProfileUpdate
    ) -> CustomerProfileRead:
        partner = await self._partner_of(customer_id)
        number = str(partner["BusinessPartner"])
        if changes.name is not None:
            await self._odata.update(
                PARTNER_SERVICE,
                entity_path(PARTNERS, number),
                name_body(changes.name),
                etag=None,
                what="customer name",
            )
        addresses = sorted(
            expanded(partner, "to_BusinessPartnerAddress"), key=lambda row: str(row["AddressID"])
        )
        language = text(partner.get("CorrespondenceLanguage")) or "EN"
        if changes.address is not None:
            body = address_body(changes.address, language=language)
            if addresses:
                key = {"BusinessPartner": number, "AddressID": str(addresses[0]["AddressID"])}
                await self._odata.update(
                    PARTNER_SERVICE,
                    entity_path("A_BusinessPartnerAddress", key),
                    body,
                    etag=None,
                    what="customer address",
                )
            else:
                path = f"{entity_path(PARTNERS, number)}/to_BusinessPartnerAddress"
                created = await self._odata.create(
                    PARTNER_SERVICE, path, body, what="customer address"
                )
                addresses = [created.data]
        if changes.phone is not None:
            await self._set_phone(addresses, changes.phone)
        return await self.get_profile(customer_id)

    async def _set_phone(self, addresses: list[dict[str, Any]], phone: str) -> None:
        if not addresses:
            raise CustomerNotFound("The customer has no address to keep a phone number at.")
        address = addresses[0]
        numbers = sorted(
            expanded(address, "to_PhoneNumber"), key=lambda row: str(row.get("OrdinalNumber"))
        )
        current = next((row for row in numbers if row.get("IsDefaultPhoneNumber") is True), None)
        current = current or (numbers[0] if numbers else None)
        if current is None:
            await self._odata.create(
                PARTNER_SERVICE,
                "A_AddressPhoneNumber",
                {
                    "AddressID": str(address["AddressID"]),
                    "Person": "",
                    "PhoneNumber": phone,
                    "IsDefaultPhoneNumber": True,
                },
                what="customer phone number",
            )
            return
        key = {
            "AddressID": str(current["AddressID"]),
            "Person": str(current.get("Person") or ""),
            "OrdinalNumber": str(current["OrdinalNumber"]),
        }
        await self._odata.update(
            PARTNER_SERVICE,
            entity_path("A_AddressPhoneNumber", key),
            {"PhoneNumber": phone},
            etag=None,
            what="customer phone number",
        )

    async def _profiles(self, partners: list[dict[str, Any]]) -> list[CustomerProfileRead]:
        numbers = [str(row["BusinessPartner"]) for row in partners]
        limits = await self._credit_limits(numbers)
        profiles = []
        for partner in partners:
            customer = customer_from_partner(partner)
            data = expanded_one(partner, "to_Customer") or {}
            areas = customer.sales_areas
            order_block = bool(text(data.get("OrderIsBlockedForCustomer")))
            profiles.append(
                CustomerProfileRead(
                    id=customer.id,
                    external_id=customer.external_id,
                    name=customer.name,
                    phone=customer.phone,
                    address=customer.address,
                    blocked=customer.blocked or order_block or any(a.order_blocked for a in areas),
                    payment_terms=areas[0].payment_terms if areas else None,
                    credit_limit=limits.get(str(partner["BusinessPartner"])),
                    changed_at=partner_changed_at(partner),
                )
            )
        return profiles

    async def _credit_limits(self, partners: Sequence[str]) -> dict[str, Money]:
        answers = await asyncio.gather(
            *(
                self._odata.read_all(
                    CREDIT_SERVICE,
                    CREDIT_SET,
                    options={
                        "$filter": f"CreditSegment eq {string_literal(self._segment)}"
                        f" and {any_of('BusinessPartner', chunk)}",
                        "$select": "BusinessPartner,CreditLimitAmount,CreditSegmentCurrency",
                    },
                    what="credit limits",
                    limit=len(chunk),
                )
                for chunk in _chunks(partners)
            )
        )
        limits: dict[str, Money] = {}
        for row in (row for rows in answers for row in rows):
            amount = parse_decimal(row.get("CreditLimitAmount"))
            currency = text(row.get("CreditSegmentCurrency"))
            if amount is not None and currency:
                limits[str(row["BusinessPartner"])] = Money(amount=amount, currency=currency)
        return limits

    # sales orders ------------------------------------------------------------------------------

    async def sales_order_changes(self, *, since: datetime, limit: int) -> SalesOrderChangePage:
        rows = await self._odata.read_all(
            ORDER_SERVICE,
            ORDERS,
            options={
                "$filter": f"LastChangeDateTime ge {_datetimeoffset_literal(since)}",
                "$orderby": "LastChangeDateTime,SalesOrder",
                "$select": ORDER_FIELDS,
            },
            what="changed sales orders",
            limit=limit + 1,
        )
        page = rows[:limit]
        invoices = await self._invoices_of([str(row["SalesOrder"]) for row in page])
        items = [
            SalesOrderChange(
                id=str(row["SalesOrder"]),
                customer_id=str(row.get("SoldToParty") or ""),
                external_reference=text(row.get("PurchaseOrderByCustomer")),
                status=order_status(row),
                delivery_status=delivery_progress(row),
                billing_status=billing_progress(row),
                invoice_numbers=invoices.get(str(row["SalesOrder"]), []),
                changed_at=parse_datetime(row.get("LastChangeDateTime")) or since,
            )
            for row in page
        ]
        return SalesOrderChangePage(
            items=items, has_more=len(rows) > limit, system_id=self._system_id
        )

    async def _invoices_of(self, orders: Sequence[str]) -> dict[str, list[str]]:
        answers = await asyncio.gather(
            *(
                self._odata.read_all(
                    BILLING_SERVICE,
                    BILLING_ITEMS,
                    options={
                        "$filter": any_of("ReferenceSDDocument", chunk),
                        "$select": "BillingDocument,ReferenceSDDocument",
                    },
                    what="billing documents",
                    limit=len(chunk) * BILLING_ROWS_PER_ORDER,
                )
                for chunk in _chunks(orders)
            )
        )
        found: dict[str, list[str]] = defaultdict(list)
        for row in (row for rows in answers for row in rows):
            order, document = str(row["ReferenceSDDocument"]), str(row["BillingDocument"])
            if document not in found[order]:
                found[order].append(document)
        return {order: sorted(documents) for order, documents in found.items()}

    # catalog -----------------------------------------------------------------------------------

    async def catalog_page(self, *, after: str | None, limit: int) -> list[CatalogItem]:
        """Products after the sku `after`, by sku, with stock and list price.

        The skus come from the product descriptions in our language (every product has one,
        and that set is far lighter to read than the products themselves); products marked
        for deletion are then dropped with one more, selective read.
        """
        condition = f"Language eq {string_literal(self._catalog.language)}"
        if after:
            condition += f" and Product gt {string_literal(after)}"
        described = await self._odata.read_all(
            PRODUCT_SERVICE,
            "A_ProductDescription",
            options={
                "$filter": condition,
                "$orderby": "Product",
                "$select": "Product,ProductDescription",
            },
            what="product descriptions",
            limit=limit,
        )
        if not described:
            return []
        first, last = str(described[0]["Product"]), str(described[-1]["Product"])
        deleted, stock, prices = await asyncio.gather(
            self._deleted(first, last),
            self._stock(first, last, len(described)),
            self._prices(first, last, len(described)),
        )
        return [
            CatalogItem(
                sku=(sku := str(row["Product"])),
                name=text(row.get("ProductDescription")),
                unit_price=prices.get(sku),
                available_quantity=stock.get(sku, Decimal(0)),
            )
            for row in described
            if str(row["Product"]) not in deleted
        ]

    async def _deleted(self, first: str, last: str) -> set[str]:
        rows = await self._odata.read_all(
            PRODUCT_SERVICE,
            "A_Product",
            options={
                "$filter": f"IsMarkedForDeletion eq true and {self._range('Product', first, last)}",
                "$select": "Product",
            },
            what="deleted products",
            limit=MAX_DELETED_PER_PAGE,
        )
        return {str(row["Product"]) for row in rows}

    @staticmethod
    def _range(field: str, first: str, last: str) -> str:
        return f"{field} ge {string_literal(first)} and {field} le {string_literal(last)}"

    async def _stock(self, first: str, last: str, count: int) -> dict[str, Decimal]:
        rows = await self._odata.read_all(
            STOCK_SERVICE,
            STOCK_SET,
            options={
                "$filter": f"Plant eq {string_literal(self._catalog.plant)}"
                f" and InventoryStockType eq '{UNRESTRICTED_USE}'"
                " and InventorySpecialStockType eq ''"
                f" and {self._range('Material', first, last)}",
                "$select": "Material,MatlWrhsStkQtyInMatlBaseUnit",
            },
            what="stock",
            # Stock may sit in several storage locations per material.
            limit=count * 4,
        )
        totals: dict[str, Decimal] = defaultdict(Decimal)
        for row in rows:
            totals[str(row["Material"])] += parse_decimal(
                row.get("MatlWrhsStkQtyInMatlBaseUnit")
            ) or Decimal(0)
        return {sku: quantity.normalize() for sku, quantity in totals.items()}

    async def _prices(self, first: str, last: str, count: int) -> dict[str, Money]:
        customer_free = f"Customer eq '' and {self._range('Material', first, last)}"
        rows = await self._odata.read_all(
            PRICE_SERVICE,
            "A_SlsPrcgCndnRecdValidity",
            options={
                "$filter": self._catalog.list_price_filter(customer_free),
                "$expand": "to_SlsPrcgConditionRecord",
                "$select": PRICE_FIELDS,
            },
            what="list prices",
            limit=count * 2,
        )
        prices: dict[str, Money] = {}
        for row in rows:
            record = expanded_one(row, "to_SlsPrcgConditionRecord")
            price = unit_price_from(record) if record is not None else None
            if price is not None:
                prices.setdefault(str(row.get("Material", "")), price)
        return prices


def build_sync(odata: ODataClient, settings: ErpSystemSettings) -> S4Sync:
    """The sync adapter on the service's OData conversation, with its configured sales area."""
    return S4Sync(
        odata,
        CatalogSettings.from_settings(settings),
        credit_segment=settings.credit_segment,
        system_id=settings.effective_system_id(),
    )
