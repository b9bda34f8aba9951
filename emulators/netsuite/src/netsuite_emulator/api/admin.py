"""Test and demo controls under /__admin (header `X-Admin-Token`): chaos, concurrency limit,
data reset and seed, records added in business terms, stock levels and invoice payments.
Errors here are problem+json."""

from __future__ import annotations

from decimal import Decimal

from fastapi import Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from emulator_kit.admin import add_chaos_routes, add_data_routes, admin_router
from emulator_kit.record_set import add_records_route
from netsuite_emulator.api.deps import emulator_of, record_context
from netsuite_emulator.domain.errors import NetSuiteError
from netsuite_emulator.domain.payments import pay_invoice
from netsuite_emulator.domain.record_set import load_records
from netsuite_emulator.domain.records import inventory_item
from trivium.problems import Conflict, NotFound, problem_responses
from trivium.schemas import ApiModel, ApiRequest

router = admin_router()
add_chaos_routes(router)
add_data_routes(router, holder="account", state="tokens, nonces")
add_records_route(router, lambda request, records: load_records(record_context(request), records))


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
