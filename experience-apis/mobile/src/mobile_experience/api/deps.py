"""Dependencies the routes declare: the signed-in rep, the account views and the order desk,
read from the container."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from mobile_experience.bootstrap import MobileExperience
from mobile_experience.domain.accounts import CustomerViews
from mobile_experience.domain.errors import RepIdentityMissing
from mobile_experience.domain.models import Rep
from mobile_experience.domain.orders import OrderDesk
from mobile_experience.settings import MobileSettings
from trivium.acting_rep import REP_CLAIM
from trivium.composition import container_of
from trivium.idempotency import caller_scope
from trivium.service_auth import ServiceCaller, service_caller_of


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def rep_of(caller: ServiceCaller, settings: MobileSettings) -> Rep:
    """The rep a verified token names; RepIdentityMissing unless the gateway vouched for one."""
    username = _text(caller.claims.get(REP_CLAIM))
    if caller.service not in settings.identity_issuers or username is None:
        raise RepIdentityMissing(
            "Calls must come through the gateway with a signed-in sales rep.",
            headers={"WWW-Authenticate": 'Bearer realm="trivium"'},
        )
    return Rep(
        username=username,
        consumer=_text(caller.claims.get("consumer")),
        consumer_id=_text(caller.claims.get("consumerId")),
        plan=_text(caller.claims.get("plan")),
    )


def get_settings(request: Request) -> MobileSettings:
    return container_of(request.app, MobileExperience).settings


# Each reads the request itself rather than depending on the caller and the container: FastAPI
# solves every node of a route's dependency tree on every request, shared ones included.
async def get_rep(request: Request) -> Rep:
    return rep_of(service_caller_of(request), get_settings(request))


async def get_views(request: Request) -> CustomerViews:
    return container_of(request.app, MobileExperience).views


async def get_desk(request: Request) -> OrderDesk:
    return container_of(request.app, MobileExperience).desk


def rep_key_owner(caller: ServiceCaller, request: Request) -> str:
    """Whose Idempotency-Key this is: the rep's (none for a call without a rep, refused anyway)."""
    return f"rep:{rep_of(caller, get_settings(request)).username.casefold()}"


rep_scope = caller_scope(rep_key_owner)


RepDep = Annotated[Rep, Depends(get_rep)]
ViewsDep = Annotated[CustomerViews, Depends(get_views)]
DeskDep = Annotated[OrderDesk, Depends(get_desk)]
