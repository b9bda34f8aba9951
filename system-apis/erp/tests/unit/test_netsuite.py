"""The NetSuite adapter against recorded SuiteTalk answers: how it signs, what it asks, what it
makes of the answers and of NetSuite's errors."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
import pytest_asyncio
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client
from pytest_httpx import HTTPXMock

from erp_system.adapters.netsuite.auth import SignedRequests, TokenBasedAuth
from erp_system.adapters.netsuite.erp import NetSuiteErp
from erp_system.adapters.netsuite.mapping import address_book, street_and_number
from erp_system.adapters.netsuite.rest import IDEMPOTENCY_HEADER, SuiteTalkClient
from erp_system.domain.errors import (
    CreditAccountNotFound,
    CustomerNotFound,
    ErpAuthenticationFailed,
    ErpError,
    ErpRejected,
    ErpUnavailable,
)
from erp_system.domain.models import (
    AddressInput,
    ExposureSource,
    SalesOrderCreate,
    SalesOrderLineCreate,
    SalesOrderStatus,
)
from trivium.http_client import create_http_client

from . import netsuite_responses as ns

CREDENTIALS = {
    "realm": "1234567_SB1",
    "consumer_key": "ck" * 32,
    "consumer_secret": "consumer-secret",
    "token_id": "ti" * 32,
    "token_secret": "token-secret",
}
NOW = 1_765_000_000


def signer(nonces: list[str] | None = None) -> TokenBasedAuth:
    counter = itertools.count()
    source = iter(nonces) if nonces else (f"nonce{n}" for n in counter)
    return TokenBasedAuth(**CREDENTIALS, clock=lambda: NOW, nonce=lambda: next(source))


@pytest_asyncio.fixture
async def netsuite() -> AsyncIterator[NetSuiteErp]:
    http = create_http_client(
        backend="netsuite-unit",
        base_url=ns.HOST,
        transport="httpcore",
        max_retries=2,
        backoff_seconds=0.001,
        sign=signer(),
    )
    yield NetSuiteErp(
        SuiteTalkClient(http=http, auth=SignedRequests()),
        currency="EUR",
        location=None,
        subsidiary=None,
    )
    await http.aclose()


def query_of(request: httpx.Request) -> str:
    return str(json.loads(request.content)["q"])


class TestTokenBasedAuth:
    def test_signature_is_the_one_oauthlib_computes(self) -> None:
        request = httpx.Request("GET", f"{ns.RECORDS}/customer/2?expandSubResources=true&a=b c")
        signer(["fixednonce"])(request)
        reference = Client(
            CREDENTIALS["consumer_key"],
            client_secret=CREDENTIALS["consumer_secret"],
            resource_owner_key=CREDENTIALS["token_id"],
            resource_owner_secret=CREDENTIALS["token_secret"],
            signature_method=SIGNATURE_HMAC_SHA256,
            realm=CREDENTIALS["realm"],
            nonce="fixednonce",
            timestamp=str(NOW),
        )
        _, headers, _ = reference.sign(str(request.url), "GET")
        ours = dict(part.split("=", 1) for part in request.headers["Authorization"][6:].split(", "))
        theirs = dict(part.split("=", 1) for part in headers["Authorization"][6:].split(", "))
        assert ours["oauth_signature"] == theirs["oauth_signature"]
        assert ours["realm"] == '"1234567_SB1"'

    @pytest.mark.asyncio
    async def test_a_resent_request_is_signed_anew(
        self, netsuite: NetSuiteErp, httpx_mock: HTTPXMock
    ) -> None:
        # The same request object is resent: note its header as each attempt carries it.
        nonces: list[str] = []
        answers = iter(
            [
                httpx.Response(429, json=ns.error(429, "CONCURRENCY_LIMIT_EXCEEDED", "Busy.")),
                httpx.Response(200, json=ns.page(ns.customer_row())),
            ]
        )

        def answer(request: httpx.Request) -> httpx.Response:
            nonces.append(request.headers["Authorization"].split("oauth_nonce=")[1].split(",")[0])
            return next(answers)

        httpx_mock.add_callback(answer, is_reusable=True)
        await netsuite.get_customer("1000002")
        assert len(nonces) == 2
        assert nonces[0] != nonces[1]


class TestCustomers:
    @pytest.mark.asyncio
    async def test_read_by_customer_number_with_its_address_and_terms(
        self, netsuite: NetSuiteErp, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(json=ns.page(ns.customer_row()))
        customer = await netsuite.get_customer("1000002")
        request = httpx_mock.get_requests()[0]
        assert "c.entityid = '1000002'" in query_of(request)
        assert "LEFT JOIN entityaddress a ON a.nkey = c.defaultbillingaddress" in query_of(request)
        assert request.headers["Prefer"] == "transient"
        assert customer.id == "1000002"
        assert customer.address is not None
        assert customer.address.city == "München"
        assert customer.sales_areas[0].payment_terms == "1"

    @pytest.mark.asyncio
    async def test_quotes_in_the_number_are_doubled(
        self, netsuite: NetSuiteErp, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(json=ns.page())
        with pytest.raises(CustomerNotFound):
            await netsuite.get_customer("1' OR '1'='1")
        assert "c.entityid = '1'' OR ''1''=''1'" in query_of(httpx_mock.get_requests()[0])


class TestAddressLine:
    @pytest.mark.parametrize(
        ("line", "street", "number"),
        [
            ("Leopoldstrasse 1", "Leopoldstrasse", "1"),
            ("Am Alten Hafen 12a", "Am Alten Hafen", "12a"),
            ("Koenigsallee 12-14", "Koenigsallee", "12-14"),
            ("2100 North First Street", "2100 North First Street", None),
            ("Hauptstr. 1", "Hauptstr.", "1"),
            ("Postfach", "Postfach", None),
            ("Route 66 Diner", "Route 66 Diner", None),
        ],
    )
    def test_street_and_house_number_are_told_apart(
        self, line: str, street: str, number: str | None
    ) -> None:
        assert street_and_number(line) == (street, number)
        assert " ".join(part for part in (street, number) if part) == line

    @pytest.mark.asyncio
    async def test_what_the_adapter_writes_reads_back_the_same(
        self, netsuite: NetSuiteErp, httpx_mock: HTTPXMock
    ) -> None:
        written = address_book(
            AddressInput(street="Leopoldstrasse", house_number="1", city="Muenchen", country="DE")
        )
        line = written["items"][0]["addressBookAddress"]["addr1"]
        httpx_mock.add_response(json=ns.page(ns.customer_row(addr1=line)))
        customer = await netsuite.get_customer("1000002")
        assert customer.address is not None
        assert (customer.address.street, customer.address.house_number) == ("Leopoldstrasse", "1")


class TestCredit:
    @pytest.mark.asyncio
    async def test_exposure_is_balance_plus_unbilled_orders(
        self, netsuite: NetSuiteErp, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(json=ns.page(ns.customer_row()))
        credit = await netsuite.get_credit("1000002")
        assert (credit.limit, credit.exposure, credit.available) == (
            Decimal(150000),
            Decimal("2050.5"),
            Decimal("147949.5"),
        )
        assert credit.exposure_source == ExposureSource.BACKEND
        assert credit.blocked is False

    @pytest.mark.asyncio
    async def test_credit_hold_blocks_and_no_limit_is_no_credit_account(
        self, netsuite: NetSuiteErp, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_response(json=ns.page(ns.customer_row(creditholdoverride="ON")))
        row = ns.customer_row()
        del row["creditlimit"]
        httpx_mock.add_response(json=ns.page(row))
        assert (await netsuite.get_credit("1000002")).blocked is True
        with pytest.raises(CreditAccountNotFound):
            await netsuite.get_credit("1000002")


def two_line_order() -> SalesOrderCreate:
    return SalesOrderCreate(
        customer_id="1000002",
        external_reference="PO-4711",
        lines=[
            SalesOrderLineCreate(sku="MAT-0002", quantity=Decimal(2)),
            SalesOrderLineCreate(sku="MAT-0003", quantity=Decimal(1), unit_price=Decimal("9.5")),
        ],
    )


def expect_lookups(httpx_mock: HTTPXMock, items: dict[str, str]) -> None:
    """The answers to an order's two lookups: customer 1000002 (internal id 2) and the items
    found of the order's two skus (sku: internal id)."""
    httpx_mock.add_response(url=f"{ns.SUITEQL}?limit=1&offset=0", json=ns.page({"id": "2"}))
    httpx_mock.add_response(
        url=f"{ns.SUITEQL}?limit=2&offset=0",
        json=ns.page(*({"id": number, "itemid": sku} for sku, number in items.items())),
    )


class TestCreateSalesOrder:
    @pytest.mark.asyncio
    async def test_created_once_with_an_idempotency_key_kept_over_a_retry(
        self, netsuite: NetSuiteErp, httpx_mock: HTTPXMock
    ) -> None:
        expect_lookups(httpx_mock, {"MAT-0002": "12", "MAT-0003": "13"})
        busy = ns.error(429, "CONCURRENCY_LIMIT_EXCEEDED", "Concurrent request limit exceeded.")
        orders = f"{ns.RECORDS}/salesOrder"
        httpx_mock.add_response(url=orders, method="POST", status_code=429, json=busy)
        httpx_mock.add_response(
            url=orders, method="POST", status_code=204, headers={"Location": f"{orders}/31"}
        )
        httpx_mock.add_response(
            url=f"{ns.SUITEQL}?limit=1&offset=0", json=ns.page(ns.order_row("31"))
        )
        httpx_mock.add_response(
            url=f"{ns.SUITEQL}?limit=1000&offset=0",
            json=ns.page(
                ns.line_row("31", 1, "MAT-0002", "2", "155.5"),
                ns.line_row("31", 2, "MAT-0003", "1", "9.5"),
            ),
        )

        created = await netsuite.create_sales_order(two_line_order())

        posts = httpx_mock.get_requests(method="POST", url=orders)
        assert len(posts) == 2
        assert posts[0].headers[IDEMPOTENCY_HEADER] == posts[1].headers[IDEMPOTENCY_HEADER]
        assert json.loads(posts[0].content) == {
            "entity": {"id": "2"},
            "otherRefNum": "PO-4711",
            "item": {
                "items": [
                    {"item": {"id": "12"}, "quantity": 2.0},
                    {"item": {"id": "13"}, "quantity": 1.0, "rate": 9.5},
                ]
            },
        }
        assert created.id == "31"
        assert created.status == SalesOrderStatus.OPEN
        assert [(line.sku, line.quantity) for line in created.lines] == [
            ("MAT-0002", Decimal(2)),
            ("MAT-0003", Decimal(1)),
        ]

    @pytest.mark.asyncio
    async def test_unknown_sku_is_rejected_before_anything_is_written(
        self, netsuite: NetSuiteErp, httpx_mock: HTTPXMock
    ) -> None:
        expect_lookups(httpx_mock, {"MAT-0002": "12"})
        with pytest.raises(ErpRejected) as rejected:
            await netsuite.create_sales_order(two_line_order())
        assert [error.pointer for error in rejected.value.errors] == ["/lines/sku"]
        assert not httpx_mock.get_requests(method="POST", url=f"{ns.RECORDS}/salesOrder")


class TestErrors:
    @pytest.mark.asyncio
    async def test_user_error_points_at_our_field(
        self, netsuite: NetSuiteErp, httpx_mock: HTTPXMock
    ) -> None:
        expect_lookups(httpx_mock, {"MAT-0002": "12", "MAT-0003": "13"})
        hold = ns.error(400, "USER_ERROR", "The customer is on credit hold.", path="entity")
        httpx_mock.add_response(
            url=f"{ns.RECORDS}/salesOrder", method="POST", status_code=400, json=hold
        )
        with pytest.raises(ErpRejected) as rejected:
            await netsuite.create_sales_order(two_line_order())
        assert rejected.value.errors[0].pointer == "/customerId"
        assert "credit hold" in str(rejected.value.detail)

    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        ("status", "code", "problem"),
        [
            (401, "INVALID_LOGIN", ErpAuthenticationFailed),
            (429, "CONCURRENCY_LIMIT_EXCEEDED", ErpUnavailable),
            (400, "INVALID_PARAMETER", ErpError),
        ],
    )
    async def test_netsuite_errors_become_our_problems(
        self,
        netsuite: NetSuiteErp,
        httpx_mock: HTTPXMock,
        status: int,
        code: str,
        problem: type[Exception],
    ) -> None:
        httpx_mock.add_response(
            status_code=status, json=ns.error(status, code, "Refused."), is_reusable=True
        )
        with pytest.raises(problem):
            await netsuite.get_customer("1000002")
