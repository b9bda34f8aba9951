"""create-customer honours every HTTP pact that names it (the mobile API's), and the
verification notices a broken response."""

from __future__ import annotations

from trivium_testing.provider_checks import ProviderPactChecks


class TestVerifyPacts(ProviderPactChecks):
    provider = "create-customer"
    path_prefix = "/customers"
    renamed = ("erpCustomerNumber", "erpCustomerId")
    unread = "attempts"
