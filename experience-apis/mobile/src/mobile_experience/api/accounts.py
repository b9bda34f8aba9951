"""The rep's accounts: a compact list and the customer 360."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Query, Response

from mobile_experience.api.deps import RepDep, ViewsDep
from mobile_experience.domain.errors import AccountNotFound, CrmUnavailable, RepIdentityMissing
from mobile_experience.domain.models import SECTIONS, AccountSummaryRead, Customer360Read
from mobile_experience.domain.shaping import entity_tag, parse_fields, render_view
from trivium.paging import DEFAULT_PAGE_SIZE, CursorQuery, InvalidCursor, LimitQuery
from trivium.problems import problem_responses
from trivium.schemas import Page

router = APIRouter(prefix="/mobile/v1/accounts", tags=["accounts"])

AccountId = Annotated[
    str, Path(max_length=18, pattern=r"^[A-Za-z0-9]+$", description="The account's id.")
]
_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the view still has the `ETag` sent in `If-None-Match`."}
}


def etag_matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 weak comparison of an `If-None-Match` list with the current tag."""
    if if_none_match.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag.removeprefix("W/") in candidates


@router.get("", responses=problem_responses(RepIdentityMissing, InvalidCursor, CrmUnavailable))
async def list_accounts(
    rep: RepDep,
    views: ViewsDep,
    search: Annotated[
        str | None, Query(max_length=80, description="Part of the account's name.")
    ] = None,
    limit: LimitQuery = DEFAULT_PAGE_SIZE,
    cursor: CursorQuery = None,
) -> Page[AccountSummaryRead]:
    """The accounts you own, a compact row each, ordered by id; follow `nextCursor` for more."""
    return await views.list_accounts(rep, search=search, limit=limit, cursor=cursor)


@router.get(
    "/{account_id}",
    response_model=Customer360Read,
    responses={
        **_NOT_MODIFIED,
        **problem_responses(RepIdentityMissing, AccountNotFound, CrmUnavailable),
    },
)
async def get_customer_360(
    account_id: AccountId,
    rep: RepDep,
    views: ViewsDep,
    fields: Annotated[
        str | None,
        Query(
            max_length=200,
            description=f"Sections to return, comma-separated ({', '.join(SECTIONS)}); "
            "all by default.",
        ),
    ] = None,
    if_none_match: Annotated[str | None, Header(max_length=1000)] = None,
) -> Response:
    """Customer 360 of one of your accounts in one call: the account, key contacts, open
    opportunities (CRM), recent orders, open invoices and credit (ERP). Each section has a
    `status`: `unavailable` when its system is down or slow, so the rest is still shown. Send the
    `ETag` back in `If-None-Match` to get `304` while nothing changed. An account that is not
    yours is a 404."""
    sections = parse_fields(fields)
    view = await views.view(rep, account_id)
    body = render_view(view, sections)
    headers = {"ETag": entity_tag(body), "Cache-Control": "private, no-cache"}
    if if_none_match and etag_matches(if_none_match, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(content=body, media_type="application/json", headers=headers)
