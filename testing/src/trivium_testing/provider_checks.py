"""The provider side of every pact, as one test class each provider subclasses.

A provider's `tests/contract/test_provider_pacts.py` names itself and one response it can break:

    class TestVerifyPacts(ProviderPactChecks):
        provider = "erp-system"
        path_prefix = "/customers/"
        renamed = ("available", "availableAmount")   # a field some consumer reads
        unread = "exposureSource"                    # a field no consumer reads

and its conftest provides the fixtures `contract_app` (a factory of the real app with fakes and
provider states) and `consumer_headers` (from `consumer_headers_fixture`); the class serves that
app as `provider_url`. The checks:
every pact naming the provider holds; renaming a field a consumer reads breaks verification;
removing a field no consumer reads does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest
from fastapi import FastAPI
from pact.types import Message

from trivium_testing.keys import session_keys
from trivium_testing.pacts import (
    MessageProducer,
    VerificationFailed,
    patched_responses,
    removed_field,
    renamed_field,
    serve_app,
    skip_while_updating,
    transformed_message,
    verify_pacts,
)


def consumer_headers_fixture(
    caller: str, provider: str, *, claims: dict[str, Any] | None = None
) -> Any:
    """The session fixture `consumer_headers`: the `Authorization` of `caller`'s calls to
    `provider` (carrying `claims`, e.g. the identity the gateway signs)."""

    def consumer_headers() -> dict[str, str]:
        return session_keys().authorization(caller, provider, claims=claims)

    consumer_headers.__doc__ = f"What every call from {caller} to {provider} carries."
    return pytest.fixture(scope="session")(consumer_headers)


@pytest.mark.contract
class ProviderPactChecks:
    provider: ClassVar[str]
    path_prefix: ClassVar[str]
    renamed: ClassVar[tuple[str, str]]
    unread: ClassVar[str]

    @pytest.fixture(scope="class")
    @staticmethod
    def provider_url(contract_app: Callable[[], FastAPI]) -> Iterator[str]:
        """The provider in contract-test mode, served for these checks."""
        with serve_app(contract_app()) as url:
            yield url

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


@pytest.mark.contract
class MessagePactChecks:
    """The message side of the pacts, for a provider that publishes events: its conftest (or
    test module) provides `message_producers`, the real publisher's message for each
    interaction description, and the class names one field a consumer reads:

        class TestPublishOrderEvents(MessagePactChecks):
            provider = "quote-to-order"
            renamed = ("an order.created event", "orderId", "order_id")
    """

    provider: ClassVar[str]
    renamed: ClassVar[tuple[str, str, str]]

    def test_events_honour_every_pact(self, message_producers: dict[str, MessageProducer]) -> None:
        skip_while_updating()
        verify_pacts(self.provider, messages=message_producers)

    def test_a_renamed_event_field_breaks_the_pact(
        self, message_producers: dict[str, MessageProducer]
    ) -> None:
        skip_while_updating()
        description, old, new = self.renamed
        produce = message_producers[description]

        async def renamed() -> Message:
            return transformed_message(await produce(), renamed_field(old, new))

        with pytest.raises(VerificationFailed, match=old):
            verify_pacts(self.provider, messages={**message_producers, description: renamed})
