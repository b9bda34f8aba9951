"""`Prefer: respond-async` is found among other preferences, in any case and with parameters."""

from __future__ import annotations

import pytest

from trivium.prefer import accepted_response, prefers_async
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
