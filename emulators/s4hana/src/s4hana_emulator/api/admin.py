"""Test and demo controls under /__admin (header `X-Admin-Token`): chaos, CSRF expiry, data reset
and seed, records added in business terms, the order lifecycle, and stock levels. Errors here
are problem+json."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from fastapi import Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from emulator_kit.admin import add_chaos_routes, add_data_routes, admin_router
from emulator_kit.record_set import add_records_route
from s4hana_emulator.domain.catalog_generator import generate_catalog
from s4hana_emulator.domain.record_set import load_records
from s4hana_emulator.services.stock.availability import set_stock
from trivium.problems import NotFound, problem_responses
from trivium.schemas import ApiModel, ApiRequest

if TYPE_CHECKING:
    from s4hana_emulator.emulator import Emulator


def emulator_of(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


router = admin_router()
add_chaos_routes(router)
add_data_routes(router, holder="system", state="sessions")
add_records_route(
    router, lambda request, records: load_records(emulator_of(request).engine, records)
)


class ExpiredSessions(ApiModel):
    expired_sessions: int


class LifecycleState(ApiModel):
    speed: float
    delivery_after_seconds: float | None
    billing_after_seconds: float | None


class LifecycleChange(ApiRequest):
    speed: float = Field(ge=0, le=100_000)


class AdvanceRequest(ApiRequest):
    sales_order: str | None = Field(default=None, max_length=10)


class Advanced(ApiModel):
    delivered: list[str]
    billed: list[str]


class StockChange(ApiRequest):
    quantity: Decimal = Field(ge=0)
    storage_location: str = Field(default="101A", max_length=4)
    unit: str = Field(default="PC", max_length=3)


class StockLevel(ApiModel):
    material: str
    plant: str
    storage_location: str
    quantity: str


@router.post("/csrf/expire")
async def expire_csrf(request: Request) -> ExpiredSessions:
    """End every security session: the next write with an old token gets 403 Required."""
    return ExpiredSessions(expired_sessions=emulator_of(request).sessions.expire_all())


def _lifecycle_state(emulator: Emulator, speed: float) -> LifecycleState:
    delays = emulator.lifecycle.delays
    return LifecycleState(
        speed=speed,
        delivery_after_seconds=delays.delivery.total_seconds() if delays else None,
        billing_after_seconds=delays.billing.total_seconds() if delays else None,
    )


@router.get("/lifecycle")
async def get_lifecycle(request: Request) -> LifecycleState:
    """The lifecycle speed and the resulting delays (null when stopped)."""
    emulator = emulator_of(request)
    return _lifecycle_state(emulator, emulator.lifecycle_speed)


@router.put("/lifecycle")
async def change_lifecycle(request: Request, change: LifecycleChange) -> LifecycleState:
    """Change the lifecycle speed (0 stops it)."""
    emulator = emulator_of(request)
    emulator.set_lifecycle_speed(change.speed)
    return _lifecycle_state(emulator, change.speed)


@router.post("/lifecycle/advance")
async def advance_lifecycle(request: Request, body: AdvanceRequest | None = None) -> Advanced:
    """Move every order (or one) one step on now: open → delivered, delivered → billed."""
    order = body.sales_order if body else None
    moved = await run_in_threadpool(emulator_of(request).lifecycle.advance, force=True, order=order)
    return Advanced(delivered=moved["delivered"], billed=moved["billed"])


@router.put("/stock/{material}/{plant}", responses=problem_responses(NotFound))
async def change_stock(
    request: Request, material: str, plant: str, change: StockChange
) -> StockLevel:
    """Set the unrestricted stock of a material in one storage location of a plant."""
    engine = emulator_of(request).engine
    if engine.store.get(engine.entity_set("A_Product"), {"Product": material}) is None:
        raise NotFound(f"Material {material} does not exist.")

    def apply() -> None:
        ctx = engine.context("ADMIN")
        with engine.store.transaction():
            set_stock(
                ctx, material=material, plant=plant, quantity=change.quantity,
                unit=change.unit, location=change.storage_location,
            )  # fmt: skip

    await run_in_threadpool(apply)
    return StockLevel(
        material=material,
        plant=plant,
        storage_location=change.storage_location,
        quantity=format(change.quantity, "f"),
    )


class CatalogGeneration(ApiRequest):
    count: int = Field(ge=1, le=200_000, description="How many materials to add.")
    prefix: str = Field(
        default="GEN-",
        min_length=1,
        max_length=20,
        pattern=r"^[A-Z0-9-]+$",
        description="Of the material numbers (`<prefix>000001`...); existing numbers are skipped.",
    )


class GeneratedCatalogRead(ApiModel):
    count: int
    first: str
    last: str


@router.post("/catalog/generate")
async def generate_materials(request: Request, body: CatalogGeneration) -> GeneratedCatalogRead:
    """Add generated materials with description, stock at plant 1010 and a PPR0 list price, for
    volume tests and benchmarks of catalog syncs."""
    engine = emulator_of(request).engine
    generated = await run_in_threadpool(
        generate_catalog, engine, count=body.count, prefix=body.prefix
    )
    return GeneratedCatalogRead(count=generated.count, first=generated.first, last=generated.last)
