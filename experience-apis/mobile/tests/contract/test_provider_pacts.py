"""The mobile API honours every pact that names it (the gateway's), and the verification
notices a broken response."""

from __future__ import annotations

from trivium_testing.provider_checks import ProviderPactChecks


class TestVerifyPacts(ProviderPactChecks):
    provider = "mobile"
    path_prefix = "/mobile/v1/accounts"
    renamed = ("items", "accounts")
    unread = "nextCursor"
