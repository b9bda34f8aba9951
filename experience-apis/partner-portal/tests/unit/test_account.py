"""The partner's account with its credit section: ok, none, or unavailable."""

from __future__ import annotations

import pytest

from partner_portal_experience.adapters.fake import FakeErp
from partner_portal_experience.domain.account import get_partner_account
from partner_portal_experience.domain.portal import PartnerPortal

pytestmark = pytest.mark.asyncio


class TestGetPartnerAccount:
    async def test_credit_in_the_customers_currency(self, portal: PartnerPortal) -> None:
        account = await get_partner_account(portal, "P-1001")
        assert account.model_dump()["credit"] == {
            "status": "ok",
            "limit": {"amount": "1000", "currency": "EUR"},
            "exposure": {"amount": "250", "currency": "EUR"},
            "available": {"amount": "750", "currency": "EUR"},
            "blocked": False,
        }
        assert (account.account_number, account.customer_number) == ("P-1001", "1000001")

    async def test_no_credit_account_or_no_erp_customer_is_none(
        self, portal: PartnerPortal
    ) -> None:
        assert (await get_partner_account(portal, "P-1002")).credit.status == "none"
        assert (await get_partner_account(portal, "P-1009")).credit.status == "none"

    async def test_erp_down_is_unavailable(self, portal: PartnerPortal, erp: FakeErp) -> None:
        erp.down = True
        account = await get_partner_account(portal, "P-1001")
        assert (account.name, account.credit.status) == ("Nordwind", "unavailable")
