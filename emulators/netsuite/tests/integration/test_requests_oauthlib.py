"""A widely used third-party client, requests-oauthlib's OAuth1 (HMAC-SHA256 with the account as
realm, the setup NetSuite documents for token-based authentication), unchanged, against a
running emulator process; and the client-credentials flow with PyJWT and requests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256
from requests_oauthlib import OAuth1

from trivium_testing.services import RunningService, start_service

from ..keys import CERTIFICATE_ID, CLIENT_ID, assertion, ec_key, write_certificate
from ..support import (
    ACCOUNT,
    ADMIN,
    CONSUMER_KEY,
    CONSUMER_SECRET,
    RECORD,
    SUITEQL,
    TEST_CREDENTIALS,
    TOKEN_ENDPOINT,
    TOKEN_ID,
    TOKEN_SECRET,
)

PRIVATE_KEY = ec_key()


@pytest.fixture(scope="module")
def emulator_process(trivium_run_dir: Path) -> Iterator[RunningService]:
    """One emulator process with the test credentials and a mapped OAuth 2.0 certificate."""
    certificate = write_certificate(PRIVATE_KEY, trivium_run_dir / "netsuite-integration.crt")
    service = start_service(
        "netsuite_emulator.main:create_app",
        name="netsuite-emulator",
        log_dir=trivium_run_dir / "logs",
        env={
            **TEST_CREDENTIALS,
            "NS_EMULATOR_DATABASE_PATH": ":memory:",
            "NS_EMULATOR_OAUTH2_CLIENT_ID": CLIENT_ID,
            "NS_EMULATOR_OAUTH2_CERTIFICATE_ID": CERTIFICATE_ID,
            "NS_EMULATOR_OAUTH2_CERTIFICATE_PATH": str(certificate),
        },
    )
    yield service
    service.stop()


@pytest.fixture
def session(emulator_process: RunningService) -> Iterator[requests.Session]:
    http = requests.Session()
    http.auth = OAuth1(
        CONSUMER_KEY,
        client_secret=CONSUMER_SECRET,
        resource_owner_key=TOKEN_ID,
        resource_owner_secret=TOKEN_SECRET,
        signature_method=SIGNATURE_HMAC_SHA256,
        realm=ACCOUNT,
    )
    yield http
    http.close()


class TestTokenBasedAuthentication:
    def test_read_a_customer(
        self, emulator_process: RunningService, session: requests.Session
    ) -> None:
        response = session.get(f"{emulator_process.url}{RECORD}/customer/2")
        assert response.status_code == 200, response.text
        assert response.json()["companyName"] == "Alpen Anlagenbau AG"

    def test_create_update_and_query(
        self, emulator_process: RunningService, session: requests.Session
    ) -> None:
        base = emulator_process.url
        created = session.post(
            f"{base}{RECORD}/salesOrder",
            json={
                "entity": {"id": "1"},
                "otherRefNum": "REQ-OAUTHLIB-1",
                "item": {"items": [{"item": {"id": "4"}, "quantity": 3}]},
            },
            headers={"X-NetSuite-Idempotency-Key": "9d3c1f8e-1111-4a4a-8b8b-000000000001"},
        )
        assert created.status_code == 204, created.text
        location = created.headers["Location"]
        assert location.startswith(f"{base}{RECORD}/salesOrder/")
        changed = session.patch(location, json={"memo": "rush"})
        assert changed.status_code == 204, changed.text
        rows = session.post(
            f"{base}{SUITEQL}",
            params={"limit": 5, "offset": 0},
            json={
                "q": "SELECT tranid, memo, foreigntotal FROM transaction "
                "WHERE otherrefnum = 'REQ-OAUTHLIB-1'"
            },
            headers={"Prefer": "transient"},
        )
        assert rows.status_code == 200, rows.text
        assert rows.json()["items"][0]["memo"] == "rush"

    def test_a_replayed_request_is_refused(
        self, emulator_process: RunningService, session: requests.Session
    ) -> None:
        prepared = session.prepare_request(
            requests.Request("GET", f"{emulator_process.url}{RECORD}/customer/1")
        )
        assert session.send(prepared).status_code == 200
        replayed = session.send(prepared)
        assert replayed.status_code == 401
        assert replayed.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_LOGIN"


class TestClientCredentials:
    def test_bearer_token(self, emulator_process: RunningService) -> None:
        token_url = f"{emulator_process.url}{TOKEN_ENDPOINT}"
        response = requests.post(
            token_url,
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion(PRIVATE_KEY, audience=token_url, now=time.time()),
            },
            timeout=10,
        )
        assert response.status_code == 200, response.text
        bearer = {"Authorization": f"Bearer {response.json()['access_token']}"}
        listed = requests.get(
            f"{emulator_process.url}{RECORD}/inventoryItem",
            headers=bearer,
            params={"limit": 5},
            timeout=10,
        )
        assert listed.status_code == 200, listed.text
        assert listed.json()["totalResults"] == 40

    def test_admin_needs_its_token(self, emulator_process: RunningService) -> None:
        url = f"{emulator_process.url}/__admin/concurrency"
        assert requests.get(url, timeout=10).status_code == 401
        assert requests.get(url, headers=ADMIN, timeout=10).json()["limit"] == 5
