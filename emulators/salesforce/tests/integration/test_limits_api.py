from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from salesforce_emulator.settings import SalesforceEmulatorSettings

pytestmark = pytest.mark.asyncio


class TestLimitInfoHeader:
    async def test_counts_every_call(self, api: httpx.AsyncClient) -> None:
        first = await api.get("limits/")
        second = await api.get("sobjects/Account/001000000000999AAA")
        assert first.headers["sforce-limit-info"] == "api-usage=1/100000"
        assert second.status_code == 404
        assert second.headers["sforce-limit-info"] == "api-usage=2/100000"

    async def test_limits_resource(self, api: httpx.AsyncClient) -> None:
        body = (await api.get("limits")).json()
        assert body["DailyApiRequests"] == {"Max": 100000, "Remaining": 99999}
        assert "DailyBulkV2QueryJobs" in body


class TestRequestLimitExceeded:
    @pytest.fixture
    def settings(self) -> SalesforceEmulatorSettings:
        return SalesforceEmulatorSettings(
            database_path=":memory:", seed_demo_data=False, daily_api_requests=2
        )

    async def test_refused_with_403_once_exhausted(
        self, api: httpx.AsyncClient, salesforce_error: Callable[..., dict[str, Any]]
    ) -> None:
        assert (await api.get("limits")).status_code == 200
        assert (await api.get("limits")).status_code == 200
        response = await api.get("limits")
        item = salesforce_error(response, 403, "REQUEST_LIMIT_EXCEEDED")
        assert item["message"] == "TotalRequests Limit exceeded."
        assert response.headers["sforce-limit-info"] == "api-usage=2/2"
