"""Dependencies the routes declare: the portal and settings (read from the container), the
calling partner, and paging cursors."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Request

from partner_portal_experience.bootstrap import PartnerPortalExperience
from partner_portal_experience.domain.partners import Partner, identify_partner, partner_number_from
from partner_portal_experience.domain.portal import PartnerPortal
from partner_portal_experience.settings import PartnerPortalSettings
from trivium.composition import container_of
from trivium.idempotency import caller_scope
from trivium.paging import decode_cursor, encode_cursor
from trivium.service_auth import ServiceCaller, service_caller_of

# Positions of the upstream listings this API pages through (their own opaque cursors).
_UPSTREAM_POSITION = re.compile(r"^[A-Za-z0-9_=-]{1,200}$")


# Each dependency reads the request itself rather than depending on the caller, the container
# and one another: FastAPI solves every node of a route's dependency tree on every request, those
# it has solved already included.
def _portal(request: Request) -> PartnerPortal:
    return container_of(request.app, PartnerPortalExperience).portal


async def get_portal(request: Request) -> PartnerPortal:
    return _portal(request)


async def get_settings(request: Request) -> PartnerPortalSettings:
    return container_of(request.app, PartnerPortalExperience).settings


PortalDep = Annotated[PartnerPortal, Depends(get_portal)]
SettingsDep = Annotated[PartnerPortalSettings, Depends(get_settings)]


def _partner_number(caller: ServiceCaller, portal: PartnerPortal) -> str:
    return partner_number_from(
        issuer=caller.service, claims=caller.claims, trusted_issuers=portal.policy.identity_issuers
    )


async def partner_number(request: Request) -> str:
    """The account number of the partner the gateway authenticated (401 without one)."""
    return _partner_number(service_caller_of(request), _portal(request))


PartnerNumberDep = Annotated[str, Depends(partner_number)]


async def current_partner(request: Request) -> Partner:
    """The calling partner with its CRM account id and ERP customer number."""
    caller, portal = service_caller_of(request), _portal(request)
    consumer = caller.claims.get("consumer")
    return await identify_partner(
        portal,
        _partner_number(caller, portal),
        consumer=consumer if isinstance(consumer, str) else None,
    )


PartnerDep = Annotated[Partner, Depends(current_partner)]


def partner_key_owner(caller: ServiceCaller, request: Request) -> str | None:
    """Whose Idempotency-Key this is: the partner's, as a caller trusted to name partners (the
    gateway) vouches for; none otherwise, and the call is refused."""
    issuers = container_of(request.app, PartnerPortalExperience).settings.identity_issuers
    number = caller.claims.get("partnerAccountNumber")
    if caller.service not in issuers or not isinstance(number, str):
        return None
    return f"partner:{number}"


partner_scope = caller_scope(partner_key_owner)


def upstream_cursor(cursor: str | None) -> str | None:
    """The upstream position a cursor of this API names (InvalidCursor when it names none)."""
    return decode_cursor(cursor, shape=_UPSTREAM_POSITION) if cursor else None


def public_cursor(position: str | None) -> str | None:
    """This API's cursor for an upstream position."""
    return encode_cursor(position) if position else None
