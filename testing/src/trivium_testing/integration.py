"""What the integration tests of several services do alike: arrange and read records in the
Salesforce emulator, and wait for an asynchronous request of a service to reach a status."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from trivium_testing.stack import SALESFORCE_DATA_PATH


class OrgRecords:
    """Records of the Salesforce emulator's org, through its REST API (`org` is signed in)."""

    def __init__(self, org: httpx.AsyncClient) -> None:
        self.org = org

    async def query(self, soql: str) -> list[dict[str, Any]]:
        response = await self.org.get(f"{SALESFORCE_DATA_PATH}/query", params={"q": soql})
        response.raise_for_status()
        records: list[dict[str, Any]] = response.json()["records"]
        return records

    async def insert(self, sobject: str, fields: dict[str, Any]) -> str:
        """Create a record; its id."""
        response = await self.org.post(f"{SALESFORCE_DATA_PATH}/sobjects/{sobject}", json=fields)
        assert response.status_code == 201, response.text
        record_id: str = response.json()["id"]
        return record_id

    async def update(self, sobject: str, record_id: str, fields: dict[str, Any]) -> None:
        response = await self.org.patch(
            f"{SALESFORCE_DATA_PATH}/sobjects/{sobject}/{record_id}", json=fields
        )
        assert response.status_code == 204, response.text


async def wait_for_status(
    client: httpx.AsyncClient, path: str, *, until: str, within_seconds: float = 30
) -> dict[str, Any]:
    """Poll the resource at `path` until its `status` is `until` (or fail with its last state;
    the deadline only stops a test that hangs)."""
    deadline = asyncio.get_running_loop().time() + within_seconds
    state: dict[str, Any] = {}
    while asyncio.get_running_loop().time() < deadline:
        response = await client.get(path)
        if response.status_code == 200:
            state = response.json()
            if state["status"] == until:
                return state
        await asyncio.sleep(0.1)
    raise AssertionError(f"{path} did not become {until!r}: {state}")
