"""The partner portal honours every pact that names it (the gateway's), and the verification
notices a broken response."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI

from trivium.testing.pacts import (
    VerificationFailed,
    patched_responses,
    removed_field,
    renamed_field,
    serve_app,
    skip_while_updating,
    verify_pacts,
)

pytestmark = pytest.mark.contract

PROVIDER = "partner-portal"


class TestVerifyPacts:
    def test_every_pact_naming_the_provider_holds(
        self, provider_url: str, consumer_headers: dict[str, str]
    ) -> None:
        skip_while_updating()
        verify_pacts(PROVIDER, base_url=provider_url, headers=consumer_headers)

    def test_a_renamed_response_field_breaks_the_pact(
        self, contract_app: Callable[[], FastAPI], consumer_headers: dict[str, str]
    ) -> None:
        skip_while_updating()
        broken = patched_responses(
            contract_app(),
            path_prefix="/partner/v1/account",
            transform=renamed_field("accountNumber", "number"),
        )
        with (
            serve_app(broken) as url,
            pytest.raises(VerificationFailed, match="missing the following keys: accountNumber"),
        ):
            verify_pacts(PROVIDER, base_url=url, headers=consumer_headers)

    def test_a_removed_field_no_consumer_reads_keeps_the_pact(
        self, contract_app: Callable[[], FastAPI], consumer_headers: dict[str, str]
    ) -> None:
        skip_while_updating()
        trimmed = patched_responses(
            contract_app(), path_prefix="/partner/v1/account", transform=removed_field("name")
        )
        with serve_app(trimmed) as url:
            verify_pacts(PROVIDER, base_url=url, headers=consumer_headers)
