"""Products (API_PRODUCT_SRV), list prices (condition records), stock (API_MATERIAL_STOCK_SRV)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from erp_system.adapters.s4hana.batch import BatchPart
from erp_system.adapters.s4hana.errors import problem_for
from erp_system.adapters.s4hana.mapping import product_from, unit_price_from
from erp_system.adapters.s4hana.odata import ODataClient
from erp_system.adapters.s4hana.wire import (
    any_of,
    date_literal,
    entity_path,
    expanded_one,
    results,
    string_literal,
    with_query,
)
from erp_system.adapters.values import parse_decimal, text
from erp_system.domain.errors import ErpError, ProductNotFound
from erp_system.domain.models import AvailabilityRead, ProductRead
from erp_system.settings import ErpSystemSettings
from trivium.schemas import Money

log = logging.getLogger(__name__)

PRODUCT_SERVICE = "API_PRODUCT_SRV"
PRICE_SERVICE = "API_SLSPRICINGCONDITIONRECORD_SRV"
STOCK_SERVICE = "API_MATERIAL_STOCK_SRV"
STOCK_SET = "A_MatlStkInAcctMod"
UNRESTRICTED_USE = "01"
PRICE_CHUNK = 40
PRICE_ROWS_PER_SKU = 5


@dataclass(frozen=True)
class CatalogSettings:
    sales_organization: str
    distribution_channel: str
    price_condition_type: str
    plant: str
    language: str
    batch_max_operations: int

    @classmethod
    def from_settings(cls, settings: ErpSystemSettings) -> CatalogSettings:
        """The sales area, plant and batch size the service is configured with."""
        return cls(
            sales_organization=settings.sales_organization,
            distribution_channel=settings.distribution_channel,
            price_condition_type=settings.price_condition_type,
            plant=settings.plant,
            language=settings.sap_language,
            batch_max_operations=settings.batch_max_operations,
        )

    def list_price_filter(self, materials: str) -> str:
        """`$filter` for the sales area's price conditions valid today of the `materials`
        (an OData condition on `Material`)."""
        today = date_literal(date.today())
        return (
            f"ConditionType eq {string_literal(self.price_condition_type)}"
            f" and SalesOrganization eq {string_literal(self.sales_organization)}"
            f" and DistributionChannel eq {string_literal(self.distribution_channel)}"
            f" and {materials}"
            f" and ConditionValidityStartDate le {today}"
            f" and ConditionValidityEndDate ge {today}"
        )


class S4Catalog:
    """Products with list prices, and stock of many skus in one `$batch`."""

    def __init__(self, odata: ODataClient, settings: CatalogSettings) -> None:
        self._odata = odata
        self._settings = settings

    async def list_products(
        self, *, search: str | None, limit: int, offset: int
    ) -> list[ProductRead]:
        if search:
            skus = await self._skus_matching(search, limit=limit, offset=offset)
            if not skus:
                return []
            options: dict[str, str | int | None] = {"$filter": any_of("Product", skus)}
        else:
            options = {"$filter": "IsMarkedForDeletion eq false", "$skip": offset or None}
        options.update({"$orderby": "Product", "$expand": "to_Description"})
        rows = await self._odata.read_all(
            PRODUCT_SERVICE, "A_Product", options=options, what="products", limit=limit
        )
        prices = await self.prices([str(row["Product"]) for row in rows], customer_id=None)
        language = self._settings.language
        return [
            product_from(row, language=language, price=prices.get(str(row["Product"])))
            for row in rows
            if row.get("IsMarkedForDeletion") is not True
        ]

    async def _skus_matching(self, search: str, *, limit: int, offset: int) -> list[str]:
        """Skus whose description (in our language) or number contains the term."""
        variants = dict.fromkeys((search, search[:1].upper() + search[1:], search.upper()))
        terms = [f"substringof({string_literal(v)},ProductDescription) eq true" for v in variants]
        terms.append(f"substringof({string_literal(search.upper())},Product) eq true")
        rows = await self._odata.read_all(
            PRODUCT_SERVICE,
            "A_ProductDescription",
            options={
                "$filter": f"Language eq {string_literal(self._settings.language)}"
                f" and ({' or '.join(terms)})",
                "$orderby": "Product",
                "$skip": offset or None,
                "$select": "Product",
            },
            what="product descriptions",
            limit=limit,
        )
        return list(dict.fromkeys(str(row["Product"]) for row in rows))

    async def get_product(self, sku: str) -> ProductRead:
        entity, prices = await asyncio.gather(
            self._odata.read(
                PRODUCT_SERVICE,
                entity_path("A_Product", sku),
                options={"$expand": "to_Description"},
                what="product",
                not_found=ProductNotFound,
            ),
            self.prices([sku], customer_id=None),
        )
        return product_from(entity.data, language=self._settings.language, price=prices.get(sku))

    async def prices(self, skus: Sequence[str], *, customer_id: str | None) -> dict[str, Money]:
        """List prices valid today in the sales area; a customer-specific price wins."""
        unique = list(dict.fromkeys(skus))
        chunks = [unique[i : i + PRICE_CHUNK] for i in range(0, len(unique), PRICE_CHUNK)]
        found = await asyncio.gather(*(self._price_rows(chunk) for chunk in chunks))
        best: dict[str, tuple[int, Money]] = {}
        for row in (row for rows in found for row in rows):
            rank = _price_rank(row, customer_id)
            record = expanded_one(row, "to_SlsPrcgConditionRecord")
            price = unit_price_from(record) if record is not None and rank else None
            sku = str(row.get("Material", ""))
            if price is not None and (sku not in best or rank > best[sku][0]):
                best[sku] = (rank, price)
        return {sku: price for sku, (_, price) in best.items()}

    async def _price_rows(self, skus: list[str]) -> list[dict[str, Any]]:
        return await self._odata.read_all(
            PRICE_SERVICE,
            "A_SlsPrcgCndnRecdValidity",
            options={
                "$filter": self._settings.list_price_filter(any_of("Material", skus)),
                "$expand": "to_SlsPrcgConditionRecord",
            },
            what="prices",
            limit=len(skus) * PRICE_ROWS_PER_SKU,
        )

    async def availability(
        self, skus: Sequence[str], *, plant: str | None
    ) -> list[AvailabilityRead]:
        """Unrestricted stock per sku in the plant: one `$batch` GET per sku, one round trip."""
        plant = plant or self._settings.plant
        unique = list(dict.fromkeys(skus))
        size = self._settings.batch_max_operations
        chunks = [unique[i : i + size] for i in range(0, len(unique), size)]
        answers = await asyncio.gather(
            *(
                self._odata.batch_read(
                    STOCK_SERVICE, [_stock_path(sku, plant) for sku in chunk], what="stock"
                )
                for chunk in chunks
            )
        )
        parts = [part for answer in answers for part in answer]
        return [_availability(sku, plant, part) for sku, part in zip(unique, parts, strict=True)]


def _price_rank(row: dict[str, Any], customer_id: str | None) -> int:
    """2 for this customer's own price, 1 for a general price, 0 for another customer's."""
    customer = text(row.get("Customer"))
    if customer is None:
        return 1
    return 2 if customer == customer_id else 0


# Every order asks for the stock of its skus; quoting the query (urllib, character by character)
# cost more than the rest of building the batch. A bounded cache: skus are client data.
@functools.lru_cache(maxsize=4096)
def _stock_path(sku: str, plant: str) -> str:
    return with_query(
        STOCK_SET,
        {
            "$filter": f"Material eq {string_literal(sku)} and Plant eq {string_literal(plant)}"
            f" and InventoryStockType eq '{UNRESTRICTED_USE}'"
            " and InventorySpecialStockType eq ''",
            "$select": "Material,Plant,StorageLocation,MatlWrhsStkQtyInMatlBaseUnit,"
            "MaterialBaseUnit",
        },
    )


def _availability(sku: str, plant: str, part: BatchPart) -> AvailabilityRead:
    if part.status == 404:
        return AvailabilityRead(sku=sku, plant=plant, quantity=Decimal(0))
    if part.status >= 400:
        raise problem_for(part.status, part.body, what=f"stock of {sku}")
    try:
        rows = results(part.json())
    except ValueError as error:
        raise ErpError(f"The ERP's stock answer for {sku} is not JSON.") from error
    quantity = sum(
        (parse_decimal(row.get("MatlWrhsStkQtyInMatlBaseUnit")) or Decimal(0) for row in rows),
        Decimal(0),
    )
    units = [text(row.get("MaterialBaseUnit")) for row in rows]
    unit = next((unit for unit in units if unit), None)
    return AvailabilityRead(sku=sku, plant=plant, quantity=quantity.normalize(), unit=unit)
