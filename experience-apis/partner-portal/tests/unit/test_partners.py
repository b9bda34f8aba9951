"""Who is calling: the gateway's signed identity, and the partner's CRM account behind it."""

from __future__ import annotations

import pytest

from partner_portal_experience.adapters.fake import FakeCrm
from partner_portal_experience.domain.errors import PartnerIdentityMissing, PartnerNotRecognized
from partner_portal_experience.domain.partners import identify_partner, partner_number_from
from partner_portal_experience.domain.portal import PartnerPortal

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
