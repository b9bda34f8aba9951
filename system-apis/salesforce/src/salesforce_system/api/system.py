"""Which CRM system this API serves."""

from __future__ import annotations

from fastapi import APIRouter

from salesforce_system.api.deps import CrmDep
from salesforce_system.domain.errors import CrmAuthenticationFailed, CrmTimeout, CrmUnavailable
from salesforce_system.domain.models import SystemRead
from trivium.problems import problem_responses

router = APIRouter(tags=["system"])


@router.get(
    "/system", responses=problem_responses(CrmUnavailable, CrmTimeout, CrmAuthenticationFailed)
)
async def get_system(crm: CrmDep) -> SystemRead:
    """The CRM system (its org) this API is signed in to, confirmed with the CRM (its identity
    service, not a REST API call). Record ids are unique within one system: a client that keeps
    ids, or facts about them, keys them by `systemId`, since a replaced CRM (a sandbox refresh)
    hands out the same ids again. `503` when the CRM cannot be signed in to."""
    return await crm.get_system()
