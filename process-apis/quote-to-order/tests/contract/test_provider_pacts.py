"""quote-to-order honours every HTTP pact that names it (the experience APIs'), and the
verification notices a broken response."""

from __future__ import annotations

from trivium_testing.provider_checks import ProviderPactChecks


class TestVerifyPacts(ProviderPactChecks):
    provider = "quote-to-order"
    path_prefix = "/orders/"
    renamed = ("erpOrderNumber", "erpNumber")
    unread = "deadLettered"
