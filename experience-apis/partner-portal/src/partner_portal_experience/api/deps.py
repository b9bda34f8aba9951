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
from trivium.composition import container_of, from_container
from trivium.idempotency import caller_scope
from trivium.paging import decode_cursor, encode_cursor
from trivium.service_auth import ServiceCaller, ServiceCallerDep

# Positions of the upstream listings this API pages through (their own opaque cursors).
_UPSTREAM_POSITION = re.compile(r"^[A-Za-z0-9_=-]{1,200}$")


ContainerDep = Annotated[PartnerPortalExperience, Depends(from_container(PartnerPortalExperience))]


async def get_portal(container: ContainerDep) -> PartnerPortal:
    return container.portal


async def get_settings(container: ContainerDep) -> PartnerPortalSettings:
    return container.settings


PortalDep = Annotated[PartnerPortal, Depends(get_portal)]
SettingsDep = Annotated[PartnerPortalSettings, Depends(get_settings)]


async def partner_number(caller: ServiceCallerDep, portal: PortalDep) -> str:
    """The account number of the partner the gateway authenticated (401 without one)."""
    return partner_number_from(
        issuer=caller.service, claims=caller.claims, trusted_issuers=portal.policy.identity_issuers
    )


PartnerNumberDep = Annotated[str, Depends(partner_number)]


async def current_partner(
    number: PartnerNumberDep, caller: ServiceCallerDep, portal: PortalDep
) -> Partner:
    """The calling partner with its CRM account id and ERP customer number."""
    consumer = caller.claims.get("consumer")
    return await identify_partner(
        portal, number, consumer=consumer if isinstance(consumer, str) else None
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
