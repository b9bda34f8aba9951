"""OAuth 2.0 client credentials: the client assertion checks and bearer token expiry."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from netsuite_emulator.domain.oauth2 import (
    BearerTokens,
    ClientMapping,
    OAuth2Refused,
    load_public_key,
    verify_assertion,
)

from ..keys import CERTIFICATE_ID, CLIENT_ID, assertion, ec_key, rsa_key, write_certificate

AUDIENCE = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
NOW = 1_760_000_000.0


def _mapping(key: CertificateIssuerPrivateKeyTypes, tmp_path: Path) -> ClientMapping:
    certificate = write_certificate(key, tmp_path / "integration.crt")
    return ClientMapping(CLIENT_ID, CERTIFICATE_ID, load_public_key(str(certificate)))


def _refusal(token: str, mapping: ClientMapping, now: float = NOW) -> str:
    with pytest.raises(OAuth2Refused) as raised:
        verify_assertion(token, mapping=mapping, audience=AUDIENCE, now=now)
    return raised.value.error


class TestVerifyAssertion:
    @pytest.mark.parametrize("algorithm", ["PS256", "RS256"])
    def test_rsa_certificate(self, tmp_path: Path, algorithm: str) -> None:
        key = rsa_key()
        token = assertion(key, audience=AUDIENCE, now=NOW, algorithm=algorithm)
        claims = verify_assertion(
            token, mapping=_mapping(key, tmp_path), audience=AUDIENCE, now=NOW
        )
        assert claims["iss"] == CLIENT_ID

    def test_ec_certificate(self, tmp_path: Path) -> None:
        key = ec_key()
        token = assertion(key, audience=AUDIENCE, now=NOW, scope="restlets,rest_webservices")
        assert verify_assertion(token, mapping=_mapping(key, tmp_path), audience=AUDIENCE, now=NOW)

    def test_other_key(self, tmp_path: Path) -> None:
        token = assertion(ec_key(), audience=AUDIENCE, now=NOW)
        assert _refusal(token, _mapping(ec_key(), tmp_path)) == "invalid_grant"

    def test_unknown_certificate_id(self, tmp_path: Path) -> None:
        key = ec_key()
        token = assertion(key, audience=AUDIENCE, now=NOW, kid="other")
        assert _refusal(token, _mapping(key, tmp_path)) == "invalid_client"

    def test_unknown_client(self, tmp_path: Path) -> None:
        key = ec_key()
        token = assertion(key, audience=AUDIENCE, now=NOW, iss="someone-else")
        assert _refusal(token, _mapping(key, tmp_path)) == "invalid_client"

    def test_wrong_audience(self, tmp_path: Path) -> None:
        key = ec_key()
        token = assertion(key, audience="https://elsewhere/token", now=NOW)
        assert _refusal(token, _mapping(key, tmp_path)) == "invalid_grant"

    def test_expired(self, tmp_path: Path) -> None:
        key = ec_key()
        token = assertion(key, audience=AUDIENCE, now=NOW)
        assert _refusal(token, _mapping(key, tmp_path), now=NOW + 3601) == "invalid_grant"

    def test_lives_longer_than_an_hour(self, tmp_path: Path) -> None:
        key = ec_key()
        token = assertion(key, audience=AUDIENCE, now=NOW, exp=int(NOW) + 7200)
        assert _refusal(token, _mapping(key, tmp_path)) == "invalid_grant"

    def test_scope_without_rest_webservices(self, tmp_path: Path) -> None:
        key = ec_key()
        token = assertion(key, audience=AUDIENCE, now=NOW, scope=["restlets"])
        assert _refusal(token, _mapping(key, tmp_path)) == "invalid_scope"

    def test_hs256_is_refused(self, tmp_path: Path) -> None:
        token = assertion(
            "shared-secret-that-is-long-enough-0123456789",
            audience=AUDIENCE,
            now=NOW,
            algorithm="HS256",
        )
        assert _refusal(token, _mapping(ec_key(), tmp_path)) == "invalid_request"

    def test_no_certificate_mapped(self) -> None:
        token = assertion(ec_key(), audience=AUDIENCE, now=NOW)
        assert _refusal(token, ClientMapping(CLIENT_ID, CERTIFICATE_ID, None)) == "invalid_client"


class TestBearerTokens:
    def test_expiry(self) -> None:
        now = [NOW]
        tokens = BearerTokens(ttl_seconds=3600, clock=lambda: now[0])
        issued = tokens.issue()
        assert issued.expires_in == 3600
        now[0] += 3599
        assert tokens.is_valid(issued.access_token)
        now[0] += 1
        assert not tokens.is_valid(issued.access_token)
        assert not tokens.is_valid("made-up")
