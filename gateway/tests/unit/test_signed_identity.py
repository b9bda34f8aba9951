"""signed-identity's pure functions, and its access phase against a recording PDK."""

from __future__ import annotations

from typing import Any

import pytest

from trivium.keys import load_trusted_keys
from trivium.service_auth import ServiceTokenVerifier, TrustedKeySet
from trivium_testing.keys import session_keys

CONSUMER = {
    "id": "c-1",
    "username": "partner-alpen",
    "custom_id": "P-1002",
    "tags": ["trivium", "partner", "plan-silver"],
}


class RecordingKong:
    """The part of kong-pdk's `kong` object the plugin uses, recording what it is asked."""

    def __init__(self, consumer: dict[str, Any] | None) -> None:
        self.upstream: dict[str, str | None] = {}
        kong = self

        class Client:
            @staticmethod
            def get_consumer() -> dict[str, Any] | None:
                return consumer

        class Request:
            @staticmethod
            def set_header(name: str, value: str) -> None:
                kong.upstream[name] = value

            @staticmethod
            def clear_header(name: str) -> None:
                kong.upstream[name] = None

        class Service:
            request = Request

        self.client = Client
        self.service = Service


def config(**changes):
    return {
        "audience": "partner-portal-experience",
        "private_key_file": str(session_keys().key_file("gateway")),
        "issuer": "gateway",
        "ttl_seconds": 120,
        "custom_id_claim": "partnerAccountNumber",
        **changes,
    }


class TestIdentityClaims:
    def test_partner(self, signed_identity):
        claims = signed_identity.identity_claims(CONSUMER, custom_id_claim="partnerAccountNumber")

        assert claims == {
            "consumer": "partner-alpen",
            "consumerId": "c-1",
            "partnerAccountNumber": "P-1002",
            "plan": "silver",
        }

    def test_absent_values_are_left_out(self, signed_identity):
        claims = signed_identity.identity_claims({"id": "c-2"}, custom_id_claim="customId")

        assert claims == {"consumerId": "c-2"}


class TestCheckConfig:
    def test_missing_key_file(self, signed_identity, tmp_path):
        with pytest.raises(ValueError, match="private_key_file"):
            signed_identity.check_config(config(private_key_file=str(tmp_path / "none.pem")))

    def test_a_key_that_is_not_ed25519(self, signed_identity, tmp_path):
        (tmp_path / "key.pem").write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n")
        with pytest.raises(ValueError, match="private_key_file"):
            signed_identity.check_config(config(private_key_file=str(tmp_path / "key.pem")))

    def test_blank_audience(self, signed_identity):
        with pytest.raises(ValueError, match="audience"):
            signed_identity.check_config(config(audience=" "))


class TestAccess:
    def test_authenticated_consumer_is_signed_for(self, signed_identity):
        kong = RecordingKong(CONSUMER)

        signed_identity.Plugin(config()).access(kong)

        scheme, token = kong.upstream["Authorization"].split(" ")
        trusted = TrustedKeySet(load_trusted_keys(session_keys().trusted_dir))
        verifier = ServiceTokenVerifier(audience="partner-portal-experience", keys=trusted)
        caller = verifier.verify(token)
        assert scheme == "Bearer"
        assert caller.service == "gateway"
        assert caller.claims["partnerAccountNumber"] == "P-1002"
        assert list(kong.upstream) == ["Authorization"]

    def test_without_consumer_identity_headers_are_removed(self, signed_identity):
        kong = RecordingKong(None)

        signed_identity.Plugin(config()).access(kong)

        assert kong.upstream == dict.fromkeys(signed_identity.IDENTITY_HEADERS)
