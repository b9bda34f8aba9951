"""Who is calling: the gateway's signed identity, and the partner's CRM account behind it."""

from __future__ import annotations

import pytest

from partner_portal_experience.adapters.fake import FakeCrm, FakeErp, FakeOrders, MemoryCache
from partner_portal_experience.domain.errors import PartnerIdentityMissing, PartnerNotRecognized
from partner_portal_experience.domain.partners import identify_partner, partner_number_from
from partner_portal_experience.domain.portal import PartnerPortal, PortalPolicy, RecentValues

GATEWAY = frozenset({"gateway"})


class TestPartnerNumberFrom:
    def test_the_claim_of_a_gateway_token(self) -> None:
        claims = {"partnerAccountNumber": "P-1001"}
        assert partner_number_from(issuer="gateway", claims=claims, trusted_issuers=GATEWAY) == (
            "P-1001"
        )

    @pytest.mark.parametrize(
        ("issuer", "claims"),
        [
            ("mobile-experience", {"partnerAccountNumber": "P-1001"}),
            ("gateway", {}),
            ("gateway", {"partnerAccountNumber": " "}),
            ("gateway", {"partnerAccountNumber": 1001}),
        ],
    )
    def test_no_partner_is_401(self, issuer: str, claims: dict[str, object]) -> None:
        with pytest.raises(PartnerIdentityMissing):
            partner_number_from(issuer=issuer, claims=claims, trusted_issuers=GATEWAY)


class TestIdentifyPartner:
    @pytest.mark.asyncio
    async def test_one_crm_read_then_the_cache(self, portal: PartnerPortal, crm: FakeCrm) -> None:
        first = await identify_partner(portal, "P-1001", consumer="partner-nordwind")
        again = await identify_partner(portal, "P-1001")
        assert (first.account_id, first.customer_number, first.consumer) == (
            "001A",
            "1000001",
            "partner-nordwind",
        )
        assert (again.account_id, again.consumer) == ("001A", None)
        assert crm.calls == 1

    @pytest.mark.asyncio
    async def test_an_account_number_the_crm_does_not_know_is_refused(
        self, portal: PartnerPortal
    ) -> None:
        with pytest.raises(PartnerNotRecognized):
            await identify_partner(portal, "P-4040")

    @pytest.mark.asyncio
    async def test_an_identity_read_a_moment_ago_is_not_asked_of_the_cache_again(
        self, portal: PartnerPortal, cache: MemoryCache, crm: FakeCrm
    ) -> None:
        await identify_partner(portal, "P-1001")
        cache.values.clear()
        again = await identify_partner(portal, "P-1001", consumer="partner-nordwind")
        assert (again.customer_number, again.consumer) == ("1000001", "partner-nordwind")
        assert crm.calls == 1

    @pytest.mark.asyncio
    async def test_without_a_recent_lifetime_every_request_asks_the_cache(
        self, crm: FakeCrm, erp: FakeErp, orders: FakeOrders, cache: MemoryCache
    ) -> None:
        policy = PortalPolicy(identity_recent_seconds=0)
        portal = PartnerPortal(crm=crm, erp=erp, orders=orders, cache=cache, policy=policy)
        await identify_partner(portal, "P-1001")
        cache.values.clear()
        await identify_partner(portal, "P-1001")
        assert crm.calls == 2


class TestRecentValues:
    def test_a_value_is_kept_for_its_lifetime_only(self) -> None:
        now = [0.0]
        recent = RecentValues(10, clock=lambda: now[0])
        recent.put("P-1001", "nordwind")
        now[0] = 9.9
        assert recent.get("P-1001") == "nordwind"
        now[0] = 10.0
        assert recent.get("P-1001") is None

    def test_past_the_limit_it_starts_afresh(self) -> None:
        recent = RecentValues(10, limit=2)
        recent.put("a", 1)
        recent.put("b", 2)
        recent.put("c", 3)
        assert (recent.get("a"), recent.get("c")) == (None, 3)
