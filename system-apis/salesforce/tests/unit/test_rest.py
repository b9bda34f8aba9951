"""The REST conversation with an org, against recorded Salesforce responses."""

from __future__ import annotations

from types import ModuleType

import pytest
import pytest_asyncio
import redis.asyncio
from pytest_httpx import HTTPXMock

from salesforce_system.adapters.salesforce.budget import BUDGET_KEY
from salesforce_system.adapters.salesforce.composite import raise_for_results
from salesforce_system.adapters.salesforce.rest import SalesforceRest
from salesforce_system.domain.errors import (
    CrmBudgetExhausted,
    CrmUnavailable,
    RecordRejected,
)

pytestmark = pytest.mark.asyncio


class TestLogin:
    @pytest.mark.usefixtures("signed_in")
    async def test_logs_in_once_and_shares_the_session(
        self,
        sf: ModuleType,
        rest: SalesforceRest,
        httpx_mock: HTTPXMock,
        redis_client: redis.asyncio.Redis,
    ) -> None:
        for _ in range(3):
            httpx_mock.add_response(
                url=f"{sf.DATA}/limits", json={"DailyApiRequests": {"Max": 1, "Remaining": 1}}
            )
            await rest.call("GET", "/limits")
        token_requests = httpx_mock.get_requests(url=sf.TOKEN_URL)
        assert len(token_requests) == 1
        assert b"grant_type=client_credentials" in token_requests[0].content
        assert await redis_client.exists("trivium:salesforce:session:unit-client")
        api_request = httpx_mock.get_requests(url=f"{sf.DATA}/limits")[0]
        assert api_request.headers["authorization"] == "Bearer 00D000000000001!AQ8AQtoken1"
        assert api_request.headers["sforce-call-options"] == "client=trivium"

    async def test_expired_session_is_renewed_once_and_the_call_repeated(
        self, sf: ModuleType, rest: SalesforceRest, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(url=sf.TOKEN_URL, method="POST", json=sf.token("00D!old"))
        httpx_mock.add_response(url=f"{sf.DATA}/limits", status_code=401, json=sf.SESSION_EXPIRED)
        httpx_mock.add_response(url=sf.TOKEN_URL, method="POST", json=sf.token("00D!new"))
        httpx_mock.add_response(url=f"{sf.DATA}/limits", json={"ok": True})
        response = await rest.call("GET", "/limits")
        assert response.json() == {"ok": True}
        last = httpx_mock.get_requests(url=f"{sf.DATA}/limits")[-1]
        assert last.headers["authorization"] == "Bearer 00D!new"


@pytest.mark.usefixtures("signed_in")
class TestQuery:
    async def test_follows_next_records_url_across_pages(
        self, sf: ModuleType, rest: SalesforceRest, httpx_mock: HTTPXMock
    ) -> None:
        locator = "/services/data/v62.0/query/01g000000000001AAA-2000"
        first = [sf.account(f"001000000000{n:03d}AAA") for n in range(2)]
        second = [sf.account("001000000000099AAA")]
        httpx_mock.add_response(
            url=f"{sf.DATA}/query?q=SELECT+Id+FROM+Account",
            json=sf.query_page(first, total=3, next_url=locator),
        )
        httpx_mock.add_response(
            url=f"{sf.INSTANCE}{locator}", json=sf.query_page(second, total=3, next_url=None)
        )
        records = await rest.query_all_pages("SELECT Id FROM Account")
        assert [record["Id"] for record in records] == [
            "001000000000000AAA",
            "001000000000001AAA",
            "001000000000099AAA",
        ]


@pytest.mark.usefixtures("signed_in")
class TestComposite:
    async def test_partial_failure_raises_the_cause_not_the_halted(
        self, sf: ModuleType, rest: SalesforceRest, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(
            url=f"{sf.DATA}/composite",
            method="POST",
            json={
                "compositeResponse": [
                    {
                        "body": sf.REQUIRED_NAME,
                        "httpHeaders": {},
                        "httpStatusCode": 400,
                        "referenceId": "created",
                    },
                    {
                        "body": sf.HALTED,
                        "httpHeaders": {},
                        "httpStatusCode": 400,
                        "referenceId": "account",
                    },
                ]
            },
        )
        results = await rest.composite(
            [{"method": "POST", "url": "/sobjects/Account", "referenceId": "created", "body": {}}]
        )
        with pytest.raises(RecordRejected) as raised:
            raise_for_results(results, what="account")
        assert raised.value.errors is not None
        assert raised.value.errors[0].pointer == "/name"
        sent = httpx_mock.get_requests(url=f"{sf.DATA}/composite")[0]
        assert b'"/services/data/v62.0/sobjects/Account"' in sent.content


@pytest_asyncio.fixture
async def budget_reported(
    signed_in: None, sf: ModuleType, rest: SalesforceRest, httpx_mock: HTTPXMock
) -> None:
    """A first call whose answer reports 18 of the org's 15000 daily calls used."""
    httpx_mock.add_response(url=f"{sf.DATA}/limits", json={}, headers=sf.LIMIT_INFO)
    await rest.call("GET", "/limits")


@pytest.mark.usefixtures("budget_reported")
class TestLimits:
    async def test_budget_is_published_from_every_response(
        self, rest: SalesforceRest, redis_client: redis.asyncio.Redis
    ) -> None:
        published = await redis_client.hgetall(BUDGET_KEY)
        assert published[b"remaining"] == b"14982"
        assert published[b"max"] == b"15000"
        assert await rest.budget.remaining() == 14982

    async def test_limit_exceeded_is_503_with_retry_after_and_zero_published(
        self,
        sf: ModuleType,
        rest: SalesforceRest,
        httpx_mock: HTTPXMock,
        redis_client: redis.asyncio.Redis,
    ) -> None:
        httpx_mock.add_response(url=f"{sf.DATA}/limits", status_code=403, json=sf.LIMIT_EXCEEDED)
        with pytest.raises(CrmBudgetExhausted) as raised:
            await rest.call("GET", "/limits")
        assert raised.value.status == 503
        assert "Retry-After" in raised.value.headers
        assert (await redis_client.hgetall(BUDGET_KEY))[b"remaining"] == b"0"


@pytest.mark.usefixtures("signed_in")
class TestTransientFailures:
    async def test_row_lock_on_an_idempotent_call_is_retried(
        self, sf: ModuleType, rest: SalesforceRest, httpx_mock: HTTPXMock
    ) -> None:
        url = f"{sf.DATA}/sobjects/Account/ERP_Customer_Number__c/1000001"
        httpx_mock.add_response(url=url, method="PATCH", status_code=400, json=sf.ROW_LOCK)
        httpx_mock.add_response(
            url=url,
            method="PATCH",
            status_code=201,
            json={"id": "001000000000001AAA", "success": True, "created": True},
        )
        response = await rest.call(
            "PATCH",
            "/sobjects/Account/ERP_Customer_Number__c/1000001",
            json={"Name": "A"},
            idempotent=True,
        )
        assert response.status_code == 201
        assert len(httpx_mock.get_requests(url=url)) == 2

    async def test_row_lock_on_a_create_is_not_retried(
        self, sf: ModuleType, rest: SalesforceRest, httpx_mock: HTTPXMock
    ) -> None:
        url = f"{sf.DATA}/sobjects/Account"
        httpx_mock.add_response(url=url, method="POST", status_code=400, json=sf.ROW_LOCK)
        with pytest.raises(CrmUnavailable):
            await rest.call("POST", "/sobjects/Account", json={"Name": "A"})
        assert len(httpx_mock.get_requests(url=url)) == 1
