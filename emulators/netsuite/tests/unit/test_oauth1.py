"""Token-based authentication: the signature base string, signing, and what is refused."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256, Client
from oauthlib.oauth1.rfc5849.signature import sign_hmac_sha256_with_client

from netsuite_emulator.domain.oauth1 import (
    NonceRegistry,
    OAuth1Verifier,
    OAuthRefused,
    TokenCredentials,
    base_string_uri,
    parse_authorization,
    sign,
    signature_base_string,
)

# RFC 5849 §3.4.1.1: the request and the signature base string it gives.
RFC_QUERY = "b5=%3D%253D&a3=a&c%40=&a2=r%20b"
RFC_BODY = "c2&a3=2+q"
RFC_OAUTH = [
    ("oauth_consumer_key", "9djdj82h48djs9d2"),
    ("oauth_token", "kkk9d7dh3k39sjv7"),
    ("oauth_signature_method", "HMAC-SHA1"),
    ("oauth_timestamp", "137131201"),
    ("oauth_nonce", "7d8f3e4a"),
    ("oauth_signature", "bYT5CMsGcbgUdFHObYMEfcx6bsw="),
    ("realm", "Example"),
]
RFC_BASE_STRING = (
    "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D"
    "%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce"
    "%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26"
    "oauth_token%3Dkkk9d7dh3k39sjv7"
)
CREDENTIALS = TokenCredentials(
    realm="1234567_SB1",
    consumer_key="ck" * 20,
    consumer_secret="consumer secret & more",
    token_id="tk" * 20,
    token_secret="token/secret",
)
URL = "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest/record/v1/customer"
NOW = 1_760_000_000


def _signed(
    *,
    url: str = URL,
    method: str = "GET",
    timestamp: int = NOW,
    nonce: str = "n0nce",
    realm: str = "1234567_SB1",
    token_secret: str = CREDENTIALS.token_secret,
    signature_method: str = SIGNATURE_HMAC_SHA256,
) -> str:
    """An Authorization header signed by oauthlib (independent of the code under test)."""
    client = Client(
        CREDENTIALS.consumer_key,
        client_secret=CREDENTIALS.consumer_secret,
        resource_owner_key=CREDENTIALS.token_id,
        resource_owner_secret=token_secret,
        signature_method=signature_method,
        realm=realm,
        timestamp=str(timestamp),
        nonce=nonce,
    )
    _, headers, _ = client.sign(url, http_method=method)
    return str(headers["Authorization"])


def _verifier(now: float = NOW) -> OAuth1Verifier:
    return OAuth1Verifier(CREDENTIALS, NonceRegistry(window_seconds=300), 300, lambda: now)


def _verify(
    verifier: OAuth1Verifier, authorization: str, url: str = URL, method: str = "GET"
) -> str:
    query = parse_qsl(url.partition("?")[2], keep_blank_values=True)
    return verifier.verify(
        method=method, url=url.partition("?")[0], authorization=authorization, query=query
    )


class TestSignatureBaseString:
    def test_rfc_5849_example(self) -> None:
        parameters = [
            *parse_qsl(RFC_QUERY, keep_blank_values=True),
            *parse_qsl(RFC_BODY, keep_blank_values=True),
            *RFC_OAUTH,
        ]
        assert signature_base_string("POST", "http://example.com/request", parameters) == (
            RFC_BASE_STRING
        )

    def test_base_uri(self) -> None:
        assert (
            base_string_uri("HTTP://Example.COM:80/r%20v/X?id=123") == "http://example.com/r%20v/X"
        )
        assert (
            base_string_uri("https://www.example.net:8080/?q=1") == "https://www.example.net:8080/"
        )

    def test_hmac_sha256_matches_oauthlib(self) -> None:
        client = Client(
            "k", client_secret="kd94hf93k423kf44", resource_owner_secret="pfkkdhi9sl3r4s00"
        )
        expected = sign_hmac_sha256_with_client(RFC_BASE_STRING, client)
        assert sign(RFC_BASE_STRING, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00") == expected

    def test_parse_authorization(self) -> None:
        parsed = parse_authorization('OAuth realm="A", oauth_nonce="a%20b",oauth_token="t"')
        assert parsed == {"realm": "A", "oauth_nonce": "a b", "oauth_token": "t"}
        with pytest.raises(OAuthRefused):
            parse_authorization("Basic dXNlcjpwYXNz")


class TestVerify:
    def test_signed_by_oauthlib(self) -> None:
        assert _verify(_verifier(), _signed()) == CREDENTIALS.token_id

    def test_query_parameters_are_signed(self) -> None:
        url = f"{URL}?limit=5&offset=10&q=name%20IS%20x"
        assert _verify(_verifier(), _signed(url=url), url=url)
        with pytest.raises(OAuthRefused, match="signature"):
            _verify(_verifier(), _signed(url=url), url=f"{URL}?limit=6&offset=10&q=name%20IS%20x")

    def test_method_is_signed(self) -> None:
        with pytest.raises(OAuthRefused, match="signature"):
            _verify(_verifier(), _signed(method="GET"), method="DELETE")

    def test_wrong_token_secret(self) -> None:
        with pytest.raises(OAuthRefused, match="signature"):
            _verify(_verifier(), _signed(token_secret="guess"))

    def test_realm_must_be_the_account(self) -> None:
        with pytest.raises(OAuthRefused, match="realm"):
            _verify(_verifier(), _signed(realm="7654321"))

    def test_realm_is_case_insensitive(self) -> None:
        assert _verify(_verifier(), _signed(realm="1234567_sb1"))

    def test_hmac_sha1_is_refused(self) -> None:
        with pytest.raises(OAuthRefused, match="method"):
            _verify(_verifier(), _signed(signature_method=SIGNATURE_HMAC_SHA1))

    def test_timestamp_window(self) -> None:
        assert _verify(_verifier(now=NOW + 299), _signed())
        with pytest.raises(OAuthRefused, match="timestamp"):
            _verify(_verifier(now=NOW + 301), _signed())
        with pytest.raises(OAuthRefused, match="timestamp"):
            _verify(_verifier(now=NOW - 301), _signed())

    def test_nonce_replay(self) -> None:
        verifier = _verifier()
        header = _signed(nonce="once")
        assert _verify(verifier, header)
        with pytest.raises(OAuthRefused, match="nonce"):
            _verify(verifier, header)
        assert _verify(verifier, _signed(nonce="twice"))

    def test_forged_request_does_not_burn_the_nonce(self) -> None:
        verifier = _verifier()
        with pytest.raises(OAuthRefused):
            _verify(verifier, _signed(nonce="n1", token_secret="guess"))
        assert _verify(verifier, _signed(nonce="n1"))
