"""The ports and policy every use case of the portal works with, composed once per process."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from partner_portal_experience.adapters.ports import Cache, CrmPort, ErpPort, OrdersPort

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class PortalPolicy:
    """Cache lifetimes and presentation thresholds (no business rules live here)."""

    identity_issuers: frozenset[str] = frozenset({"gateway"})
    identity_ttl_seconds: float = 300.0
    catalog_ttl_seconds: float = 30.0
    progress_ttl_seconds: float = 10.0
    low_stock_below: Decimal = Decimal(10)
    erp_reads_at_once: int = 8


@dataclass(frozen=True)
class PartnerPortal:
    crm: CrmPort
    erp: ErpPort
    orders: OrdersPort
    cache: Cache
    policy: PortalPolicy

    async def cached(self, keys: Sequence[str], model: type[ModelT]) -> list[ModelT | None]:
        """The cached values of `keys` as `model`; a value of another shape counts as missing."""
        found: list[ModelT | None] = []
        for raw in await self.cache.get_many(keys):
            try:
                found.append(model.model_validate_json(raw) if raw is not None else None)
            except ValidationError:
                found.append(None)
        return found

    async def remember(self, key: str, value: BaseModel, *, ttl_seconds: float) -> None:
        if ttl_seconds > 0:
            await self.cache.set(key, value.model_dump_json().encode(), ttl_seconds=ttl_seconds)
