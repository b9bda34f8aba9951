"""Helpers shared by the emulator tests: credentials, a TBA-signing httpx auth, error checks."""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime
from typing import Any

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client

from netsuite_emulator.settings import NetSuiteEmulatorSettings

ACCOUNT = "1234567_SB1"
CONSUMER_KEY = "c" * 64
CONSUMER_SECRET = "test-consumer-secret"
TOKEN_ID = "t" * 64
TOKEN_SECRET = "test-token-secret"
ADMIN = {"X-Admin-Token": "test-admin-token"}
RECORD = "/services/rest/record/v1"
SUITEQL = "/services/rest/query/v1/suiteql"
TOKEN_ENDPOINT = "/services/rest/auth/oauth2/v1/token"
# The account's credentials in these tests (the emulator has none by default: each is random).
TEST_CREDENTIALS = {
    "NS_EMULATOR_ACCOUNT_ID": ACCOUNT,
    "NS_EMULATOR_CONSUMER_KEY": CONSUMER_KEY,
    "NS_EMULATOR_CONSUMER_SECRET": CONSUMER_SECRET,
    "NS_EMULATOR_TOKEN_ID": TOKEN_ID,
    "NS_EMULATOR_TOKEN_SECRET": TOKEN_SECRET,
    "NS_EMULATOR_ADMIN_TOKEN": ADMIN["X-Admin-Token"],
    "NS_EMULATOR_LIFECYCLE_SPEED": "0",
}


def make_settings(**overrides: Any) -> NetSuiteEmulatorSettings:
    """An in-memory account with the demo data and the test credentials, unless overridden."""
    values: dict[str, Any] = {
        "database_path": ":memory:",
        "account_id": ACCOUNT,
        "consumer_key": CONSUMER_KEY,
        "consumer_secret": CONSUMER_SECRET,
        "token_id": TOKEN_ID,
        "token_secret": TOKEN_SECRET,
        "admin_token": ADMIN["X-Admin-Token"],
        "chaos_seed": 7,
        "lifecycle_speed": 0,
    }
    values.update(overrides)
    return NetSuiteEmulatorSettings(**values)


class TokenBasedAuth(httpx.Auth):
    """OAuth 1.0a HMAC-SHA256 signing by oauthlib (an implementation independent of ours)."""

    def __init__(self, *, consumer_secret: str = CONSUMER_SECRET, realm: str = ACCOUNT) -> None:
        self.client = Client(
            CONSUMER_KEY,
            client_secret=consumer_secret,
            resource_owner_key=TOKEN_ID,
            resource_owner_secret=TOKEN_SECRET,
            signature_method=SIGNATURE_HMAC_SHA256,
            realm=realm,
        )

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        _, headers, _ = self.client.sign(str(request.url), http_method=request.method)
        request.headers["Authorization"] = headers["Authorization"]
        yield request


def netsuite_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is NetSuite's error body with this status and code; returns the detail."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    detail: dict[str, Any] = body["o:errorDetails"][0]
    assert detail["o:errorCode"] == code, body
    assert detail["detail"]
    return detail


def record_id(response: httpx.Response) -> str:
    """The id of the record a 204 create answered with in `Location`."""
    assert response.status_code == 204, response.text
    return response.headers["location"].rsplit("/", 1)[-1]


def order_body(customer: str = "1", *lines: tuple[str, float], **extra: Any) -> dict[str, Any]:
    items = lines or (("2", 2),)
    return {
        "entity": {"id": customer},
        "otherRefNum": "TEST-PO-1",
        "item": {
            "items": [{"item": {"id": item}, "quantity": quantity} for item, quantity in items]
        },
        **extra,
    }


class AccountClock:
    """The account's clock in a test: now, until the test moves it."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now
