"""httpx clients in the test process share one TLS context for httpx's default verification."""

from __future__ import annotations

import ssl

import httpx
import pytest


def context_of(client: httpx.Client | httpx.AsyncClient) -> ssl.SSLContext:
    transport = client._transport
    assert isinstance(transport, httpx.HTTPTransport | httpx.AsyncHTTPTransport)
    context: ssl.SSLContext = transport._pool._ssl_context
    return context


class TestSharedContext:
    def test_clients_with_default_verification_share_one_verifying_context(self) -> None:
        with httpx.Client() as first, httpx.Client() as second:
            shared = context_of(first)
            assert context_of(second) is shared
        assert httpx.AsyncHTTPTransport()._pool._ssl_context is shared
        assert shared.verify_mode == ssl.CERT_REQUIRED
        assert shared.check_hostname

    def test_a_client_without_verification_gets_its_own(self) -> None:
        with httpx.Client(verify=False) as unverified, httpx.Client() as default:
            assert context_of(unverified) is not context_of(default)
            assert context_of(unverified).verify_mode == ssl.CERT_NONE

    def test_a_given_context_is_used_as_given(self) -> None:
        given = ssl.create_default_context()
        with httpx.Client(verify=given) as client:
            assert context_of(client) is given

    def test_a_ca_bundle_named_in_the_environment_gets_a_context_of_its_own(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        with httpx.Client() as before:
            default = context_of(before)
        monkeypatch.setenv("SSL_CERT_FILE", ssl.get_default_verify_paths().openssl_cafile)
        with httpx.Client() as after:
            assert context_of(after) is not default
