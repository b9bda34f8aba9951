"""What the experience APIs get from the gateway's routes in kong.yml: requests under
/partner/v1 and /mobile/v1 on their own paths, a signed identity in `Authorization` (a service
token whose claims the provider states name), the correlation id, and the client's own
`Idempotency-Key`; the partner page without an API key (that no identity reaches it is the
gateway's own test: a pact cannot say a header is absent)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import httpx
import pytest
from pact import Pact, match
from pact.interaction import HttpInteraction

pytestmark = pytest.mark.contract

GatewayAt = Callable[[object], AbstractContextManager[str]]

SIGNED_IDENTITY = r"^Bearer [A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$"
# Kong's correlation-id plugin writes a UUID, the local gateway 32 hex digits; a client's own
# id is kept as sent.
CORRELATION_ID = r"^[A-Za-z0-9._-]{1,128}$"
PARTNER = {
    "consumer": "partner-nordwind",
    "partnerAccountNumber": "P-1001",
    "plan": "gold",
}
REP = {"consumer": "rep-anna-becker", "salesforceUsername": "anna.becker@trivium.demo"}


def signed_identity() -> object:
    return match.regex("Bearer header.claims.signature", regex=SIGNED_IDENTITY)


def correlation_id() -> object:
    return match.regex("0b5e6a1c1f2d4e8a9c3b7d6f5e4a3b21", regex=CORRELATION_ID)


def forwarded(interaction: HttpInteraction, method: str, path: str) -> HttpInteraction:
    """The request as the gateway forwards it for a signed-in client: with the identity it
    signed and the correlation id."""
    return (
        interaction.with_request(method, path)
        .with_header("Authorization", signed_identity())
        .with_header("X-Correlation-ID", correlation_id())
    )


@contextmanager
def gateway_before(pact: Pact, gateway_at: GatewayAt) -> Iterator[str]:
    """The gateway's URL, its routes leading to a mock server that answers what `pact`
    declares."""
    with pact.serve(addr="127.0.0.1") as server, gateway_at(server.url) as gateway:
        yield gateway


class TestPartnerApi:
    def test_account_read_with_the_partners_identity(
        self, partner_portal_pact: Pact, partner_gateway_at: GatewayAt, partner_api_key: str
    ) -> None:
        interaction = partner_portal_pact.upon_receiving(
            "a partner's account read through the gateway"
        ).given("a partner is signed in at the gateway", **PARTNER)
        (
            forwarded(interaction, "GET", "/partner/v1/account")
            .will_respond_with(200)
            .with_header("Content-Type", "application/json")
            .with_body({"accountNumber": match.str("P-1001")})
        )
        with gateway_before(partner_portal_pact, partner_gateway_at) as gateway:
            response = httpx.get(
                f"{gateway}/partner/v1/account", headers={"apikey": partner_api_key}
            )

        assert response.status_code == 200

    def test_order_placed_with_the_clients_idempotency_key(
        self, partner_portal_pact: Pact, partner_gateway_at: GatewayAt, partner_api_key: str
    ) -> None:
        interaction = partner_portal_pact.upon_receiving(
            "a partner's order through the gateway"
        ).given("a partner is signed in at the gateway", **PARTNER)
        (
            forwarded(interaction, "POST", "/partner/v1/orders")
            .with_header("Idempotency-Key", match.str("po-4711"))
            .with_body(
                {
                    "purchaseOrderNumber": match.str("PO-4711"),
                    "lines": match.each_like(
                        {"sku": match.str("TG-1000"), "quantity": match.str("2")}
                    ),
                },
                content_type="application/json",
            )
            .will_respond_with(201)
            .with_header(
                "Location",
                match.regex("/partner/v1/orders/01KB2Y7ZJ1", regex=r"^/partner/v1/orders/\S+$"),
            )
        )
        with gateway_before(partner_portal_pact, partner_gateway_at) as gateway:
            response = httpx.post(
                f"{gateway}/partner/v1/orders",
                headers={"apikey": partner_api_key, "Idempotency-Key": "po-4711"},
                json={
                    "purchaseOrderNumber": "PO-4711",
                    "lines": [{"sku": "TG-1000", "quantity": "2"}],
                },
            )

        assert response.status_code == 201
        assert response.headers["location"].startswith("/partner/v1/orders/")


class TestPartnerPage:
    def test_page_served_without_a_key(
        self, partner_portal_pact: Pact, partner_gateway_at: GatewayAt
    ) -> None:
        (
            partner_portal_pact.upon_receiving("a request for the partner portal page")
            .with_request("GET", "/partner/")
            .with_header("X-Correlation-ID", correlation_id())
            .will_respond_with(200)
            .with_header("Content-Type", match.regex("text/html", regex=r"^text/html(;.*)?$"))
        )
        with gateway_before(partner_portal_pact, partner_gateway_at) as gateway:
            response = httpx.get(f"{gateway}/partner/")

        assert response.status_code == 200


class TestMobileApi:
    def test_account_list_with_the_reps_identity(
        self, mobile_pact: Pact, mobile_gateway_at: GatewayAt, rep_jwt: str
    ) -> None:
        interaction = mobile_pact.upon_receiving("a rep's account list through the gateway").given(
            "a sales rep is signed in at the gateway", **REP
        )
        (
            forwarded(interaction, "GET", "/mobile/v1/accounts")
            .will_respond_with(200)
            .with_header("Content-Type", "application/json")
            .with_body({"items": match.each_like({"id": match.str("001000000000001AAA")})})
        )
        with gateway_before(mobile_pact, mobile_gateway_at) as gateway:
            response = httpx.get(
                f"{gateway}/mobile/v1/accounts", headers={"Authorization": f"Bearer {rep_jwt}"}
            )

        assert response.status_code == 200
