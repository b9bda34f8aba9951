"""The partner's account: its CRM record with its ERP credit position."""

from __future__ import annotations

from decimal import Decimal

from partner_portal_experience.adapters.ports import CrmAccount, ErpCredit
from partner_portal_experience.domain.errors import UpstreamFailed, UpstreamUnavailable
from partner_portal_experience.domain.models import Address, CreditRead, PartnerAccountRead
from partner_portal_experience.domain.partners import read_partner_account
from partner_portal_experience.domain.portal import PartnerPortal
from trivium.schemas import Money


async def get_partner_account(portal: PartnerPortal, account_number: str) -> PartnerAccountRead:
    """The account read now from the CRM, and its credit from the ERP (degraded when down)."""
    account = await read_partner_account(portal, account_number)
    credit = await credit_of(portal, account.erp_customer_number)
    return shape_account(account, account_number=account_number, credit=credit)


async def credit_of(portal: PartnerPortal, customer_number: str | None) -> CreditRead:
    """The credit section: `none` without an ERP customer, `unavailable` when the ERP is down."""
    if customer_number is None:
        return CreditRead(status="none")
    try:
        credit = await portal.erp.get_credit(customer_number)
    except (UpstreamUnavailable, UpstreamFailed):
        return CreditRead(status="unavailable")
    return shape_credit(credit)


def shape_credit(credit: ErpCredit | None) -> CreditRead:
    if credit is None:
        return CreditRead(status="none")

    def money(amount: Decimal) -> Money:
        return Money(amount=amount, currency=credit.currency)

    return CreditRead(
        status="ok",
        limit=money(credit.limit),
        exposure=money(credit.exposure),
        available=money(credit.available),
        blocked=credit.blocked,
    )


def shape_account(
    account: CrmAccount, *, account_number: str, credit: CreditRead
) -> PartnerAccountRead:
    address = account.billing_address
    return PartnerAccountRead(
        account_number=account_number,
        name=account.name,
        customer_number=account.erp_customer_number,
        phone=account.phone,
        website=account.website,
        billing_address=Address.model_validate(address.model_dump()) if address else None,
        credit=credit,
    )
