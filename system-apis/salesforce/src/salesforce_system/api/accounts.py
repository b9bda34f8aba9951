"""Accounts, and the contacts, open opportunities and orders that belong to them."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from salesforce_system.api.deps import CrmDep
from salesforce_system.domain.errors import (
    CrmBudgetExhausted,
    CrmUnavailable,
    DuplicateRecord,
    RecordNotFound,
    RecordRejected,
)
from salesforce_system.domain.models import (
    AccountCreate,
    AccountOverviewRead,
    AccountRead,
    AccountSearch,
    AccountUpdate,
    ContactRead,
    OpportunityRead,
    OrderRead,
)
from salesforce_system.domain.paging import page_by_id
from trivium.idempotency import idempotent_route
from trivium.paging import InvalidCursor, PageQuery
from trivium.problems import problem_responses
from trivium.schemas import Page

router = APIRouter(
    prefix="/accounts", tags=["accounts"], route_class=idempotent_route(required=False)
)

AccountId = Annotated[str, Path(max_length=18, description="The account's id.")]
UPSTREAM = (CrmUnavailable, CrmBudgetExhausted)
ACCOUNT_LISTING_PROBLEMS = problem_responses(RecordNotFound, InvalidCursor, *UPSTREAM)


@router.get("", responses=problem_responses(InvalidCursor, *UPSTREAM))
async def search_accounts(
    crm: CrmDep,
    page: PageQuery,
    name: Annotated[str | None, Query(max_length=255)] = None,
    account_number: Annotated[str | None, Query(alias="accountNumber", max_length=40)] = None,
    erp_customer_number: Annotated[
        str | None, Query(alias="erpCustomerNumber", max_length=40)
    ] = None,
    postal_code: Annotated[str | None, Query(alias="postalCode", max_length=20)] = None,
    website_domain: Annotated[str | None, Query(alias="websiteDomain", max_length=255)] = None,
    owner_id: Annotated[str | None, Query(alias="ownerId", max_length=18)] = None,
    owner_username: Annotated[str | None, Query(alias="ownerUsername", max_length=80)] = None,
) -> Page[AccountRead]:
    """Accounts matching every given criterion (name matches anywhere), ordered by id."""
    criteria = AccountSearch(
        name=name,
        account_number=account_number,
        erp_customer_number=erp_customer_number,
        postal_code=postal_code,
        website_domain=website_domain,
        owner_id=owner_id,
        owner_username=owner_username,
    )
    return await page_by_id(partial(crm.search_accounts, criteria), page)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(DuplicateRecord, RecordRejected, *UPSTREAM),
)
async def create_account(account: AccountCreate, crm: CrmDep, response: Response) -> AccountRead:
    """Create an account. Send `Idempotency-Key` to make retries safe."""
    created = await crm.create_account(account)
    response.headers["Location"] = f"/accounts/{created.id}"
    return created


@router.put(
    "/by-erp-customer-number/{erp_customer_number}",
    responses=problem_responses(DuplicateRecord, RecordRejected, *UPSTREAM),
)
async def upsert_account_by_erp_customer_number(
    erp_customer_number: Annotated[str, Path(max_length=40)],
    account: AccountCreate,
    crm: CrmDep,
    response: Response,
) -> AccountRead:
    """Create or update the account linked to this ERP customer number (201 when created)."""
    upserted, created = await crm.upsert_account_by_erp_number(erp_customer_number, account)
    if created:
        response.status_code = status.HTTP_201_CREATED
    return upserted


@router.get("/{account_id}", responses=problem_responses(RecordNotFound, *UPSTREAM))
async def get_account(account_id: AccountId, crm: CrmDep) -> AccountRead:
    """One account."""
    return await crm.get_account(account_id)


@router.patch(
    "/{account_id}",
    responses=problem_responses(RecordNotFound, DuplicateRecord, RecordRejected, *UPSTREAM),
)
async def update_account(account_id: AccountId, changes: AccountUpdate, crm: CrmDep) -> AccountRead:
    """Change the fields sent; a field sent as null is cleared."""
    return await crm.update_account(account_id, changes)


@router.delete(
    "/{account_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(RecordNotFound, RecordRejected, *UPSTREAM),
)
async def delete_account(account_id: AccountId, crm: CrmDep) -> None:
    """Delete the account (it goes to the recycle bin); an account that cannot be deleted,
    e.g. because orders refer to it, is a 422 naming the reason."""
    await crm.delete_account(account_id)


@router.get("/{account_id}/contacts", responses=ACCOUNT_LISTING_PROBLEMS)
async def list_contacts(account_id: AccountId, crm: CrmDep, page: PageQuery) -> Page[ContactRead]:
    """The account's contacts."""
    return await page_by_id(partial(crm.list_contacts, account_id), page)


@router.get("/{account_id}/opportunities", responses=ACCOUNT_LISTING_PROBLEMS)
async def list_open_opportunities(
    account_id: AccountId, crm: CrmDep, page: PageQuery
) -> Page[OpportunityRead]:
    """The account's open (not closed) opportunities."""
    return await page_by_id(partial(crm.list_open_opportunities, account_id), page)


@router.get("/{account_id}/orders", responses=ACCOUNT_LISTING_PROBLEMS)
async def list_orders(account_id: AccountId, crm: CrmDep, page: PageQuery) -> Page[OrderRead]:
    """The account's orders with their items."""
    return await page_by_id(partial(crm.list_orders, account_id), page)


@router.get("/{account_id}/overview", responses=problem_responses(RecordNotFound, *UPSTREAM))
async def get_account_overview(
    account_id: AccountId,
    crm: CrmDep,
    contact_limit: Annotated[int, Query(alias="contactLimit", ge=0, le=50)] = 5,
    opportunity_limit: Annotated[int, Query(alias="opportunityLimit", ge=0, le=50)] = 5,
) -> AccountOverviewRead:
    """The account with its owner's username, key contacts (by name) and open opportunities
    (the next to close first), read in one CRM call: the building block of a customer 360."""
    return await crm.get_account_overview(
        account_id, contact_limit=contact_limit, opportunity_limit=opportunity_limit
    )
