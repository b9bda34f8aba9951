"""Discovery: the versions list, a version's resources, and `/limits`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from salesforce_emulator.api.deps import CallDep, EmulatorDep
from salesforce_emulator.api.responses import SALESFORCE_JSON
from salesforce_emulator.domain.basics import OrgUser
from salesforce_emulator.domain.versions import list_resources, list_versions
from salesforce_emulator.emulator import Emulator

router = APIRouter(tags=["discovery"])
DATA = "/services/data/v{version}"


def instance_url(emulator: Emulator, request: Request) -> str:
    """The URL clients use for API calls: configured, or the one this request came to."""
    return (emulator.settings.instance_url or str(request.base_url)).rstrip("/")


def identity_url(emulator: Emulator, request: Request, user: OrgUser | None = None) -> str:
    """The identity URL of `user` (by default the connected app's own user)."""
    user_id = (user or emulator.user).id
    return f"{instance_url(emulator, request)}/id/{emulator.org.org_id}/{user_id}"


@router.get("/services/data")
async def versions(emulator: EmulatorDep) -> JSONResponse:
    """Every API version this org serves, oldest first (no sign-in needed)."""
    return JSONResponse(list_versions(emulator.settings.api_version), media_type=SALESFORCE_JSON)


@router.get(DATA)
async def resources(call: CallDep, request: Request) -> JSONResponse:
    """The resources of one API version."""
    body = list_resources(call.version, identity_url(call.emulator, request))
    return JSONResponse(body, media_type=SALESFORCE_JSON)


@router.get(DATA + "/limits")
async def limits(call: CallDep) -> JSONResponse:
    """The org's allocations and what remains of them today."""
    body: dict[str, Any] = call.emulator.limits.report()
    return JSONResponse(body, media_type=SALESFORCE_JSON)
