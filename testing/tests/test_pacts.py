"""The Pact helpers: pinned consumer pacts, provider states, and stream entries as messages."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pact import Pact, match
from starlette.datastructures import State

from trivium.errors import install_problem_handlers
from trivium_testing.apps import app_client
from trivium_testing.pacts import (
    HTTP_INTERACTION,
    MESSAGE_INTERACTION,
    STATES_PATH,
    UPDATE_ENV,
    consumer_pact,
    enable_provider_states,
    pact_file,
    pacts_naming,
    stream_entry_fields,
    stream_entry_message,
)


def declare(pact: Pact, *, name_matcher: Any) -> None:
    """One interaction, exercised against the mock server as a consumer test would."""
    (
        pact.upon_receiving("a request for a thing")
        .given("a thing exists", thingId="T-1")
        .with_request("GET", "/things/T-1")
        .will_respond_with(200)
        .with_body({"name": name_matcher}, content_type="application/json")
    )
    with pact.serve(addr="127.0.0.1") as server:
        assert httpx.get(f"{server.url}/things/T-1").json() == {"name": "Widget"}


def record_widget_pact(directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Write the shop -> things pact as `make contracts` does, then go back to checking."""
    monkeypatch.setenv(UPDATE_ENV, "1")
    with consumer_pact("shop", "things", directory=directory) as pact:
        declare(pact, name_matcher=match.str("Widget"))
    monkeypatch.delenv(UPDATE_ENV)


class TestConsumerPact:
    def test_updating_writes_the_pact_and_checking_accepts_it(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        record_widget_pact(tmp_path, monkeypatch)
        with consumer_pact("shop", "things", directory=tmp_path) as pact:
            declare(pact, name_matcher=match.str("Widget"))

        written = json.loads(pact_file("shop", "things", tmp_path).read_text())
        assert [i["description"] for i in written["interactions"]] == ["a request for a thing"]
        assert pacts_naming("things", tmp_path) == [pact_file("shop", "things", tmp_path)]

    def test_pacts_of_a_provider_are_found_by_kind_of_interaction(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv(UPDATE_ENV, "1")
        with consumer_pact("shop", "things", directory=tmp_path) as pact:
            declare(pact, name_matcher=match.str("Widget"))
        with consumer_pact("feed", "things", directory=tmp_path) as pact:
            pact.upon_receiving("a thing event", "Async").with_body({"name": match.str("W")})
            pact.verify(lambda body, metadata: None, "Async")

        http = pacts_naming("things", tmp_path, kinds=[HTTP_INTERACTION])
        messages = pacts_naming("things", tmp_path, kinds=[MESSAGE_INTERACTION])
        assert http == [pact_file("shop", "things", tmp_path)]
        assert messages == [pact_file("feed", "things", tmp_path)]

    def test_an_interaction_declared_differently_from_the_committed_one_fails(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        record_widget_pact(tmp_path, monkeypatch)

        with (
            pytest.raises(AssertionError, match="differently"),
            consumer_pact("shop", "things", directory=tmp_path) as pact,
        ):
            declare(pact, name_matcher=match.regex("Widget", regex=r"^\w+$"))

    def test_a_pact_never_written_fails(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv(UPDATE_ENV, raising=False)

        with (
            pytest.raises(AssertionError, match="make contracts"),
            consumer_pact("shop", "things", directory=tmp_path) as pact,
        ):
            declare(pact, name_matcher=match.str("Widget"))


def states_app(seen: list[tuple[str, Any]]) -> FastAPI:
    def reset(state: State) -> None:
        seen.append(("reset", None))

    async def thing_exists(state: State, params: dict[str, Any]) -> None:
        seen.append(("a thing exists", params))

    app = FastAPI()
    install_problem_handlers(app)
    return enable_provider_states(app, {"a thing exists": thing_exists}, reset=reset)


@pytest.mark.asyncio
class TestProviderStates:
    async def test_a_known_state_is_set_up_on_fresh_fakes(self) -> None:
        seen: list[tuple[str, Any]] = []
        async with app_client(states_app(seen)) as client:
            answer = await client.post(
                STATES_PATH,
                json={"state": "a thing exists", "params": {"thingId": "T-1"}, "action": "setup"},
            )

        assert answer.status_code == 200
        assert seen == [("reset", None), ("a thing exists", {"thingId": "T-1"})]

    async def test_an_unknown_state_is_a_422_naming_the_known_ones(self) -> None:
        async with app_client(states_app([])) as client:
            answer = await client.post(STATES_PATH, json={"state": "a unicorn exists"})

        assert answer.status_code == 422
        assert "a thing exists" in answer.text

    async def test_an_interaction_without_a_state_gets_fresh_fakes(self) -> None:
        seen: list[tuple[str, Any]] = []
        async with app_client(states_app(seen)) as client:
            answer = await client.post(STATES_PATH, json={"state": "", "action": "setup"})

        assert answer.status_code == 200
        assert seen == [("reset", None)]

    async def test_teardown_changes_nothing(self) -> None:
        seen: list[tuple[str, Any]] = []
        async with app_client(states_app(seen)) as client:
            answer = await client.post(
                STATES_PATH, json={"state": "a thing exists", "action": "teardown"}
            )

        assert answer.status_code == 200
        assert seen == []


class TestStreamEntries:
    def test_an_entry_and_its_message_convert_both_ways(self) -> None:
        fields = {b"type": b"order.created", b"data": b'{"orderId": "O-1", "lines": []}'}

        message = stream_entry_message(fields)

        assert json.loads(message["contents"]) == {
            "type": "order.created",
            "data": {"orderId": "O-1", "lines": []},
        }
        read = stream_entry_fields(message["contents"])
        assert read["type"] == "order.created"
        assert json.loads(read["data"]) == {"orderId": "O-1", "lines": []}
