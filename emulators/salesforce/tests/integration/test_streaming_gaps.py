"""Change Data Capture beyond the happy path: gap events, overflow events, and a client's own
`advice.timeout` on `/meta/connect`."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from salesforce_emulator.settings import SalesforceEmulatorSettings

pytestmark = pytest.mark.asyncio

COMETD = "http://test/cometd/62.0"
ADMIN = {"X-Admin-Token": "trivium-emulator-admin"}
CHANNEL = "/data/AccountChangeEvent"


@pytest.fixture
def settings() -> SalesforceEmulatorSettings:
    return SalesforceEmulatorSettings(
        database_path=":memory:", seed_demo_data=False, cometd_timeout_seconds=3,
        cdc_overflow_threshold=2,
    )  # fmt: skip


async def bayeux(api: httpx.AsyncClient, *messages: dict[str, Any]) -> list[dict[str, Any]]:
    response = await api.post(COMETD, json=list(messages))
    assert response.status_code == 200
    replies: list[dict[str, Any]] = response.json()
    return replies


async def subscribed(api: httpx.AsyncClient) -> str:
    [handshake] = await bayeux(api, {"channel": "/meta/handshake", "version": "1.0"})
    client_id: str = handshake["clientId"]
    [reply] = await bayeux(
        api,
        {"channel": "/meta/subscribe", "clientId": client_id, "subscription": CHANNEL,
         "ext": {"replay": {CHANNEL: -1}}},
    )  # fmt: skip
    assert reply["successful"] is True
    return client_id


async def headers(api: httpx.AsyncClient, client_id: str, **advice: int) -> list[dict[str, Any]]:
    message: dict[str, Any] = {"channel": "/meta/connect", "clientId": client_id}
    if advice:
        message["advice"] = advice
    replies = await bayeux(api, message)
    return [r["data"]["payload"] for r in replies if r["channel"] == CHANNEL]


class TestGapEvents:
    async def test_forced_gap_carries_the_header_only(
        self, api: httpx.AsyncClient, client: httpx.AsyncClient
    ) -> None:
        account = (await api.post("sobjects/Account", json={"Name": "Acme"})).json()["id"]
        client_id = await subscribed(api)
        forced = await client.put("/__admin/cdc/gaps", json={"count": 1}, headers=ADMIN)
        assert forced.json() == {"count": 1}

        await api.patch(f"sobjects/Account/{account}", json={"Phone": "+49 1"})
        await api.patch(f"sobjects/Account/{account}", json={"Phone": "+49 2"})

        gap, update = await headers(api, client_id)
        assert gap["ChangeEventHeader"]["changeType"] == "GAP_UPDATE"
        assert gap["ChangeEventHeader"]["recordIds"] == [account]
        assert "Phone" not in gap
        assert update["ChangeEventHeader"]["changeType"] == "UPDATE"
        assert update["Phone"] == "+49 2"

    async def test_gap_forced_for_one_record_leaves_other_records_alone(
        self, api: httpx.AsyncClient, client: httpx.AsyncClient
    ) -> None:
        mine = (await api.post("sobjects/Account", json={"Name": "Mine"})).json()["id"]
        other = (await api.post("sobjects/Account", json={"Name": "Other"})).json()["id"]
        client_id = await subscribed(api)
        forced = await client.put(
            "/__admin/cdc/gaps", json={"count": 1, "recordId": mine[:15]}, headers=ADMIN
        )
        assert forced.json() == {"count": 1}

        await api.patch(f"sobjects/Account/{other}", json={"Phone": "+49 1"})
        await api.patch(f"sobjects/Account/{mine}", json={"Phone": "+49 2"})
        await api.patch(f"sobjects/Account/{mine}", json={"Phone": "+49 3"})

        events = [e["ChangeEventHeader"] for e in await headers(api, client_id)]
        assert [(e["recordIds"], e["changeType"]) for e in events] == [
            ([other], "UPDATE"), ([mine], "GAP_UPDATE"), ([mine], "UPDATE"),
        ]  # fmt: skip

    async def test_malformed_record_id(self, client: httpx.AsyncClient) -> None:
        forced = await client.put(
            "/__admin/cdc/gaps", json={"count": 1, "recordId": "nope"}, headers=ADMIN
        )

        assert forced.status_code == 422
        assert forced.json()["errors"][0]["pointer"] == "/recordId"


class TestLatestEvent:
    async def test_replay_id_of_the_newest_event_of_an_object(
        self, api: httpx.AsyncClient, client: httpx.AsyncClient
    ) -> None:
        none_yet = await client.get(
            "/__admin/cdc/latest", params={"object": "Account"}, headers=ADMIN
        )
        assert none_yet.json() == {"object": "Account", "replayId": 0}
        account = (await api.post("sobjects/Account", json={"Name": "Acme"})).json()["id"]
        client_id = await subscribed(api)
        await api.patch(f"sobjects/Account/{account}", json={"Phone": "+49 1"})
        await api.post("sobjects/Contact", json={"LastName": "Later", "AccountId": account})

        latest = await client.get(
            "/__admin/cdc/latest", params={"object": "Account"}, headers=ADMIN
        )

        [update] = [
            m
            for m in (await bayeux(api, {"channel": "/meta/connect", "clientId": client_id}))
            if m["channel"] == CHANNEL
        ]
        assert latest.json()["replayId"] == update["data"]["event"]["replayId"]


class TestOverflowEvents:
    async def test_changes_past_the_threshold_become_one_overflow_event(
        self, api: httpx.AsyncClient
    ) -> None:
        client_id = await subscribed(api)
        records = [{"attributes": {"type": "Account"}, "Name": f"A{n}"} for n in range(5)]

        created = await api.post("composite/sobjects", json={"allOrNone": True, "records": records})
        assert created.status_code == 200, created.text

        types = [e["ChangeEventHeader"]["changeType"] for e in await headers(api, client_id)]
        assert types == ["CREATE", "CREATE", "GAP_OVERFLOW"]


class TestConnectAdvice:
    @pytest.fixture
    def settings(self) -> SalesforceEmulatorSettings:
        # The server would hold a poll this long: one that ends sooner followed the client.
        return SalesforceEmulatorSettings(
            database_path=":memory:", seed_demo_data=False, cometd_timeout_seconds=600
        )

    async def test_client_timeout_shortens_the_long_poll(self, api: httpx.AsyncClient) -> None:
        client_id = await subscribed(api)

        polled = await asyncio.wait_for(headers(api, client_id, timeout=200), timeout=30)

        assert polled == []
