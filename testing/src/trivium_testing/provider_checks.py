"""The provider side of every pact, as one test class each provider subclasses.

A provider's `tests/contract/test_provider_pacts.py` names itself and one response it can break:

    class TestVerifyPacts(ProviderPactChecks):
        provider = "erp-system"
        path_prefix = "/customers/"
        renamed = ("available", "availableAmount")   # a field some consumer reads
        unread = "exposureSource"                    # a field no consumer reads

and its conftest provides the fixtures `provider_url` (the real app with fakes and provider
states, served), `contract_app` (a factory of that app) and `consumer_headers`. The checks: every
pact naming the provider holds; renaming a field a consumer reads breaks verification; removing a
field no consumer reads does not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import pytest
from fastapi import FastAPI

from trivium_testing.pacts import (
    VerificationFailed,
    patched_responses,
    removed_field,
    renamed_field,
    serve_app,
    skip_while_updating,
    verify_pacts,
)


@pytest.mark.contract
class ProviderPactChecks:
    provider: ClassVar[str]
    path_prefix: ClassVar[str]
    renamed: ClassVar[tuple[str, str]]
    unread: ClassVar[str]

    def test_every_pact_naming_the_provider_holds(
        self, provider_url: str, consumer_headers: dict[str, str]
    ) -> None:
        skip_while_updating()
        verify_pacts(self.provider, base_url=provider_url, headers=consumer_headers)

    def test_a_renamed_response_field_breaks_the_pact(
        self, contract_app: Callable[[], FastAPI], consumer_headers: dict[str, str]
    ) -> None:
        skip_while_updating()
        old, new = self.renamed
        broken = patched_responses(
            contract_app(), path_prefix=self.path_prefix, transform=renamed_field(old, new)
        )
        with (
            serve_app(broken) as url,
            pytest.raises(VerificationFailed, match=f"missing the following keys: {old}"),
        ):
            verify_pacts(self.provider, base_url=url, headers=consumer_headers)

    def test_a_removed_field_no_consumer_reads_keeps_the_pact(
        self, contract_app: Callable[[], FastAPI], consumer_headers: dict[str, str]
    ) -> None:
        skip_while_updating()
        trimmed = patched_responses(
            contract_app(), path_prefix=self.path_prefix, transform=removed_field(self.unread)
        )
        with serve_app(trimmed) as url:
            verify_pacts(self.provider, base_url=url, headers=consumer_headers)
