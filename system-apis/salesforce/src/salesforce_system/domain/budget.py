"""Keeping the org's API budget for the business flows when it runs low."""

from __future__ import annotations

from salesforce_system.adapters.ports import CrmPort
from salesforce_system.domain.errors import CrmBudgetReserved

RESERVED_RETRY_AFTER_SECONDS = 900


async def ensure_budget_for_optional_work(crm: CrmPort, *, floor: int) -> None:
    """Refuse optional work (bulk syncs) once the remaining budget is below `floor`."""
    remaining = await crm.known_remaining_budget()
    if remaining is not None and remaining < floor:
        raise CrmBudgetReserved(
            f"Only {remaining} CRM API calls remain today (floor {floor}); "
            "optional work waits so that orders and customers keep flowing.",
            headers={"Retry-After": str(RESERVED_RETRY_AFTER_SECONDS)},
        )
