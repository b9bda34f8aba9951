"""The admin controls every emulator offers under /__admin: the token check, chaos, and reset and
seed of the demo data. Errors here are problem+json."""

from __future__ import annotations

import hmac
from typing import Annotated, Any, Literal, Protocol

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import Field, SecretStr
from starlette.concurrency import run_in_threadpool

from emulator_kit.chaos import Chaos
from trivium.problems import Conflict, Unauthorized, problem_responses
from trivium.schemas import ApiModel, ApiRequest


class AdminSettings(Protocol):
    @property
    def admin_token(self) -> SecretStr: ...


class EmulatorStore(Protocol):
    def is_empty(self) -> bool: ...


class AdministeredEmulator(Protocol):
    """What the shared admin routes need of an emulator (at `app.state.emulator`)."""

    @property
    def settings(self) -> AdminSettings: ...
    @property
    def chaos(self) -> Chaos: ...
    @property
    def store(self) -> EmulatorStore: ...
    def reset(self, *, seed: bool) -> Any: ...


def given_admin_token(x_admin_token: str | None, authorization: str | None) -> str | None:
    """The token a caller presents, in `X-Admin-Token` or as a bearer token."""
    if x_admin_token:
        return x_admin_token
    scheme, _, token = (authorization or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def is_admin_token(given: str | None, expected: SecretStr) -> bool:
    return bool(given) and hmac.compare_digest(
        str(given).encode(), expected.get_secret_value().encode()
    )


async def require_admin(
    request: Request,
    x_admin_token: Annotated[str | None, Header()] = None,
    authorization: Annotated[str | None, Header()] = None,
) -> None:
    """The admin token, in `X-Admin-Token` or as a bearer token."""
    given = given_admin_token(x_admin_token, authorization)
    if not is_admin_token(given, _emulator(request).settings.admin_token):
        raise Unauthorized("The admin token is missing or wrong.")


def admin_router() -> APIRouter:
    """The /__admin router, guarded by the admin token; an emulator adds its own controls."""
    return APIRouter(
        prefix="/__admin",
        tags=["admin"],
        dependencies=[Depends(require_admin)],
        responses=problem_responses(Unauthorized),
    )


def _emulator(request: Request) -> AdministeredEmulator:
    emulator: AdministeredEmulator = request.app.state.emulator
    return emulator


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


def _chaos(request: Request) -> ChaosState:
    return ChaosState(**_emulator(request).chaos.settings.to_json())


def add_chaos_routes(router: APIRouter) -> None:
    """GET, PUT and DELETE /chaos for an emulator that uses `Chaos`."""

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
        _emulator(request).chaos.configure(**changes)
        return _chaos(request)

    @router.delete("/chaos", status_code=204)
    async def reset_chaos(request: Request) -> Response:
        """Switch all fault injection off."""
        _emulator(request).chaos.reset()
        return Response(status_code=204)


def add_data_routes(router: APIRouter, *, holder: str, state: str) -> None:
    """POST /reset and /seed of the demo data; `holder` names what holds the data ("system",
    "account") and `state` what a reset forgets besides the data."""

    async def reset(request: Request, seed: bool = True) -> Response:
        emulator = _emulator(request)
        emulator.chaos.reset()
        await run_in_threadpool(emulator.reset, seed=seed)
        return Response(status_code=204)

    async def load_seed(request: Request) -> Response:
        emulator = _emulator(request)
        if not await run_in_threadpool(emulator.store.is_empty):
            raise Conflict(f"The {holder} holds data; reset it first.")
        await run_in_threadpool(emulator.reset, seed=True)
        return Response(status_code=204)

    router.add_api_route(
        "/reset",
        reset,
        name="reset",
        methods=["POST"],
        status_code=204,
        description=f"Delete all data, {state} and chaos; load the demo data again unless "
        "`seed=false`.",
    )
    router.add_api_route(
        "/seed",
        load_seed,
        name="seed",
        methods=["POST"],
        status_code=204,
        responses=problem_responses(Conflict),
        description=f"Load the demo data into an empty {holder} (409 when it holds data).",
    )
