"""Quotes with their lines, products and account, read in one CRM call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from salesforce_system.api.deps import CrmDep
from salesforce_system.domain.errors import (
    CrmBudgetExhausted,
    CrmUnavailable,
    RecordNotFound,
    RecordRejected,
)
from salesforce_system.domain.models import QuoteRead, QuoteUpdate
from trivium.problems import problem_responses

router = APIRouter(prefix="/quotes", tags=["quotes"])

QuoteId = Annotated[str, Path(max_length=18, description="The quote's id.")]


@router.get(
    "/{quote_id}", responses=problem_responses(RecordNotFound, CrmUnavailable, CrmBudgetExhausted)
)
async def get_quote(quote_id: QuoteId, crm: CrmDep) -> QuoteRead:
    """The quote with its lines (product, ERP material, quantity, price) and its account."""
    return await crm.get_quote(quote_id)


@router.patch(
    "/{quote_id}",
    responses=problem_responses(RecordNotFound, RecordRejected, CrmUnavailable, CrmBudgetExhausted),
)
async def update_quote(quote_id: QuoteId, changes: QuoteUpdate, crm: CrmDep) -> QuoteRead:
    """Change the quote's status (e.g. to record that it was ordered)."""
    return await crm.update_quote(quote_id, changes)
