"""Credit accounts: opened for every new customer, read by the sales order credit check."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from s4hana_emulator.odata.rules import Draft, EntityRules, WriteContext
from s4hana_emulator.odata.store import Row
from s4hana_emulator.odata.values import date_to_ms
from s4hana_emulator.services.business_partner.changes import touch_partner
from s4hana_emulator.services.credit.model import EXPOSURE_SQL

CREDIT_SEGMENT = "1000"
CREDIT_CURRENCY = "EUR"
# The limit a new customer gets from the (emulated) scoring rule.
NEW_CUSTOMER_LIMIT = Decimal("25000.000")


@dataclass(frozen=True)
class Exposure:
    """A partner's credit position in one segment."""

    limit: Decimal
    exposure: Decimal
    blocked: bool
    currency: str

    @property
    def exceeded(self) -> bool:
        return self.blocked or self.exposure > self.limit


def open_credit_account(ctx: WriteContext, partner: str) -> None:
    """A credit account in the default segment, unless the partner has one."""
    key = {"BusinessPartner": partner, "CreditSegment": CREDIT_SEGMENT}
    if ctx.get("CreditManagementAccount", key) is not None:
        return
    ctx.insert(
        "CreditManagementAccount",
        {
            **key,
            "CreditLimitAmount": str(NEW_CUSTOMER_LIMIT),
            "CreditLimitCalculatedAmount": str(NEW_CUSTOMER_LIMIT),
            "CreditSegmentCurrency": CREDIT_CURRENCY,
            "CreditLimitLastChangeDate": date_to_ms(ctx.clock.now().date()),
        },
    )


def exposure_of(ctx: WriteContext, partner: str, segment: str = CREDIT_SEGMENT) -> Exposure | None:
    """The partner's limit and exposure (None when it has no credit account)."""
    rows = ctx.store.query(
        f"SELECT * FROM ({EXPOSURE_SQL}) v WHERE v.BusinessPartner = ? AND v.CreditSegment = ?",
        (partner, segment),
    )
    if not rows:
        return None
    row = rows[0]
    return Exposure(
        limit=Decimal(row["CustomerCreditLimitAmount"]),
        exposure=Decimal(row["CustomerCreditExposureAmount"]),
        blocked=bool(row["CreditAccountIsBlocked"]),
        currency=str(row["DisplayCurrency"]),
    )


class CreditAccountRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        values = draft.values
        values.setdefault("CreditSegmentCurrency", CREDIT_CURRENCY)
        values["CreditLimitLastChangeDate"] = date_to_ms(ctx.clock.now().date())

    def before_update(self, ctx: WriteContext, row: Row, changes: dict[str, Any]) -> None:
        if "CreditLimitAmount" in changes:
            changes["CreditLimitLastChangeDate"] = date_to_ms(ctx.clock.now().date())

    def after_update(self, ctx: WriteContext, row: Row) -> None:
        touch_partner(ctx, str(row["BusinessPartner"]))
