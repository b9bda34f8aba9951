"""The partner portal honours every pact that names it (the gateway's), and the verification
notices a broken response."""

from __future__ import annotations

from trivium_testing.provider_checks import ProviderPactChecks


class TestVerifyPacts(ProviderPactChecks):
    provider = "partner-portal"
    path_prefix = "/partner/v1/account"
    renamed = ("accountNumber", "number")
    unread = "name"
