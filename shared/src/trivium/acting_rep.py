"""The sales rep a call acts for: the `salesforceUsername` claim the gateway signs for a signed-in
rep and the mobile API passes down in its own service tokens.

A caller that acts only for a rep (the mobile API) must name one: a call of it without the claim
is refused, so that a missing claim can never widen what a call may see. Other callers (the
partner portal, operators) act for themselves and name no rep.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from trivium.problems import Forbidden
from trivium.service_auth import ServiceCaller, service_caller_of

REP_CLAIM = "salesforceUsername"
REP_CALLERS = frozenset({"mobile-experience"})


class RepRequired(Forbidden):
    slug = "rep-required"
    title = "The call must name the sales rep it acts for"


def acting_rep(caller: ServiceCaller) -> str | None:
    """The rep the verified caller acts for, None for a caller acting for itself; raises
    RepRequired when a caller that acts only for reps names none."""
    value = caller.claims.get(REP_CLAIM)
    rep = value.strip() if isinstance(value, str) and value.strip() else None
    if rep is None and caller.service in REP_CALLERS:
        raise RepRequired(
            f"{caller.service} acts for a sales rep: its service token must name one ({REP_CLAIM})."
        )
    return rep


async def get_acting_rep(request: Request) -> str | None:
    """The rep the route's verified caller acts for (a FastAPI dependency; see `acting_rep`).
    It reads the caller from the request rather than depending on `ServiceCallerDep`: FastAPI
    solves every node of a dependency tree on every request."""
    return acting_rep(service_caller_of(request))


ActingRepDep = Annotated[str | None, Depends(get_acting_rep)]
