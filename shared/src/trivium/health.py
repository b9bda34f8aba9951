"""Liveness, readiness and metrics endpoints; readiness checks each dependency concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from trivium.metrics import render_metrics
from trivium.redis_client import AsyncRedis

ReadinessCheck = Callable[[], Awaitable[object]]
# Returns why the service works below par (it still serves), or None when it does not.
DegradationCheck = Callable[[], Awaitable[str | None]]
CHECK_TIMEOUT_SECONDS = 2.0


def add_readiness_check(app: FastAPI, name: str, check: ReadinessCheck) -> None:
    """Make `/readyz` depend on `check` (an async callable that raises when not ready)."""
    checks: dict[str, ReadinessCheck] = app.state.readiness_checks
    checks[name] = check


def add_degradation_check(app: FastAPI, name: str, check: DegradationCheck) -> None:
    """Make `/readyz` report `degraded` (still 200) with `check`'s reason while it gives one."""
    checks: dict[str, DegradationCheck] = app.state.degradation_checks
    checks[name] = check


def redis_check(client: AsyncRedis) -> ReadinessCheck:
    """Ready when Redis answers PING."""

    async def check() -> None:
        await client.ping()

    return check


def http_check(client: httpx.AsyncClient, path: str = "/healthz") -> ReadinessCheck:
    """Ready when a downstream service answers `path` with a 2xx."""

    async def check() -> None:
        response = await client.get(path)
        response.raise_for_status()

    return check


async def _run_check(check: ReadinessCheck) -> str:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # any failure means not ready; the reason is reported
        return f"down: {type(error).__name__}"
    return "up"


router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """Alive: the process answers."""
    return {"status": "ok"}


async def _run_degradation_check(check: DegradationCheck) -> str | None:
    try:
        return await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except Exception as error:  # a check that cannot tell is reported, it does not fail readiness
        return f"unknown: {type(error).__name__}"


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready: every dependency answers; 503 with the failing ones otherwise. A ready service
    that works below par (e.g. a sync falling behind) answers 200 with status `degraded` and
    the reasons under `degraded`."""
    checks: dict[str, ReadinessCheck] = request.app.state.readiness_checks
    names = list(checks)
    results = await asyncio.gather(*(_run_check(checks[name]) for name in names))
    report = dict(zip(names, results, strict=True))
    ready = all(result == "up" for result in results)
    if not ready:
        return JSONResponse({"status": "not-ready", "checks": report}, status_code=503)
    degradations: dict[str, DegradationCheck] = request.app.state.degradation_checks
    found = await asyncio.gather(*(_run_degradation_check(c) for c in degradations.values()))
    degraded = {name: why for name, why in zip(degradations, found, strict=True) if why}
    if degraded:
        return JSONResponse({"status": "degraded", "checks": report, "degraded": degraded})
    return JSONResponse({"status": "ready", "checks": report})


@router.get("/metrics")
async def metrics() -> Response:
    """Prometheus exposition of this process's metrics."""
    payload, content_type = render_metrics()
    return Response(payload, media_type=content_type)
