"""The partner's own account."""

from __future__ import annotations

from fastapi import APIRouter

from partner_portal_experience.api.deps import PartnerNumberDep, PortalDep
from partner_portal_experience.domain.account import get_partner_account
from partner_portal_experience.domain.errors import IDENTITY_PROBLEMS
from partner_portal_experience.domain.models import PartnerAccountRead
from trivium.problems import problem_responses

router = APIRouter(prefix="/partner/v1", tags=["account"])


@router.get("/account", responses=problem_responses(*IDENTITY_PROBLEMS))
async def get_account(number: PartnerNumberDep, portal: PortalDep) -> PartnerAccountRead:
    """Your account as the CRM holds it, with your credit in the ERP: limit, exposure (open
    orders and unpaid invoices) and what is available. When the ERP cannot be asked, the
    account is still returned with `credit.status` `unavailable`."""
    return await get_partner_account(portal, number)
