"""The routes for sync flows, against the org emulator: account changes, account profiles and
order ERP status."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest
import redis.asyncio

from salesforce_system.adapters.salesforce.positions import (
    replay_position,
    subscription_position,
)
from trivium.redis_discovery import RedisEndpoint
from trivium_testing.services import RunningService

pytestmark = pytest.mark.asyncio

DATA = "/services/data/v62.0"
SESSION_KEY = "trivium:salesforce:session:trivium-demo-client"


async def an_account(org: httpx.AsyncClient) -> str:
    created = await org.post(f"{DATA}/sobjects/Account", json={"Name": "Sync Test GmbH"})
    assert created.status_code == 201, created.text
    account_id: str = created.json()["id"]
    return account_id


async def read_changes(
    api: httpx.AsyncClient, position: str, *, wait_seconds: int = 0
) -> httpx.Response:
    """One read of the account change feed from `position`."""
    return await api.get(
        "/account-changes", params={"position": position, "waitSeconds": wait_seconds}
    )


async def _store_session(redis_endpoint: RedisEndpoint, session: str) -> None:
    client = redis.asyncio.Redis.from_url(redis_endpoint.url)
    try:
        await client.set(SESSION_KEY, session)
    finally:
        await client.aclose()


class TestReadAccountChanges:
    async def test_user_change_then_own_echo(
        self, api: httpx.AsyncClient, org: httpx.AsyncClient
    ) -> None:
        account_id = await an_account(org)
        start = await read_changes(api, "now")
        position = start.json()["position"]

        await org.patch(f"{DATA}/sobjects/Account/{account_id}", json={"Phone": "+49 1"})
        user = await read_changes(api, position, wait_seconds=5)
        await api.patch(f"/account-profiles/{account_id}", json={"paymentTerms": "0002"})
        echo = await read_changes(api, user.json()["position"], wait_seconds=5)

        [change] = user.json()["items"]
        assert change["changeType"] == "updated"
        assert change["accountIds"] == [account_id]
        assert change["values"]["phone"] == "+49 1"
        assert change["origin"]["fromSuite"] is False
        [own] = echo.json()["items"]
        assert own["changedFields"][0] == "paymentTerms"
        assert own["origin"]["fromSuite"] is True
        assert echo.json()["position"] == own["position"]
        assert "replayId" not in own

    async def test_page_names_the_org_it_was_read_from(
        self, api: httpx.AsyncClient, emulator: RunningService
    ) -> None:
        async with httpx.AsyncClient(base_url=emulator.url) as client:
            token = await client.post(
                "/services/oauth2/token",
                data={"grant_type": "client_credentials", "client_id": "trivium-demo-client",
                      "client_secret": "trivium-demo-secret"},
            )  # fmt: skip
        org_id = token.json()["id"].split("/")[-2]

        response = await read_changes(api, "now")

        assert response.status_code == 200, response.text
        assert response.json()["systemId"] == org_id

    async def test_a_session_the_org_no_longer_accepts_is_renewed(
        self,
        api: httpx.AsyncClient,
        org: httpx.AsyncClient,
        redis_endpoint: RedisEndpoint,
        emulator: RunningService,
    ) -> None:
        # As after the org restarted: the shared session in Redis names a token it never issued.
        # Salesforce then denies the handshake (`403::Handshake denied`, failure reason 401).
        stale = json.dumps({"access_token": "00D!stale", "instance_url": emulator.url})
        await _store_session(redis_endpoint, stale)

        response = await read_changes(api, "now")
        # The REST API too: the same stale session (as an older release stored it) is replaced.
        await _store_session(redis_endpoint, stale)
        read = await api.get(f"/account-profiles/{await an_account(org)}")

        assert response.status_code == 200, response.text
        assert read.status_code == 200, read.text

    async def test_gap_event_is_a_resync_of_its_account(
        self, api: httpx.AsyncClient, org: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        account_id = await an_account(org)
        start = await read_changes(api, "now")
        forced = await admin.put("/cdc/gaps", json={"count": 1, "recordId": account_id})
        assert forced.status_code == 200, forced.text

        await org.patch(f"{DATA}/sobjects/Account/{account_id}", json={"Phone": "+49 2"})
        read = await read_changes(api, start.json()["position"], wait_seconds=5)

        [change] = read.json()["items"]
        assert change["changeType"] == "resync"
        assert change["accountIds"] == [account_id]
        assert change["values"] == {}

    async def test_a_bare_replay_id_of_an_older_answer_is_read_on(
        self, api: httpx.AsyncClient, org: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        account_id = await an_account(org)
        latest = (await admin.get("/cdc/latest", params={"object": "Account"})).json()
        await org.patch(f"{DATA}/sobjects/Account/{account_id}", json={"Phone": "+49 3"})

        read = await read_changes(api, str(latest["replayId"]), wait_seconds=5)

        assert read.status_code == 200, read.text
        assert [item["values"].get("phone") for item in read.json()["items"]] == ["+49 3"]
        assert read.json()["position"] == read.json()["items"][0]["position"]

    async def test_a_bare_replay_id_is_answered_as_a_position(
        self, api: httpx.AsyncClient, org: httpx.AsyncClient, admin: httpx.AsyncClient
    ) -> None:
        await an_account(org)
        latest = (await admin.get("/cdc/latest", params={"object": "Account"})).json()

        read = await read_changes(api, str(latest["replayId"]))

        assert read.status_code == 200, read.text
        assert read.json()["position"] == replay_position(latest["replayId"])

    async def test_position_the_org_does_not_hold(self, api: httpx.AsyncClient) -> None:
        response = await read_changes(api, replay_position(987654321))

        assert response.status_code == 410
        assert response.json()["type"].endswith("/position-unavailable")

    async def test_subscription_no_replica_keeps_is_410(self, api: httpx.AsyncClient) -> None:
        gone = subscription_position("0" * 32)

        response = await read_changes(api, gone)

        assert response.status_code == 410
        assert response.json()["type"].endswith("/position-unavailable")

    async def test_malformed_position(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/account-changes", params={"position": "latest"})

        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["pointer"] == "/position"


class TestAccountProfiles:
    async def test_update_and_read_erp_fields(
        self, api: httpx.AsyncClient, org: httpx.AsyncClient
    ) -> None:
        account_id = await an_account(org)

        updated = await api.patch(
            f"/account-profiles/{account_id}",
            json={"creditLimit": "15000.00", "erpBlocked": True, "erpCustomerNumber": "99001"},
        )
        listed = await api.get("/account-profiles", params={"ids": account_id})

        assert updated.status_code == 200, updated.text
        assert updated.json()["creditLimit"] == {"amount": "15000.0", "currency": "EUR"}
        assert listed.json()["items"][0]["erpBlocked"] is True

    async def test_listing_needs_a_criterion(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/account-profiles")

        assert response.status_code == 422


class TestSetOrderErpStatus:
    async def test_written_once(self, api: httpx.AsyncClient, org: httpx.AsyncClient) -> None:
        account_id = await an_account(org)
        await org.post(
            f"{DATA}/sobjects/Order",
            json={"AccountId": account_id, "EffectiveDate": date.today().isoformat(),
                  "ERP_Order_Number__c": "77001", "ERP_Status__c": "Created"},
        )  # fmt: skip
        body = {"erpStatus": "Invoiced", "invoiceNumber": "90000077"}

        first = await api.patch("/orders/by-erp-order-number/77001/erp-status", json=body)
        second = await api.patch("/orders/by-erp-order-number/77001/erp-status", json=body)

        assert first.json()["changed"] is True
        assert first.json()["previousErpStatus"] == "Created"
        assert second.json()["changed"] is False

    async def test_unknown_erp_order(self, api: httpx.AsyncClient) -> None:
        response = await api.patch(
            "/orders/by-erp-order-number/404404/erp-status", json={"erpStatus": "Invoiced"}
        )

        assert response.status_code == 404
