"""Emulator controls under `/__admin` (admin token required): chaos, limits, reset, seed, and
record operations the REST API lacks (undelete, merge)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from emulator_kit.admin import given_admin_token, is_admin_token
from salesforce_emulator.api.deps import EmulatorDep, get_emulator
from salesforce_emulator.domain.chaos import INJECTABLE_ERRORS
from salesforce_emulator.domain.deletion import undelete_records
from salesforce_emulator.domain.ids import normalize_id
from salesforce_emulator.domain.merge import MAX_DUPLICATES, merge_records
from salesforce_emulator.emulator import Emulator
from trivium.problems import (
    BadRequest,
    FieldError,
    Unauthorized,
    ValidationFailed,
    problem_responses,
)
from trivium.schemas import ApiModel, ApiRequest


async def require_admin(
    emulator: Annotated[Emulator, Depends(get_emulator)],
    x_admin_token: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    """The admin token, in `X-Admin-Token` or as a bearer token."""
    given = given_admin_token(x_admin_token, authorization)
    if not is_admin_token(given, emulator.settings.admin_token):
        raise Unauthorized("A valid admin token is required.")


router = APIRouter(
    prefix="/__admin",
    tags=["admin"],
    dependencies=[Depends(require_admin)],
    responses=problem_responses(Unauthorized, BadRequest),
)


class ChaosRead(ApiModel):
    latency_ms: float
    jitter_ms: float
    error_rate: float
    error_codes: list[str]
    outage: bool


class ChaosUpdate(ApiRequest):
    latency_ms: float | None = Field(default=None, ge=0, le=60_000)
    jitter_ms: float | None = Field(default=None, ge=0, le=60_000)
    error_rate: float | None = Field(default=None, ge=0, le=1)
    error_codes: list[str] | None = Field(
        default=None, description=f"Any of {', '.join(sorted(INJECTABLE_ERRORS))}."
    )
    outage: bool | None = None


def _chaos_read(emulator: Emulator) -> ChaosRead:
    settings = emulator.chaos.settings
    return ChaosRead(
        latency_ms=settings.latency_ms,
        jitter_ms=settings.jitter_ms,
        error_rate=settings.error_rate,
        error_codes=list(settings.error_codes),
        outage=settings.outage,
    )


@router.get("/chaos")
async def get_chaos(emulator: EmulatorDep) -> ChaosRead:
    """The faults currently injected."""
    return _chaos_read(emulator)


@router.put("/chaos")
async def set_chaos(emulator: EmulatorDep, update: ChaosUpdate) -> ChaosRead:
    """Inject latency (fixed + jitter), errors at a rate with chosen codes, or a full outage."""
    changes = update.model_dump(exclude_none=True, by_alias=False)
    try:
        emulator.chaos.configure(**changes)
    except ValueError as error:
        raise ValidationFailed(str(error)) from error
    return _chaos_read(emulator)


@router.delete("/chaos")
async def clear_chaos(emulator: EmulatorDep) -> ChaosRead:
    """Stop injecting faults."""
    emulator.chaos.reset()
    return _chaos_read(emulator)


class LimitsRead(ApiModel):
    max: int
    used: int
    remaining: int


class LimitsUpdate(ApiRequest):
    remaining: int | None = Field(default=None, ge=0, description="Daily API requests left.")
    max: int | None = Field(default=None, ge=0, description="A new daily allocation.")


def _limits_read(emulator: Emulator) -> LimitsRead:
    used, maximum = emulator.limits.usage()
    return LimitsRead(max=maximum, used=used, remaining=max(maximum - used, 0))


@router.get("/limits")
async def get_limits(emulator: EmulatorDep) -> LimitsRead:
    """Today's API request usage."""
    return _limits_read(emulator)


@router.put("/limits")
async def set_limits(emulator: EmulatorDep, update: LimitsUpdate) -> LimitsRead:
    """Change the allocation or what remains of it (0 makes every call a 403)."""
    if update.max is not None:
        emulator.limits.reset(daily_api_requests=update.max)
    if update.remaining is not None:
        emulator.limits.set_remaining(update.remaining)
    return _limits_read(emulator)


class ExpiredSessionsRead(ApiModel):
    expired_sessions: int


@router.post("/sessions/expire")
async def expire_sessions(emulator: EmulatorDep) -> ExpiredSessionsRead:
    """End every access token now, as their lifetime running out would: the next call with
    one is a 401 `INVALID_SESSION_ID` and the client must sign in again."""
    return ExpiredSessionsRead(expired_sessions=emulator.sessions.expire_all())


class ResetRequest(ApiRequest):
    seed: bool = Field(default=False, description="Load the demo data after emptying the org.")


class ResetRead(ApiModel):
    seeded: dict[str, int]


@router.post("/reset")
async def reset(emulator: EmulatorDep, request: ResetRequest | None = None) -> ResetRead:
    """Empty the org: records, change events, query locators, chaos and the API counter."""
    seed = bool(request and request.seed)
    seeded = await run_in_threadpool(emulator.reset, seed=seed)
    emulator.chaos.reset()
    emulator.limits.reset()
    return ResetRead(seeded=seeded)


@router.post("/seed")
async def seed(emulator: EmulatorDep) -> ResetRead:
    """Replace the org's data with the deterministic demo data set."""
    return ResetRead(seeded=await run_in_threadpool(emulator.reset, seed=True))


class UndeleteRequest(ApiRequest):
    ids: list[str] = Field(min_length=1, max_length=200)


class UndeleteResult(ApiModel):
    id: str
    success: bool
    errors: list[str]


@router.post("/undelete")
async def undelete(emulator: EmulatorDep, request: UndeleteRequest) -> list[UndeleteResult]:
    """Restore records from the recycle bin (publishes UNDELETE change events)."""

    def work() -> list[UndeleteResult]:
        with emulator.org.store.transaction() as conn:
            results = undelete_records(conn, emulator.org, request.ids, emulator.system_context())
        return [
            UndeleteResult(
                id=result.id or raw,
                success=result.success,
                errors=[f"{item.error_code}: {item.message}" for item in result.errors],
            )
            for raw, result in zip(request.ids, results, strict=True)
        ]

    return await run_in_threadpool(work)


class MergeRequest(ApiRequest):
    master_id: str = Field(max_length=18, description="The account or contact that stays.")
    duplicate_ids: list[str] = Field(
        min_length=1, max_length=MAX_DUPLICATES, description="The records merged into it."
    )
    fields: dict[str, Any] = Field(
        default_factory=dict, description="Field values the master takes (API names)."
    )


class MergeResultRead(ApiModel):
    id: str
    success: bool
    errors: list[str]
    merged_record_ids: list[str]
    updated_related_ids: list[str]


@router.post("/merge")
async def merge(emulator: EmulatorDep, request: MergeRequest) -> MergeResultRead:
    """Merge up to two duplicates into a master record, as SOAP `merge()` does: the duplicates go
    to the recycle bin with `MasterRecordId` set, their children move to the master, and change
    events say so (DELETE for each duplicate, UPDATE for the master and each moved child).
    Nothing changes when the merge fails (`success: false`)."""

    def work() -> MergeResultRead:
        with emulator.org.store.transaction() as conn:
            result = merge_records(
                conn, emulator.org, master_id=request.master_id,
                duplicate_ids=request.duplicate_ids, fields=request.fields,
                ctx=emulator.system_context(),
            )  # fmt: skip
        return MergeResultRead(
            id=result.id or request.master_id,
            success=result.success,
            errors=[f"{item.error_code}: {item.message}" for item in result.errors],
            merged_record_ids=result.merged_record_ids,
            updated_related_ids=result.updated_related_ids,
        )

    return await run_in_threadpool(work)


class ChangeEventGaps(ApiRequest):
    count: int = Field(ge=0, le=100_000, description="How many of the next change events.")
    object: str | None = Field(
        default=None, max_length=80, description="Only events of this object (e.g. `Account`)."
    )
    record_id: str | None = Field(
        default=None,
        max_length=18,
        description="Only events of this record (its next `count` changes), whatever other "
        "writers change meanwhile; gaps due for the whole org are kept.",
    )


class ChangeEventGapsRead(ApiModel):
    count: int


@router.put("/cdc/gaps")
async def force_change_event_gaps(
    emulator: EmulatorDep, body: ChangeEventGaps
) -> ChangeEventGapsRead:
    """Publish the next `count` change events as gap events (`GAP_UPDATE`, ...: header only,
    no field values), as Salesforce does when it cannot build an event; 0 stops it. Overflow
    events come by themselves when one transaction changes more records of an object than
    `SF_EMULATOR_CDC_OVERFLOW_THRESHOLD`."""
    record_id = None
    if body.record_id is not None:
        record_id = normalize_id(body.record_id)
        if record_id is None:
            raise ValidationFailed(
                "Not a record id.",
                errors=[FieldError(pointer="/recordId", detail="a 15 or 18 character id")],
            )
    events = emulator.org.events
    events.force_gaps(body.count, object_name=body.object, record_id=record_id)
    return ChangeEventGapsRead(count=events.gaps_due(record_id=record_id))


class LatestChangeEventRead(ApiModel):
    object: str
    replay_id: int = Field(description="0 when the org holds no event of the object.")


@router.get("/cdc/latest")
async def latest_change_event(
    emulator: EmulatorDep, object_name: Annotated[str, Query(alias="object", max_length=80)]
) -> LatestChangeEventRead:
    """The replay id of the newest change event of an object (e.g. `Account`): a subscriber
    whose position has reached it has seen every change made so far."""

    def work() -> int:
        with emulator.org.store.reading() as conn:
            return emulator.org.events.latest_replay_id_of(conn, object_name)

    return LatestChangeEventRead(object=object_name, replay_id=await run_in_threadpool(work))
