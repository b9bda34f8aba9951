"""Test and demo controls under /__admin (header `X-Admin-Token`): chaos, concurrency limit,
data reset and seed, stock levels and invoice payments. Errors here are problem+json."""

from __future__ import annotations

import hmac
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from netsuite_emulator.api.deps import emulator_of, record_context
from netsuite_emulator.domain.errors import NetSuiteError
from netsuite_emulator.domain.payments import pay_invoice
from netsuite_emulator.domain.records import inventory_item
from trivium.problems import Conflict, NotFound, Unauthorized, problem_responses
from trivium.schemas import ApiModel, ApiRequest


async def require_admin(
    request: Request,
    x_admin_token: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    """The admin token, in `X-Admin-Token` or as a bearer token."""
    expected = emulator_of(request).settings.admin_token.get_secret_value()
    scheme, _, token = (authorization or "").partition(" ")
    given = x_admin_token or (token.strip() if scheme.lower() == "bearer" else None)
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized("The admin token is missing or wrong.")


router = APIRouter(
    prefix="/__admin",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses=problem_responses(Unauthorized),
)


class ChaosState(ApiModel):
    latency_ms: float
    jitter_ms: float
    error_rate: float
    outage: bool
    methods: list[str] = []


class ChaosChange(ApiRequest):
    latency_ms: float | None = Field(default=None, ge=0, le=60_000)
    jitter_ms: float | None = Field(default=None, ge=0, le=60_000)
    error_rate: float | None = Field(default=None, ge=0, le=1)
    outage: bool | None = None
    methods: list[Literal["GET", "POST", "PUT", "PATCH", "DELETE"]] | None = Field(
        default=None, description="Inject the error rate only into these methods ([]: all)."
    )


class ConcurrencyState(ApiModel):
    limit: int
    in_flight: int
    refused: int


class ConcurrencyChange(ApiRequest):
    limit: int = Field(ge=1, le=1_000)


class StockChange(ApiRequest):
    quantity_on_hand: Decimal = Field(ge=0, le=Decimal(10) ** 9)


class Payment(ApiRequest):
    amount: Decimal | None = Field(default=None, gt=0, description="Unset: the whole remainder.")


class LifecycleState(ApiModel):
    speed: float
    fulfillment_after_seconds: float | None
    billing_after_seconds: float | None


class LifecycleChange(ApiRequest):
    speed: float = Field(ge=0, le=100_000)


class AdvanceRequest(ApiRequest):
    sales_order: int | None = Field(default=None, ge=1, description="Internal id of one order.")


class Advanced(ApiModel):
    fulfilled: list[str]
    billed: list[str]


class InvoiceState(ApiModel):
    id: str
    amount_remaining: str
    status: str
    last_modified_date: str


def _chaos(request: Request) -> ChaosState:
    return ChaosState(**emulator_of(request).chaos.settings.to_json())


@router.get("/chaos")
async def get_chaos(request: Request) -> ChaosState:
    """The fault injection in force."""
    return _chaos(request)


@router.put("/chaos")
async def change_chaos(request: Request, change: ChaosChange) -> ChaosState:
    """Add latency (fixed + random jitter), a rate of 503 answers, or a full outage."""
    changes = change.model_dump(exclude_none=True, by_alias=False)
    if "methods" in changes:
        changes["methods"] = tuple(changes["methods"])
    emulator_of(request).chaos.configure(**changes)
    return _chaos(request)


@router.delete("/chaos", status_code=204)
async def reset_chaos(request: Request) -> Response:
    """Switch all fault injection off."""
    emulator_of(request).chaos.reset()
    return Response(status_code=204)


def _concurrency(request: Request) -> ConcurrencyState:
    governor = emulator_of(request).governor
    return ConcurrencyState(
        limit=governor.limit, in_flight=governor.in_flight, refused=governor.refused
    )


@router.get("/concurrency")
async def get_concurrency(request: Request) -> ConcurrencyState:
    """The account's concurrency limit, the requests in flight, and how many were refused."""
    return _concurrency(request)


@router.put("/concurrency")
async def change_concurrency(request: Request, change: ConcurrencyChange) -> ConcurrencyState:
    """Change how many requests the account serves at once."""
    emulator_of(request).governor.limit = change.limit
    return _concurrency(request)


@router.post("/reset", status_code=204)
async def reset(request: Request, seed: bool = True) -> Response:
    """Delete all data, tokens, nonces and chaos; load the demo data again unless `seed=false`."""
    emulator = emulator_of(request)
    emulator.chaos.reset()
    await run_in_threadpool(emulator.reset, seed=seed)
    return Response(status_code=204)


@router.post("/seed", status_code=204, responses=problem_responses(Conflict))
async def seed(request: Request) -> Response:
    """Load the demo data into an empty account (409 when it holds data)."""
    emulator = emulator_of(request)
    if not await run_in_threadpool(emulator.store.is_empty):
        raise Conflict("The account holds data; reset it first.")
    await run_in_threadpool(emulator.reset, seed=True)
    return Response(status_code=204)


@router.put(
    "/stock/{item_id}/{location_id}", status_code=204, responses=problem_responses(NotFound)
)
async def change_stock(
    request: Request, item_id: int, location_id: int, change: StockChange
) -> Response:
    """Set what is on hand of an item at a location (as an inventory adjustment would)."""
    ctx = record_context(request)
    store = ctx.store

    def apply() -> None:
        with store.transaction():
            if store.row("SELECT id FROM item WHERE id = ?", (item_id,)) is None:
                raise NotFound(f"Item {item_id} does not exist.")
            if store.row("SELECT id FROM location WHERE id = ?", (location_id,)) is None:
                raise NotFound(f"Location {location_id} does not exist.")
            inventory_item.set_on_hand(
                ctx, item_id=item_id, location_id=location_id, on_hand=change.quantity_on_hand
            )

    await run_in_threadpool(apply)
    return Response(status_code=204)


@router.post("/invoices/{invoice_id}/payment", responses=problem_responses(NotFound, Conflict))
async def record_payment(request: Request, invoice_id: int, payment: Payment) -> InvoiceState:
    """Record a customer payment against an invoice (the customer's balance goes down)."""
    ctx = record_context(request)
    try:
        row = await run_in_threadpool(pay_invoice, ctx, invoice_id, payment.amount)
    except NetSuiteError as error:
        raise (NotFound if error.status == 404 else Conflict)(error.detail) from None
    return InvoiceState(
        id=str(row["id"]),
        amount_remaining=row["foreignamountremaining"],
        status=row["status"],
        last_modified_date=row["lastmodifieddate"],
    )


def _lifecycle(request: Request) -> LifecycleState:
    lifecycle = emulator_of(request).lifecycle
    delays = lifecycle.delays
    return LifecycleState(
        speed=lifecycle.speed,
        fulfillment_after_seconds=delays.fulfillment.total_seconds() if delays else None,
        billing_after_seconds=delays.billing.total_seconds() if delays else None,
    )


@router.get("/lifecycle")
async def get_lifecycle(request: Request) -> LifecycleState:
    """The speed of the demo warehouse and billing, and the resulting delays (null: stopped)."""
    return _lifecycle(request)


@router.put("/lifecycle")
async def change_lifecycle(request: Request, change: LifecycleChange) -> LifecycleState:
    """Change the lifecycle speed (0 stops it)."""
    emulator_of(request).set_lifecycle_speed(change.speed)
    return _lifecycle(request)


@router.post("/lifecycle/advance")
async def advance_lifecycle(request: Request, body: AdvanceRequest | None = None) -> Advanced:
    """Move every order (or one) one step on now: open → fulfilled, fulfilled → billed."""
    order = body.sales_order if body else None
    lifecycle = emulator_of(request).lifecycle
    moved = await run_in_threadpool(lifecycle.advance, force=True, order=order)
    return Advanced(fulfilled=moved["fulfilled"], billed=moved["billed"])
