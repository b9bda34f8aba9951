"""The Gateway conversation against recorded SAP answers: CSRF, logon, ETags, paging, errors."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from urllib.parse import unquote

import httpx
import pytest
import pytest_asyncio
from pytest_httpx import HTTPXMock

from erp_system.adapters.s4hana.auth import ClientCredentialsAuthenticator
from erp_system.adapters.s4hana.odata import ODataClient
from erp_system.domain.errors import (
    ConcurrentUpdate,
    ErpAuthenticationFailed,
    ErpRejected,
    ErpUnavailable,
    SalesOrderNotFound,
)

from . import sap_responses as sap
from .conftest import sap_http_client

pytestmark = pytest.mark.asyncio

SO_ROOT = re.compile(r".*/API_SALES_ORDER_SRV/\?sap-client=100$")
ORDERS = re.compile(r".*/API_SALES_ORDER_SRV/A_SalesOrder(\?.*)?$")
ONE_ORDER = re.compile(r".*/API_SALES_ORDER_SRV/A_SalesOrder\('4711'\).*")
CSRF_ANSWER = {
    "x-csrf-token": sap.CSRF_TOKEN,
    "set-cookie": sap.SESSION_COOKIE,
}


def expect_csrf_fetch(httpx_mock: HTTPXMock, token: str = sap.CSRF_TOKEN) -> None:
    httpx_mock.add_response(
        url=SO_ROOT,
        method="GET",
        match_headers={"X-CSRF-Token": "Fetch"},
        headers=[
            ("x-csrf-token", token),
            ("set-cookie", sap.SESSION_COOKIE),
            ("set-cookie", sap.USERCONTEXT_COOKIE),
        ],
        json={"d": {"EntitySets": ["A_SalesOrder"]}},
    )


def expect_created(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=ORDERS, method="POST", status_code=201, json=sap.one(sap.sales_order())
    )


class TestCsrf:
    async def test_token_is_fetched_once_and_sent_with_its_session_cookies(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        expect_csrf_fetch(httpx_mock)
        expect_created(httpx_mock)
        expect_created(httpx_mock)
        for _ in range(2):
            await odata.create("API_SALES_ORDER_SRV", "A_SalesOrder", {}, what="sales order")
        assert odata.csrf_fetches == 1
        for post in httpx_mock.get_requests(method="POST"):
            assert post.headers["x-csrf-token"] == sap.CSRF_TOKEN
            assert "SAP_SESSIONID_S4H_100=a1B2c3D4e5F6g7H8i9J0kLmN" in post.headers["cookie"]
            assert "sap-usercontext=sap-client=100" in post.headers["cookie"]
            assert post.url.params["sap-client"] == "100"

    async def test_expired_token_is_fetched_again_and_the_write_repeated_once(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        expect_csrf_fetch(httpx_mock, "old-token")
        httpx_mock.add_response(
            url=ORDERS,
            method="POST",
            status_code=403,
            headers={"x-csrf-token": "Required"},
            content=sap.CSRF_FAILED,
        )
        expect_csrf_fetch(httpx_mock, "new-token")
        expect_created(httpx_mock)
        created = await odata.create("API_SALES_ORDER_SRV", "A_SalesOrder", {}, what="order")
        assert created.data["SalesOrder"] == "4711"
        posts = httpx_mock.get_requests(method="POST")
        assert [p.headers["x-csrf-token"] for p in posts] == ["old-token", "new-token"]

    async def test_forbidden_without_required_is_an_authorisation_failure_not_retried(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        expect_csrf_fetch(httpx_mock)
        httpx_mock.add_response(url=ORDERS, method="POST", status_code=403, text="No authority")
        with pytest.raises(ErpAuthenticationFailed):
            await odata.create("API_SALES_ORDER_SRV", "A_SalesOrder", {}, what="order")
        assert len(httpx_mock.get_requests(method="POST")) == 1

    async def test_token_refused_twice_stops_after_one_renewal(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        for _ in range(2):
            expect_csrf_fetch(httpx_mock)
            httpx_mock.add_response(
                url=ORDERS, method="POST", status_code=403, headers={"x-csrf-token": "Required"}
            )
        with pytest.raises(ErpAuthenticationFailed):
            await odata.create("API_SALES_ORDER_SRV", "A_SalesOrder", {}, what="order")
        assert len(httpx_mock.get_requests(method="POST")) == 2

    async def test_renewed_token_goes_with_the_session_that_issued_it(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        bp_root = re.compile(r".*/API_BUSINESS_PARTNER/\?sap-client=100$")
        partners = re.compile(r".*/API_BUSINESS_PARTNER/A_BusinessPartner\?.*")
        expect_csrf_fetch(httpx_mock, "orders-token")  # session A
        expect_created(httpx_mock)
        await odata.create("API_SALES_ORDER_SRV", "A_SalesOrder", {}, what="sales order")
        httpx_mock.add_response(  # session A expired: the partner fetch opens session B
            url=bp_root,
            headers=[
                ("x-csrf-token", "partner-token"),
                ("set-cookie", "SAP_SESSIONID_S4H_100=B; path=/"),
            ],
            json={"d": {}},
        )
        httpx_mock.add_response(url=partners, method="POST", status_code=201, json=sap.one({}))
        await odata.create("API_BUSINESS_PARTNER", "A_BusinessPartner", {}, what="customer")
        httpx_mock.add_response(
            url=ORDERS, method="POST", status_code=403, headers={"x-csrf-token": "Required"}
        )
        httpx_mock.add_response(  # session B is alive: a token, no new cookie
            url=SO_ROOT,
            match_headers={"X-CSRF-Token": "Fetch"},
            headers={"x-csrf-token": "orders-token-b"},
            json={"d": {}},
        )
        expect_created(httpx_mock)
        await odata.create("API_SALES_ORDER_SRV", "A_SalesOrder", {}, what="sales order")
        last = httpx_mock.get_requests(url=ORDERS, method="POST")[-1]
        assert last.headers["x-csrf-token"] == "orders-token-b"
        assert "SAP_SESSIONID_S4H_100=B" in last.headers["cookie"]
        assert "a1B2c3D4" not in last.headers["cookie"]


class TestRead:
    async def test_json_client_and_basic_logon_are_sent(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(
            url=ONE_ORDER, json=sap.one(sap.sales_order()), headers={"etag": sap.ORDER_ETAG}
        )
        entity = await odata.read(
            "API_SALES_ORDER_SRV",
            "A_SalesOrder('4711')",
            options={"$expand": "to_Item"},
            what="sales order",
        )
        assert entity.etag == sap.ORDER_ETAG
        sent = httpx_mock.get_requests()[0]
        assert sent.headers["accept"] == "application/json"
        assert sent.headers["authorization"].startswith("Basic ")
        assert sent.url.params["sap-client"] == "100"
        assert sent.url.params["$expand"] == "to_Item"

    async def test_server_pages_are_followed_on_our_host(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        next_url = "https://internal-gw.example/sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder?$skiptoken=2"
        httpx_mock.add_response(
            url=ORDERS,
            json=sap.many([sap.sales_order("1"), sap.sales_order("2")], next_url=next_url),
        )
        httpx_mock.add_response(url=ORDERS, json=sap.many([sap.sales_order("3")]))
        rows = await odata.read_all(
            "API_SALES_ORDER_SRV", "A_SalesOrder", what="sales orders", limit=10
        )
        assert [row["SalesOrder"] for row in rows] == ["1", "2", "3"]
        second = httpx_mock.get_requests()[1]
        assert second.url.host == "my300000-api.s4hana.example"
        assert second.url.params["$skiptoken"] == "2"

    async def test_missing_entity_is_the_callers_not_found(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(url=ONE_ORDER, status_code=404, json=sap.NOT_FOUND)
        with pytest.raises(SalesOrderNotFound):
            await odata.read(
                "API_SALES_ORDER_SRV",
                "A_SalesOrder('4711')",
                what="sales order",
                not_found=SalesOrderNotFound,
            )

    async def test_outage_is_retried_then_503_with_retry_after(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        for _ in range(3):
            httpx_mock.add_response(url=ONE_ORDER, status_code=503, text="Service Unavailable")
        with pytest.raises(ErpUnavailable) as raised:
            await odata.read("API_SALES_ORDER_SRV", "A_SalesOrder('4711')", what="sales order")
        assert len(httpx_mock.get_requests()) == 3
        assert raised.value.headers["Retry-After"] == "30"


class TestWrite:
    async def test_business_error_is_422_pointing_at_our_field(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(
            url=re.compile(r".*/API_BUSINESS_PARTNER/\?sap-client=100$"),
            headers={"x-csrf-token": sap.CSRF_TOKEN},
            json={"d": {}},
        )
        httpx_mock.add_response(
            url=re.compile(r".*/A_BusinessPartner\?.*"),
            method="POST",
            status_code=400,
            json=sap.CURRENCY_REQUIRED,
        )
        with pytest.raises(ErpRejected) as raised:
            await odata.create(
                "API_BUSINESS_PARTNER", "A_BusinessPartner", {"x": 1}, what="customer"
            )
        assert "Currency (KNVV-WAERS) is a required entry field" in str(raised.value.detail)
        assert raised.value.errors is not None
        assert raised.value.errors[0].pointer == "/salesArea/currency"
        assert len(httpx_mock.get_requests(method="POST")) == 1

    async def test_update_sends_if_match_and_412_is_a_conflict(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        expect_csrf_fetch(httpx_mock)
        httpx_mock.add_response(
            url=ONE_ORDER, method="PATCH", status_code=204, headers={"etag": sap.NEWER_ORDER_ETAG}
        )
        httpx_mock.add_response(
            url=ONE_ORDER,
            method="PATCH",
            status_code=412,
            json=sap.sap_error("/IWBEP/CM_MGW_RT/022", "Precondition failed"),
        )
        path = "A_SalesOrder('4711')"
        body = {"RequestedDeliveryDate": "/Date(1715126400000)/"}
        new_etag = await odata.update(
            "API_SALES_ORDER_SRV", path, body, etag=sap.ORDER_ETAG, what="sales order"
        )
        assert new_etag == sap.NEWER_ORDER_ETAG
        with pytest.raises(ConcurrentUpdate):
            await odata.update(
                "API_SALES_ORDER_SRV", path, body, etag=sap.ORDER_ETAG, what="sales order"
            )
        patches = httpx_mock.get_requests(method="PATCH")
        assert [p.headers["if-match"] for p in patches] == [sap.ORDER_ETAG, sap.ORDER_ETAG]
        assert len(patches) == 2


class TestBatch:
    async def test_many_reads_in_one_post(self, odata: ODataClient, httpx_mock: HTTPXMock) -> None:
        httpx_mock.add_response(
            url=re.compile(r".*/API_MATERIAL_STOCK_SRV/\?sap-client=100$"),
            headers={"x-csrf-token": sap.CSRF_TOKEN},
            json={"d": {}},
        )
        httpx_mock.add_response(
            url=re.compile(r".*/API_MATERIAL_STOCK_SRV/\$batch\?sap-client=100$"),
            method="POST",
            status_code=202,
            headers={"content-type": "multipart/mixed; boundary=batchresp_5F3A"},
            content=sap.batch_answer([(200, sap.many([])), (404, sap.NOT_FOUND)]),
        )
        parts = await odata.batch_read(
            "API_MATERIAL_STOCK_SRV",
            ["A_MaterialStock('A')", "A_MaterialStock('B')"],
            what="stock",
        )
        assert [part.status for part in parts] == [200, 404]
        sent = httpx_mock.get_requests(method="POST")[0]
        assert sent.headers["content-type"].startswith("multipart/mixed; boundary=batch_")
        assert unquote(sent.content.decode()).count("GET A_MaterialStock(") == 2


@pytest_asyncio.fixture
async def oauth_odata() -> AsyncIterator[tuple[ODataClient, ClientCredentialsAuthenticator]]:
    http = sap_http_client()
    auth = ClientCredentialsAuthenticator(
        http=http,
        token_url=f"{sap.HOST}/sap/bc/sec/oauth2/token",
        client_id="TRIVIUM_OAUTH_CLIENT",
        client_secret="secret",
        sap_client="100",
    )
    yield ODataClient(http=http, auth=auth, sap_client="100"), auth
    await http.aclose()


class TestOAuth:
    async def test_token_reused_and_renewed_once_when_rejected(
        self,
        oauth_odata: tuple[ODataClient, ClientCredentialsAuthenticator],
        httpx_mock: HTTPXMock,
    ) -> None:
        odata, auth = oauth_odata
        token_url = re.compile(r".*/sap/bc/sec/oauth2/token\?sap-client=100$")
        for token in ("first", "second"):
            httpx_mock.add_response(
                url=token_url,
                method="POST",
                json={"access_token": token, "token_type": "bearer", "expires_in": 3600},
            )
        httpx_mock.add_response(url=ONE_ORDER, json=sap.one(sap.sales_order()))
        httpx_mock.add_response(url=ONE_ORDER, status_code=401, text="Logon failed")
        httpx_mock.add_response(url=ONE_ORDER, json=sap.one(sap.sales_order()))
        for _ in range(2):
            await odata.read("API_SALES_ORDER_SRV", "A_SalesOrder('4711')", what="order")
        token_request = httpx_mock.get_requests(url=token_url)[0]
        assert token_request.content == b"grant_type=client_credentials"
        assert token_request.headers["authorization"].startswith("Basic ")
        reads = httpx_mock.get_requests(url=ONE_ORDER)
        assert [r.headers["authorization"] for r in reads] == [
            "Bearer first",
            "Bearer first",
            "Bearer second",
        ]
        assert auth.fetches == 2

    async def test_refused_client_is_an_authentication_problem(
        self,
        oauth_odata: tuple[ODataClient, ClientCredentialsAuthenticator],
        httpx_mock: HTTPXMock,
    ) -> None:
        odata, _ = oauth_odata
        httpx_mock.add_response(
            url=re.compile(r".*/oauth2/token.*"),
            method="POST",
            status_code=401,
            json={"error": "invalid_client"},
        )
        with pytest.raises(ErpAuthenticationFailed):
            await odata.read("API_SALES_ORDER_SRV", "A_SalesOrder('4711')", what="order")


class TestTransport:
    async def test_unreachable_system_is_503(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        for _ in range(3):
            httpx_mock.add_exception(httpx.ConnectError("refused"), url=ONE_ORDER)
        with pytest.raises(ErpUnavailable):
            await odata.read("API_SALES_ORDER_SRV", "A_SalesOrder('4711')", what="order")
