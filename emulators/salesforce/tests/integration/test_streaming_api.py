from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from salesforce_emulator.settings import SalesforceEmulatorSettings
from trivium_testing.waiting import until

pytestmark = pytest.mark.asyncio

COMETD = "http://test/cometd/62.0"


@pytest.fixture
def settings() -> SalesforceEmulatorSettings:
    return SalesforceEmulatorSettings(
        database_path=":memory:", seed_demo_data=False, cometd_timeout_seconds=1.5
    )


async def bayeux(api: httpx.AsyncClient, *messages: dict[str, Any]) -> list[dict[str, Any]]:
    response = await api.post(COMETD, json=list(messages))
    assert response.status_code == 200
    replies: list[dict[str, Any]] = response.json()
    return replies


async def subscribed(api: httpx.AsyncClient, channel: str, replay: int | None = None) -> str:
    handshake = await bayeux(
        api,
        {"channel": "/meta/handshake", "version": "1.0", "id": "1",
         "supportedConnectionTypes": ["long-polling"]},
    )  # fmt: skip
    assert handshake[0]["successful"] is True
    assert handshake[0]["ext"]["replay"] is True
    client_id: str = handshake[0]["clientId"]
    message: dict[str, Any] = {
        "channel": "/meta/subscribe", "clientId": client_id, "subscription": channel, "id": "2",
    }  # fmt: skip
    if replay is not None:
        message["ext"] = {"replay": {channel: replay}}
    reply = await bayeux(api, message)
    assert reply[0]["successful"] is True, reply
    return client_id


async def connect(api: httpx.AsyncClient, client_id: str) -> list[dict[str, Any]]:
    return await bayeux(
        api,
        {"channel": "/meta/connect", "clientId": client_id, "connectionType": "long-polling",
         "id": "3"},
    )  # fmt: skip


def events(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    assert replies[-1]["channel"] == "/meta/connect"
    assert replies[-1]["successful"] is True
    return [reply for reply in replies if not reply["channel"].startswith("/meta/")]


class TestHandshake:
    async def test_needs_a_valid_session(self, client: httpx.AsyncClient) -> None:
        reply = await bayeux(client, {"channel": "/meta/handshake", "id": "1"})
        assert reply[0]["successful"] is False
        assert reply[0]["error"] == "403::Handshake denied"
        assert reply[0]["ext"]["sfdc"]["failureReason"] == "401::Authentication invalid"

    async def test_unknown_client(self, api: httpx.AsyncClient) -> None:
        reply = await connect(api, "nope")
        assert reply[0]["successful"] is False
        assert reply[0]["error"] == "403::Unknown client"
        assert reply[0]["advice"]["reconnect"] == "handshake"


class TestSubscribe:
    async def test_replay_all_retained_events(self, api: httpx.AsyncClient) -> None:
        account = (await api.post("sobjects/Account", json={"Name": "Acme"})).json()["id"]
        await api.patch(f"sobjects/Account/{account}", json={"BillingCity": "Berlin"})
        client_id = await subscribed(api, "/data/AccountChangeEvent", replay=-2)
        delivered = events(await connect(api, client_id))
        assert [event["channel"] for event in delivered] == ["/data/AccountChangeEvent"] * 2
        create, update = (event["data"] for event in delivered)
        header = create["payload"]["ChangeEventHeader"]
        assert (header["entityName"], header["changeType"], header["recordIds"]) == (
            "Account", "CREATE", [account],
        )  # fmt: skip
        assert create["payload"]["Name"] == "Acme"
        assert update["payload"]["ChangeEventHeader"]["changedFields"] == [
            "BillingAddress.City", "LastModifiedDate",
        ]  # fmt: skip
        assert update["payload"]["BillingAddress"] == {"City": "Berlin"}
        assert update["event"]["replayId"] > create["event"]["replayId"]

    async def test_replay_after_a_given_id(self, api: httpx.AsyncClient) -> None:
        for name in ("A", "B", "C"):
            await api.post("sobjects/Account", json={"Name": name})
        first = await subscribed(api, "/data/AccountChangeEvent", replay=-2)
        replay_ids = [
            event["data"]["event"]["replayId"] for event in events(await connect(api, first))
        ]
        later = await subscribed(api, "/data/AccountChangeEvent", replay=replay_ids[0])
        names = [event["data"]["payload"]["Name"] for event in events(await connect(api, later))]
        assert names == ["B", "C"]

    async def test_invalid_replay_id(self, api: httpx.AsyncClient) -> None:
        handshake = await bayeux(api, {"channel": "/meta/handshake", "id": "1"})
        reply = await bayeux(
            api,
            {"channel": "/meta/subscribe", "clientId": handshake[0]["clientId"],
             "subscription": "/data/AccountChangeEvent",
             "ext": {"replay": {"/data/AccountChangeEvent": 99}}},
        )  # fmt: skip
        assert reply[0]["successful"] is False
        assert reply[0]["error"].startswith("400::The replayId {99} you provided was invalid.")

    async def test_unknown_channel(self, api: httpx.AsyncClient) -> None:
        handshake = await bayeux(api, {"channel": "/meta/handshake", "id": "1"})
        reply = await bayeux(
            api,
            {"channel": "/meta/subscribe", "clientId": handshake[0]["clientId"],
             "subscription": "/data/QuoteChangeEvent"},
        )  # fmt: skip
        assert reply[0]["successful"] is False


class TestLongPoll:
    @pytest.fixture
    def settings(self) -> SalesforceEmulatorSettings:
        # Held this long, a poll could only end early by the change it waits for.
        return SalesforceEmulatorSettings(
            database_path=":memory:", seed_demo_data=False, cometd_timeout_seconds=600
        )

    async def test_long_poll_wakes_on_a_change(self, api: httpx.AsyncClient, app: FastAPI) -> None:
        client_id = await subscribed(api, "/data/ChangeEvents", replay=-1)
        hub = app.state.emulator.streaming
        waiting = asyncio.create_task(connect(api, client_id))
        await until(lambda: hub.connects_in_progress == 1)
        assert not waiting.done()
        await api.post(
            "sobjects/Contact", json={"LastName": "Doe"},
            headers={"Sforce-Call-Options": "client=erp-sync"},
        )  # fmt: skip
        delivered = events(await asyncio.wait_for(waiting, timeout=30))
        assert [event["channel"] for event in delivered] == ["/data/ChangeEvents"]
        header = delivered[0]["data"]["payload"]["ChangeEventHeader"]
        assert header["entityName"] == "Contact"
        assert header["changeOrigin"] == "com/salesforce/api/rest/62.0;client=erp-sync"
        assert delivered[0]["data"]["payload"]["Name"] == {"LastName": "Doe"}


class TestConnect:
    async def test_times_out_without_events(self, api: httpx.AsyncClient) -> None:
        client_id = await subscribed(api, "/data/OrderChangeEvent")
        await api.post("sobjects/Account", json={"Name": "Other channel"})
        replies = await connect(api, client_id)
        assert events(replies) == []
        assert replies[-1]["advice"]["timeout"] == 1500

    async def test_one_transaction_shares_a_key(self, api: httpx.AsyncClient) -> None:
        client_id = await subscribed(api, "/data/ChangeEvents", replay=-1)
        await api.post(
            "composite/sobjects",
            json={"allOrNone": True, "records": [
                {"attributes": {"type": "Account"}, "Name": "One"},
                {"attributes": {"type": "Account"}, "Name": "Two"},
            ]},
        )  # fmt: skip
        headers = [
            event["data"]["payload"]["ChangeEventHeader"]
            for event in events(await connect(api, client_id))
        ]
        assert len({header["transactionKey"] for header in headers}) == 1
        assert [header["sequenceNumber"] for header in headers] == [1, 2]

    async def test_delete_event(self, api: httpx.AsyncClient) -> None:
        account = (await api.post("sobjects/Account", json={"Name": "Doomed"})).json()["id"]
        client_id = await subscribed(api, "/data/AccountChangeEvent", replay=-1)
        await api.delete(f"sobjects/Account/{account}")
        payload = events(await connect(api, client_id))[0]["data"]["payload"]
        assert payload["ChangeEventHeader"]["changeType"] == "DELETE"
        assert set(payload) == {"ChangeEventHeader"}
