"""Reads and writes for flows that keep the CRM in step with other systems: account changes,
account profiles with the fields the ERP keeps, and the ERP status of orders."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from salesforce_system.api.deps import AccountChangesDep, AccountSyncDep
from salesforce_system.domain.errors import (
    CrmBudgetExhausted,
    CrmUnavailable,
    RecordNotFound,
    RecordRejected,
)
from salesforce_system.domain.paging import fetch_page
from salesforce_system.domain.sync_models import (
    MAX_PROFILE_IDS,
    NOW,
    AccountChangePage,
    AccountProfileRead,
    AccountProfileUpdate,
    OrderErpStatusRead,
    OrderErpStatusUpdate,
    PositionUnavailable,
)
from trivium.paging import DEFAULT_PAGE_SIZE, CursorQuery, InvalidCursor, LimitQuery
from trivium.problems import FieldError, ValidationFailed, problem_responses
from trivium.schemas import Page

router = APIRouter(tags=["sync"])

UPSTREAM = (CrmUnavailable, CrmBudgetExhausted)
MAX_WAIT_SECONDS = 25.0
MAX_POSITION_LENGTH = 128
AccountId = Annotated[str, Path(max_length=18, description="The account's id.")]


@router.get(
    "/account-changes",
    responses=problem_responses(PositionUnavailable, ValidationFailed, CrmUnavailable),
)
async def read_account_changes(
    changes: AccountChangesDep,
    position: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_POSITION_LENGTH,
            description="`now`: only changes from now on; `earliest`: every change the CRM "
            "still holds (72 hours); else the `position` a previous read answered with (of the "
            "page, or of the last change you applied). Opaque: store it and send it back as it is.",
        ),
    ] = NOW,
    wait_seconds: Annotated[
        float,
        Query(alias="waitSeconds", ge=0, le=MAX_WAIT_SECONDS, description="Long-poll time."),
    ] = 20.0,
) -> AccountChangePage:
    """Account changes after `position`, oldest first, answered as soon as there are some (or
    empty after `waitSeconds`). Each is `created`, `updated` or `deleted` with its accounts, the
    changed fields with their new values, the commit time, its origin (`fromSuite`: written by
    this suite) and its own `position` (store it once the change is applied); or `resync` when
    the CRM lost track of changes: it carries no values, so re-read the accounts it names, or,
    when it names none, every account changed since its `commitTimestamp`. 422 for a position
    this API did not issue. 410 when the CRM can no longer read on from `position`: re-read
    what changed since your last commit time, then start again from `now` or `earliest`.
    `systemId` names the CRM system (org) the page was read from: when it is not the one your
    position came from, the CRM was replaced and the page's changes are not the ones after your
    position; handle it as a 410."""
    return await changes.read_changes(position, wait_seconds=wait_seconds)


@router.get(
    "/account-profiles",
    responses=problem_responses(InvalidCursor, ValidationFailed, RecordNotFound, *UPSTREAM),
)
async def list_account_profiles(
    sync: AccountSyncDep,
    modified_since: Annotated[datetime | None, Query(alias="modifiedSince")] = None,
    ids: Annotated[
        list[str] | None, Query(description="Account ids, comma-separated; at most 200.")
    ] = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> Page[AccountProfileRead]:
    """Account profiles modified at or after `modifiedSince`, or those with the given `ids`
    (at least one of the two), by id: what a sync flow re-reads after a `resync` change."""
    wanted = [part for item in ids or [] for part in item.split(",") if part] or None
    if modified_since is None and wanted is None:
        raise ValidationFailed(
            "Say which accounts: modifiedSince or ids.",
            errors=[FieldError(pointer="/modifiedSince", detail="give modifiedSince or ids")],
        )
    if wanted is not None and len(wanted) > MAX_PROFILE_IDS:
        raise ValidationFailed(
            "Too many ids.", errors=[FieldError(pointer="/ids", detail="at most 200")]
        )
    return await fetch_page(
        lambda size, after: sync.list_profiles(
            modified_since=modified_since, ids=wanted, limit=size, after=after
        ),
        limit=limit,
        cursor=cursor,
    )


@router.get(
    "/account-profiles/{account_id}", responses=problem_responses(RecordNotFound, *UPSTREAM)
)
async def get_account_profile(account_id: AccountId, sync: AccountSyncDep) -> AccountProfileRead:
    """One account's profile, with credit limit, payment terms and block kept from the ERP."""
    return await sync.get_profile(account_id)


@router.patch(
    "/account-profiles/{account_id}",
    responses=problem_responses(RecordNotFound, RecordRejected, *UPSTREAM),
)
async def update_account_profile(
    account_id: AccountId, changes: AccountProfileUpdate, sync: AccountSyncDep
) -> AccountProfileRead:
    """Write the fields sent (one CRM call); the answer is the profile after the change."""
    return await sync.update_profile(account_id, changes)


@router.patch(
    "/orders/by-erp-order-number/{erp_order_number}/erp-status",
    responses=problem_responses(RecordNotFound, RecordRejected, *UPSTREAM),
)
async def set_order_erp_status(
    erp_order_number: Annotated[str, Path(max_length=20)],
    update: OrderErpStatusUpdate,
    sync: AccountSyncDep,
) -> OrderErpStatusRead:
    """Show the ERP's status (and invoice number) on the order carrying this ERP order number;
    nothing is written when the order shows them already (`changed: false`)."""
    return await sync.set_order_erp_status(erp_order_number, update)
