"""The System API logs in with the JWT bearer flow, signed with the connected app's key."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def system_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    key = files("salesforce_emulator.demo").joinpath("connected-app.key").read_bytes()
    key_path = Path(tmp_path_factory.mktemp("jwt")) / "connected-app.key"
    key_path.write_bytes(key)
    return {
        "SF_SYSTEM_AUTH_FLOW": "jwt_bearer",
        "SF_SYSTEM_PRIVATE_KEY_PATH": str(key_path),
        "SF_SYSTEM_USERNAME": "integration@trivium.demo",
        "SF_SYSTEM_JWT_AUDIENCE": "https://login.salesforce.com",
    }


class TestJwtBearerLogin:
    async def test_reads_work_with_a_jwt_session(self, api: httpx.AsyncClient) -> None:
        response = await api.get("/accounts", params={"accountNumber": "P-1001"})
        assert response.status_code == 200, response.text
        assert response.json()["items"][0]["erpCustomerNumber"] == "1000001"
