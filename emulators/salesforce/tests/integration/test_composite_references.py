"""`@{...}` is a reference inside composite subrequests only; other writes store it as text."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .subrequests import sub

pytestmark = pytest.mark.asyncio

TEXT = "PO @{order.id} @{nope} \\'\"%_ \u05e9\u05dc\u05d5\u05dd \U0001f600"


async def composite(api: httpx.AsyncClient, *requests: dict[str, Any]) -> list[dict[str, Any]]:
    response = await api.post("composite", json={"allOrNone": True, "compositeRequest": requests})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["compositeResponse"]
    return results


class TestCompositeReferences:
    async def test_an_unknown_reference_in_a_body_halts_the_request(
        self, api: httpx.AsyncClient
    ) -> None:
        [result] = await composite(
            api, sub("POST", "/sobjects/Account", "acct", {"Name": "PO @{order.id}"})
        )
        assert result["httpStatusCode"] == 400
        [error] = result["body"]
        assert error["errorCode"] == "PROCESSING_HALTED"
        assert error["message"].startswith(
            "Invalid reference specified. No value for order.id found in order."
        )

    async def test_bad_reference_syntax_halts_the_request(self, api: httpx.AsyncClient) -> None:
        [result] = await composite(
            api, sub("POST", "/sobjects/Account", "acct", {"Name": "A @{not a reference}"})
        )
        assert result["httpStatusCode"] == 400
        assert result["body"][0]["errorCode"] == "PROCESSING_HALTED"
        assert "No value for not a reference" in result["body"][0]["message"]

    async def test_a_reference_in_a_url_is_resolved(self, api: httpx.AsyncClient) -> None:
        results = await composite(
            api,
            sub("POST", "/sobjects/Account", "acct", {"Name": "Url reference"}),
            sub("GET", "/sobjects/Account/@{acct.id}?fields=Name", "read"),
            sub("GET", "/sobjects/Account/@{missing.id}", "lost"),
        )
        assert [result["httpStatusCode"] for result in results] == [400, 400, 400]
        assert "No value for missing.id" in results[2]["body"][0]["message"]
        [first, second] = await composite(
            api,
            sub("POST", "/sobjects/Account", "acct", {"Name": "Url reference"}),
            sub("GET", "/sobjects/Account/@{acct.id}?fields=Name", "read"),
        )
        assert second["body"]["attributes"]["url"].endswith(first["body"]["id"])


class TestPlainWrites:
    async def test_sobject_writes_store_reference_text_as_is(self, api: httpx.AsyncClient) -> None:
        created = await api.post("sobjects/Account", json={"Name": TEXT})
        assert created.status_code == 201, created.text
        account_id = created.json()["id"]
        updated = await api.patch(f"sobjects/Account/{account_id}", json={"Phone": "@{acct.id}"})
        assert updated.status_code == 204
        account = (await api.get(f"sobjects/Account/{account_id}")).json()
        assert (account["Name"], account["Phone"]) == (TEXT, "@{acct.id}")

    async def test_collections_store_reference_text_as_is(self, api: httpx.AsyncClient) -> None:
        response = await api.post(
            "composite/sobjects",
            json={
                "allOrNone": True,
                "records": [{"attributes": {"type": "Account"}, "Name": TEXT}],
            },
        )
        assert response.status_code == 200, response.text
        [result] = response.json()
        assert result["success"], result
        account = (await api.get(f"sobjects/Account/{result['id']}")).json()
        assert account["Name"] == TEXT
