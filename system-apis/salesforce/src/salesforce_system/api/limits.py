"""The CRM's remaining daily API budget."""

from __future__ import annotations

from fastapi import APIRouter

from salesforce_system.api.deps import CrmDep
from salesforce_system.domain.errors import CrmBudgetExhausted, CrmUnavailable
from salesforce_system.domain.models import ApiBudgetRead
from trivium.problems import problem_responses

router = APIRouter(tags=["limits"])


@router.get("/limits", responses=problem_responses(CrmUnavailable, CrmBudgetExhausted))
async def get_limits(crm: CrmDep) -> ApiBudgetRead:
    """The org's daily API allocation and what remains of it (costs one CRM call)."""
    return await crm.get_budget()
