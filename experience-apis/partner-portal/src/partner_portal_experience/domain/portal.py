"""The ports and policy every use case of the portal works with, composed once per process."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from partner_portal_experience.adapters.ports import Cache, CrmPort, ErpPort, OrdersPort

ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class PortalPolicy:
    """Cache lifetimes and presentation thresholds (no business rules live here)."""

    identity_issuers: frozenset[str] = frozenset({"gateway"})
    identity_ttl_seconds: float = 300.0
    # How long a process reuses a partner's identity it has just read, before asking the shared
    # cache again: every request needs it, and it changes as rarely as a CRM account's ERP link.
    identity_recent_seconds: float = 10.0
    catalog_ttl_seconds: float = 30.0
    progress_ttl_seconds: float = 10.0
    low_stock_below: Decimal = Decimal(10)
    erp_reads_at_once: int = 8


class RecentValues:
    """Values this process has just read, each kept for `seconds` (at most `limit` at once)."""

    def __init__(
        self, seconds: float, *, clock: Callable[[], float] = time.monotonic, limit: int = 10_000
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self._limit = limit
        self._values: dict[str, tuple[Any, float]] = {}

    def get(self, key: str) -> Any | None:
        kept = self._values.get(key)
        if kept is None or self._clock() >= kept[1]:
            return None
        return kept[0]

    def put(self, key: str, value: Any) -> None:
        if self.seconds <= 0:
            return
        if len(self._values) >= self._limit:
            self._values.clear()
        self._values[key] = (value, self._clock() + self.seconds)


@dataclass(frozen=True)
class PartnerPortal:
    crm: CrmPort
    erp: ErpPort
    orders: OrdersPort
    cache: Cache
    policy: PortalPolicy
    # Partner identities by account number, read a moment ago (see PortalPolicy).
    identities: RecentValues = field(init=False)

    def __post_init__(self) -> None:
        policy = self.policy
        recent = min(policy.identity_recent_seconds, policy.identity_ttl_seconds)
        object.__setattr__(self, "identities", RecentValues(recent))

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
