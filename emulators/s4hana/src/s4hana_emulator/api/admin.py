"""Test and demo controls under /__admin (header `X-Admin-Token`): chaos, CSRF expiry, data reset
and seed, the order lifecycle, and stock levels. Errors here are problem+json."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from s4hana_emulator.domain.catalog_generator import generate_catalog
from s4hana_emulator.domain.security import bearer_token, same_secret
from s4hana_emulator.services.stock.availability import set_stock
from trivium.problems import Conflict, NotFound, Unauthorized, problem_responses
from trivium.schemas import ApiModel, ApiRequest

if TYPE_CHECKING:
    from s4hana_emulator.emulator import Emulator


def emulator_of(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


async def require_admin(
    request: Request,
    x_admin_token: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    """The admin token, in `X-Admin-Token` or as a bearer token."""
    expected = emulator_of(request).settings.admin_token.get_secret_value()
    given = x_admin_token or bearer_token(authorization)
    if not given or not same_secret(given, expected):
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
    methods: list[Literal["GET", "HEAD", "POST", "PUT", "PATCH", "MERGE", "DELETE"]] | None = Field(
        default=None, description="Inject the error rate only into these methods ([]: all)."
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


def _chaos_state(emulator: Emulator) -> ChaosState:
    return ChaosState(**emulator.chaos.settings.to_json())


@router.get("/chaos")
async def get_chaos(request: Request) -> ChaosState:
    """The fault injection in force."""
    return _chaos_state(emulator_of(request))


@router.put("/chaos")
async def change_chaos(request: Request, change: ChaosChange) -> ChaosState:
    """Add latency (fixed + random jitter), a rate of 503 answers, or a full outage."""
    emulator = emulator_of(request)
    changes = change.model_dump(exclude_none=True, by_alias=False)
    if "methods" in changes:
        changes["methods"] = tuple(changes["methods"])
    emulator.chaos.configure(**changes)
    return _chaos_state(emulator)


@router.delete("/chaos", status_code=204)
async def reset_chaos(request: Request) -> Response:
    """Switch all fault injection off."""
    emulator_of(request).chaos.reset()
    return Response(status_code=204)


@router.post("/csrf/expire")
async def expire_csrf(request: Request) -> ExpiredSessions:
    """End every security session: the next write with an old token gets 403 Required."""
    return ExpiredSessions(expired_sessions=emulator_of(request).sessions.expire_all())


@router.post("/reset", status_code=204)
async def reset(request: Request, seed: bool = True) -> Response:
    """Delete all data, sessions and chaos; load the demo data again unless `seed=false`."""
    emulator = emulator_of(request)
    emulator.chaos.reset()
    await run_in_threadpool(emulator.reset, seed=seed)
    return Response(status_code=204)


@router.post("/seed", status_code=204, responses=problem_responses(Conflict))
async def seed(request: Request) -> Response:
    """Load the demo data into an empty system (409 when it holds data)."""
    emulator = emulator_of(request)
    if not emulator.store.is_empty():
        raise Conflict("The system holds data; reset it first.")
    await run_in_threadpool(emulator.reset, seed=True)
    return Response(status_code=204)


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
