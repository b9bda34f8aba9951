"""Who is calling: the partner named by the gateway's signed identity, and its CRM account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from partner_portal_experience.adapters.ports import CrmAccount
from partner_portal_experience.domain.errors import PartnerIdentityMissing, PartnerNotRecognized
from partner_portal_experience.domain.portal import PartnerPortal
from trivium.schemas import ApiModel

ACCOUNT_NUMBER_CLAIM = "partnerAccountNumber"


class Partner(ApiModel):
    """A partner as every call is scoped to: its CRM account and ERP customer."""

    account_number: str
    account_id: str
    name: str
    customer_number: str | None = None
    consumer: str | None = None

    def identity_claims(self) -> dict[str, str]:
        """The identity passed on to the process tier (its Idempotency-Key scope)."""
        return {
            "consumer": self.consumer or self.account_number,
            ACCOUNT_NUMBER_CLAIM: self.account_number,
        }


def partner_number_from(
    *, issuer: str, claims: Mapping[str, Any], trusted_issuers: frozenset[str]
) -> str:
    """The partner's account number from a verified token, or PartnerIdentityMissing."""
    number = claims.get(ACCOUNT_NUMBER_CLAIM)
    if issuer not in trusted_issuers or not isinstance(number, str) or not number.strip():
        raise PartnerIdentityMissing(
            "Call the partner API through the gateway with your API key (header `apikey`).",
            headers={"WWW-Authenticate": 'Bearer realm="trivium"'},
        )
    return number.strip()


def _identity_key(account_number: str) -> str:
    return f"partner:{account_number}"


async def identify_partner(
    portal: PartnerPortal, account_number: str, *, consumer: str | None = None
) -> Partner:
    """The partner with this account number, from the cache or one CRM read."""
    recent: Partner | None = portal.identities.get(account_number)
    if recent is None:
        [recent] = await portal.cached([_identity_key(account_number)], Partner)
        if recent is not None:
            portal.identities.put(account_number, recent)
    if recent is not None:
        return recent.model_copy(update={"consumer": consumer})
    account = await read_partner_account(portal, account_number)
    return partner_of(account, account_number).model_copy(update={"consumer": consumer})


async def read_partner_account(portal: PartnerPortal, account_number: str) -> CrmAccount:
    """The partner's CRM account, read now (and remembered as its identity)."""
    account = await portal.crm.find_account(account_number)
    if account is None:
        raise PartnerNotRecognized(
            "No CRM account carries the account number your API key belongs to; "
            "contact your account manager."
        )
    partner = partner_of(account, account_number)
    await portal.remember(
        _identity_key(account_number), partner, ttl_seconds=portal.policy.identity_ttl_seconds
    )
    portal.identities.put(account_number, partner)
    return account


def partner_of(account: CrmAccount, account_number: str) -> Partner:
    return Partner(
        account_number=account_number,
        account_id=account.id,
        name=account.name,
        customer_number=account.erp_customer_number,
    )
