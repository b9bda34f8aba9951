"""The ERP System API honours every pact that names it on each ERP backend (its real adapter
against the backend's emulator, see conftest.py), and the verification notices a broken
response."""

from __future__ import annotations

from trivium_testing.provider_checks import ProviderPactChecks


class TestVerifyPacts(ProviderPactChecks):
    provider = "erp-system"
    path_prefix = "/customers/"
    renamed = ("available", "availableAmount")
    unread = "exposureSource"
