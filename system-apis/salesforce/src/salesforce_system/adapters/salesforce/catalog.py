"""The standard price book's entries, cached in Redis so creating an order costs one API call.

Every OrderItem needs its PricebookEntry id and the Order its Pricebook2 id; looking them up per
order would double the API calls of the hottest write. The entries are read with one query (a page
per 2,000 products), shared by every replica for `catalog_ttl_seconds`, and re-read at most once per
order when a product is missing (it may have been added since).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from salesforce_system.adapters.salesforce.rest import SalesforceRest
from trivium.redis_client import AsyncRedis

CATALOG_KEY = "trivium:salesforce:pricebook"
ENTRIES_SOQL = (
    "SELECT Id, Pricebook2Id, Product2Id, Product2.ERP_Material__c, UnitPrice "
    "FROM PricebookEntry WHERE Pricebook2.IsStandard = true AND IsActive = true"
)


@dataclass(frozen=True)
class PriceEntry:
    entry_id: str
    pricebook_id: str
    product_id: str
    sku: str | None
    unit_price: float


class PricebookCatalog:
    """Looks up price book entries by ERP material (sku) or product id."""

    def __init__(self, *, rest: SalesforceRest, redis_client: AsyncRedis, ttl: int) -> None:
        self._rest = rest
        self._redis = redis_client
        self._ttl = ttl

    async def entries(self, keys: set[str]) -> dict[str, PriceEntry]:
        """Entries for `sku:<material>` / `product:<id>` keys; missing keys are left out."""
        found = await self._cached(keys)
        if len(found) < len(keys):
            await self.refresh()
            found = await self._cached(keys)
        return found

    async def refresh(self) -> None:
        """Re-read every active standard price book entry into the shared cache."""
        records = await self._rest.query_all_pages(ENTRIES_SOQL)
        # redis-py types hash field names as its own union of key types
        mapping: dict[Any, str] = {}
        for record in records:
            entry = _entry(record)
            payload = json.dumps(entry.__dict__)
            mapping[f"product:{entry.product_id}"] = payload
            if entry.sku:
                mapping[f"sku:{entry.sku}"] = payload
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(CATALOG_KEY)
            if mapping:
                pipe.hset(CATALOG_KEY, mapping=mapping)
                pipe.expire(CATALOG_KEY, self._ttl)
            await pipe.execute()

    async def _cached(self, keys: set[str]) -> dict[str, PriceEntry]:
        ordered = sorted(keys)
        values = await self._redis.hmget(CATALOG_KEY, ordered)
        return {
            key: PriceEntry(**json.loads(value))
            for key, value in zip(ordered, values, strict=True)
            if value is not None
        }


def _entry(record: dict[str, Any]) -> PriceEntry:
    product = record.get("Product2") or {}
    return PriceEntry(
        entry_id=record["Id"],
        pricebook_id=record["Pricebook2Id"],
        product_id=record["Product2Id"],
        sku=product.get("ERP_Material__c"),
        unit_price=float(record["UnitPrice"]),
    )
