"""Which sales rep a call acts for, and the callers that must name one."""

from __future__ import annotations

import pytest

from trivium.acting_rep import RepRequired, acting_rep
from trivium.service_auth import ServiceCaller


def caller(service: str, **claims: object) -> ServiceCaller:
    return ServiceCaller(service=service, audience="quote-to-order", expires_at=0.0, claims=claims)


def test_the_rep_named_by_the_mobile_api_is_the_one_the_call_acts_for() -> None:
    call = caller("mobile-experience", salesforceUsername=" anna.becker@trivium.demo ")
    assert acting_rep(call) == "anna.becker@trivium.demo"


@pytest.mark.parametrize("claims", [{}, {"salesforceUsername": "  "}, {"salesforceUsername": 7}])
def test_the_mobile_api_naming_no_rep_is_refused(claims: dict[str, object]) -> None:
    with pytest.raises(RepRequired):
        acting_rep(caller("mobile-experience", **claims))


def test_a_caller_acting_for_itself_names_no_rep() -> None:
    assert acting_rep(caller("partner-portal-experience", partnerAccountNumber="P-1001")) is None
    assert acting_rep(caller("operator", roles=["operator"])) is None
