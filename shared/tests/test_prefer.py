"""`Prefer: respond-async` is found among other preferences, in any case and with parameters; a
caller asks for it and reads whether it was applied."""

from __future__ import annotations

import httpx
import pytest

from trivium.prefer import accepted_response, async_applied, call_headers, prefers_async
from trivium.schemas import ApiModel


class OrderRead(ApiModel):
    id: str


class TestPrefersAsync:
    @pytest.mark.parametrize(
        "prefer", ["respond-async", "Respond-Async", "handling=lenient, respond-async; wait=5"]
    )
    def test_respond_async_is_asked_for(self, prefer: str) -> None:
        assert prefers_async(prefer)

    @pytest.mark.parametrize("prefer", [None, "", "wait=5", "return=minimal, respond-asyncx"])
    def test_anything_else_is_not(self, prefer: str | None) -> None:
        assert not prefers_async(prefer)


def test_the_accepted_answer_is_documented_with_its_model() -> None:
    assert accepted_response(OrderRead, "Accepted.") == {
        202: {"model": OrderRead, "description": "Accepted."}
    }


class TestCallHeaders:
    def test_a_plain_call_carries_only_its_token(self) -> None:
        assert call_headers("t1") == {"Authorization": "Bearer t1"}

    def test_a_placement_carries_its_key_and_may_ask_for_an_async_answer(self) -> None:
        assert call_headers("t1", idempotency_key="k1", respond_async=True) == {
            "Authorization": "Bearer t1",
            "Idempotency-Key": "k1",
            "Prefer": "respond-async",
        }


@pytest.mark.parametrize(
    ("applied", "expected"), [("respond-async", True), ("Respond-Async", True), ("", False)]
)
def test_an_applied_preference_is_read_from_the_answer(applied: str, expected: bool) -> None:
    response = httpx.Response(202, headers={"Preference-Applied": applied} if applied else {})
    assert async_applied(response) is expected
