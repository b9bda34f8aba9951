"""The CRM and ERP adapters against answers recorded from the real System APIs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
import pytest_asyncio
from pytest_httpx import HTTPXMock

from quote_to_order_process.adapters.erp_system import ErpSystemErp
from quote_to_order_process.adapters.ports import (
    CrmOrderDraft,
    CrmOrderItemDraft,
    ErpLineDraft,
    ErpOrderDraft,
)
from quote_to_order_process.adapters.salesforce_system import SalesforceSystemCrm
from quote_to_order_process.domain.crm_write import CrmWriteFailure, classify_crm_failure
from quote_to_order_process.domain.errors import (
    AccountNotFound,
    AccountNotLinked,
    CrmUnavailable,
    QuoteNotFound,
)
from trivium.http_client import create_http_client
from trivium.problems import CrmRejected, ErpRejected, ErpUnavailable
from trivium.schemas import Money

from . import system_api_responses as recorded

pytestmark = pytest.mark.asyncio

SF = "http://salesforce-system.test"
ERP = "http://erp-system.test"


def answer(httpx_mock: HTTPXMock, recorded: dict[str, Any], **match: Any) -> None:
    httpx_mock.add_response(
        status_code=recorded["status"],
        headers=recorded["headers"],
        json=recorded["json"],
        **match,
    )


@asynccontextmanager
async def system_api(
    backend: str, base_url: str, token: str, **retries: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a System API as the service builds one (`retries` tune its retry policy),
    carrying `token` as its service token."""
    http = create_http_client(
        backend=backend,
        base_url=base_url,
        transport="httpcore",
        service_token=lambda: token,
        **retries,
    )
    try:
        yield http
    finally:
        await http.aclose()


@pytest_asyncio.fixture
async def crm() -> AsyncIterator[SalesforceSystemCrm]:
    async with system_api("sf-system-unit", SF, "sf-token", max_retries=0) as http:
        yield SalesforceSystemCrm(http)


@pytest_asyncio.fixture
async def erp() -> AsyncIterator[ErpSystemErp]:
    # One retry, after waits shorter than a test notices; a longer Retry-After is not waited.
    retries = {"max_retries": 1, "backoff_seconds": 0.01, "max_retry_after_seconds": 0.05}
    async with system_api("erp-system-unit", ERP, "erp-token", **retries) as http:
        yield ErpSystemErp(http)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def clock() -> FakeClock:
    return FakeClock()


@pytest_asyncio.fixture
async def cached_crm(clock: FakeClock) -> AsyncIterator[SalesforceSystemCrm]:
    """The CRM adapter on a clock of the test's, the system id taken as known for 60 s."""
    async with system_api("sf-system-unit-cached", SF, "sf-token", max_retries=0) as http:
        yield SalesforceSystemCrm(http, system_ttl_seconds=60, clock=clock)


def crm_draft() -> CrmOrderDraft:
    return CrmOrderDraft(
        account_id="001000000000002AAA",
        effective_date=date(2026, 11, 28),
        erp_order_number="14",
        items=[CrmOrderItemDraft(sku="MAT-0011", quantity=Decimal(2), unit_price=Decimal("415"))],
        quote_id="0Q0000000000003CAA",
    )


class TestGetSystemId:
    async def test_reads_the_org_the_crm_is(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.SYSTEM, url=f"{SF}/system")
        assert await crm.get_system_id() == "00D7Q000004hZ2mUAE"
        request = httpx_mock.get_request()
        assert request is not None
        assert request.headers["authorization"] == "Bearer sf-token"

    async def test_an_org_that_did_not_name_itself_is_none(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.SYSTEM_UNNAMED, url=f"{SF}/system")
        assert await crm.get_system_id() is None

    async def test_read_once_while_it_is_known(
        self,
        cached_crm: SalesforceSystemCrm,
        clock: FakeClock,
        httpx_mock: HTTPXMock,
    ) -> None:
        answer(httpx_mock, recorded.SYSTEM, url=f"{SF}/system")
        await cached_crm.get_system_id()
        clock.now += 59.9
        assert await cached_crm.get_system_id() == "00D7Q000004hZ2mUAE"
        assert len(httpx_mock.get_requests(url=f"{SF}/system")) == 1

    async def test_read_again_once_it_is_stale(
        self,
        cached_crm: SalesforceSystemCrm,
        clock: FakeClock,
        httpx_mock: HTTPXMock,
    ) -> None:
        answer(httpx_mock, recorded.SYSTEM, url=f"{SF}/system")
        replaced = {**recorded.SYSTEM, "json": {"systemId": "00D7Q000004hZ9xUAE"}}
        answer(httpx_mock, replaced, url=f"{SF}/system")
        await cached_crm.get_system_id()
        clock.now += 60
        assert await cached_crm.get_system_id() == "00D7Q000004hZ9xUAE"

    async def test_orders_that_find_it_stale_together_read_it_once(
        self, cached_crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.SYSTEM, url=f"{SF}/system")
        found = await asyncio.gather(*(cached_crm.get_system_id() for _ in range(5)))
        assert set(found) == {"00D7Q000004hZ2mUAE"}
        assert len(httpx_mock.get_requests(url=f"{SF}/system")) == 1

    async def test_an_unavailable_crm_is_unavailable_with_its_retry_after(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.CRM_UNAVAILABLE, url=f"{SF}/system")
        with pytest.raises(CrmUnavailable) as raised:
            await crm.get_system_id()
        assert raised.value.headers == {"Retry-After": "30"}

    async def test_no_answer_is_unavailable_with_a_retry_after(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_exception(httpx.ConnectError("refused"), url=f"{SF}/system")
        with pytest.raises(CrmUnavailable) as raised:
            await crm.get_system_id()
        assert raised.value.headers == {"Retry-After": "30"}

    async def test_a_failed_read_is_not_kept(
        self,
        cached_crm: SalesforceSystemCrm,
        httpx_mock: HTTPXMock,
    ) -> None:
        answer(httpx_mock, recorded.CRM_UNAVAILABLE, url=f"{SF}/system")
        answer(httpx_mock, recorded.SYSTEM, url=f"{SF}/system")
        with pytest.raises(CrmUnavailable):
            await cached_crm.get_system_id()
        assert await cached_crm.get_system_id() == "00D7Q000004hZ2mUAE"

    async def test_while_the_crm_cannot_confirm_it_the_last_org_holds_and_is_asked_again_soon(
        self,
        cached_crm: SalesforceSystemCrm,
        clock: FakeClock,
        httpx_mock: HTTPXMock,
    ) -> None:
        answer(httpx_mock, recorded.SYSTEM, url=f"{SF}/system")
        answer(httpx_mock, recorded.CRM_UNAVAILABLE, url=f"{SF}/system")
        replaced = {**recorded.SYSTEM, "json": {"systemId": "00D7Q000004hZ9xUAE"}}
        answer(httpx_mock, replaced, url=f"{SF}/system")
        await cached_crm.get_system_id()
        clock.now += 60

        assert await cached_crm.get_system_id() == "00D7Q000004hZ2mUAE"
        clock.now += 4.9
        assert await cached_crm.get_system_id() == "00D7Q000004hZ2mUAE"
        assert len(httpx_mock.get_requests(url=f"{SF}/system")) == 2
        clock.now += 0.1
        assert await cached_crm.get_system_id() == "00D7Q000004hZ9xUAE"


class TestGetQuote:
    async def test_reads_the_fields_the_saga_needs(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.QUOTE, url=f"{SF}/quotes/0Q0000000000003CAA")
        quote = await crm.get_quote("0Q0000000000003CAA")
        assert (quote.status, quote.expiration_date) == ("Accepted", date(2027, 1, 27))
        assert quote.account is not None
        assert quote.account.erp_customer_number == "1000003"
        first = quote.lines[0]
        assert (first.sku, first.quantity, first.discount_percent) == (
            "MAT-0011",
            Decimal(2),
            Decimal(5),
        )
        assert first.unit_price.amount == Decimal(150)
        request = httpx_mock.get_request()
        assert request is not None
        assert request.headers["authorization"] == "Bearer sf-token"

    async def test_an_unknown_quote_is_not_found(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.QUOTE_NOT_FOUND)
        with pytest.raises(QuoteNotFound):
            await crm.get_quote("0Q0000000000999CAA")

    async def test_an_unavailable_crm_is_unavailable_with_its_retry_after(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.CRM_UNAVAILABLE)
        with pytest.raises(CrmUnavailable) as raised:
            await crm.get_quote("0Q0000000000003CAA")
        assert raised.value.headers == {"Retry-After": "30"}
        assert raised.value.extensions["upstreamType"] == "crm-unavailable"

    async def test_a_refused_service_token_is_a_rejection_not_a_retry(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.CRM_UNAUTHORIZED)
        with pytest.raises(CrmRejected, match="service token"):
            await crm.get_quote("0Q0000000000003CAA")

    async def test_no_answer_at_all_is_unavailable(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_exception(httpx.ConnectError("refused"))
        with pytest.raises(CrmUnavailable, match="ConnectError"):
            await crm.get_quote("0Q0000000000003CAA")


class TestGetAccount:
    async def test_by_id(self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock) -> None:
        answer(httpx_mock, recorded.ACCOUNT, url=f"{SF}/accounts/001000000000002AAA")
        account = await crm.get_account(account_id="001000000000002AAA")
        assert (account.account_number, account.erp_customer_number) == ("P-1002", "1000002")

    async def test_by_account_number(self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock) -> None:
        answer(httpx_mock, recorded.ACCOUNT_PAGE, url=f"{SF}/accounts?accountNumber=P-1002&limit=2")
        account = await crm.get_account(account_number="P-1002")
        assert account.id == "001000000000002AAA"

    async def test_an_unknown_id_or_number_is_not_found(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.ACCOUNT_NOT_FOUND)
        answer(httpx_mock, recorded.ACCOUNT_PAGE_EMPTY)
        with pytest.raises(AccountNotFound):
            await crm.get_account(account_id="001000000000999AAA")
        with pytest.raises(AccountNotFound):
            await crm.get_account(account_number="P-9999")


class TestCreateOrder:
    async def test_sends_the_order_with_its_idempotency_key(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.CRM_ORDER_CREATED, method="POST", url=f"{SF}/orders")
        created = await crm.create_order(crm_draft(), idempotency_key="01J:crm")
        assert created.id == recorded.CRM_ORDER_CREATED["json"]["id"]
        request = httpx_mock.get_request()
        assert request is not None
        assert request.headers["idempotency-key"] == "01J:crm"
        assert json.loads(request.content) == {
            "accountId": "001000000000002AAA",
            "effectiveDate": "2026-11-28",
            "quoteId": "0Q0000000000003CAA",
            "erpOrderNumber": "14",
            "erpStatus": "Created",
            "items": [{"sku": "MAT-0011", "quantity": "2", "unitPrice": "415"}],
        }

    async def test_a_refused_order_is_a_rejection_with_the_field_errors(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.CRM_ORDER_REJECTED)
        with pytest.raises(CrmRejected) as raised:
            await crm.create_order(crm_draft(), idempotency_key="k")
        assert raised.value.errors is not None
        assert raised.value.errors[0].detail == "unknown sku:MAT-9999"
        assert raised.value.extensions["upstreamType"] == "record-rejected"

    async def test_marks_the_quote_and_opportunity_in_the_same_write(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.CRM_ORDER_CREATED, method="POST", url=f"{SF}/orders")
        draft = replace(
            crm_draft(),
            opportunity_id="006000000000003AAA",
            quote_status="Ordered",
            opportunity_stage="Closed Won",
        )
        await crm.create_order(draft, idempotency_key="01J:crm")
        request = httpx_mock.get_request()
        assert request is not None
        sent = json.loads(request.content)
        assert (sent["opportunityId"], sent["quoteStatus"], sent["opportunityStage"]) == (
            "006000000000003AAA",
            "Ordered",
            "Closed Won",
        )

    async def test_a_mark_the_org_refuses_is_a_rejection(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.CRM_ORDER_MARK_REJECTED)
        with pytest.raises(CrmRejected, match="restricted picklist"):
            await crm.create_order(
                replace(crm_draft(), quote_status="Ordered"), idempotency_key="k"
            )

    async def test_a_key_still_in_progress_is_unavailable_for_now(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        # The replica that ran the first write died and its claim has not lapsed yet: the write
        # is retried later, after the Retry-After the System API gave, never taken as refused.
        answer(httpx_mock, recorded.CRM_KEY_IN_PROGRESS)
        with pytest.raises(CrmUnavailable) as raised:
            await crm.create_order(crm_draft(), idempotency_key="k")
        assert raised.value.headers == {"Retry-After": "1"}
        assert raised.value.extensions["upstreamStatus"] == 409
        assert classify_crm_failure(raised.value) is CrmWriteFailure.TRANSIENT


def checked_lines() -> list[ErpLineDraft]:
    return [
        ErpLineDraft(sku="MAT-0011", quantity=Decimal(2)),
        ErpLineDraft(sku="MAT-0020", quantity=Decimal(1)),
        ErpLineDraft(sku="MAT-0011", quantity=Decimal(1), unit_price=Decimal("400.00")),
    ]


class TestAssessOrder:
    async def test_prices_stock_and_credit_check_of_the_order_in_one_call(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.ORDER_CHECK, method="POST", url=f"{ERP}/sales-orders:simulate")
        assessment = await erp.assess_order("1000002", checked_lines())
        assert assessment.prices == {
            "MAT-0011": Money(amount=Decimal("415"), currency="EUR"),
            "MAT-0020": Money(amount=Decimal("748.5"), currency="EUR"),
        }
        assert assessment.stock == {"MAT-0011": 150, "MAT-0020": 0}
        assert (assessment.credit_passed, assessment.credit) == (True, None)
        request = httpx_mock.get_request()
        assert request is not None
        assert json.loads(request.content) == {
            "customerId": "1000002",
            "lines": [
                {"sku": "MAT-0011", "quantity": "2"},
                {"sku": "MAT-0020", "quantity": "1"},
                {"sku": "MAT-0011", "quantity": "1", "unitPrice": "400.00"},
            ],
        }
        assert request.headers["authorization"] == "Bearer erp-token"

    async def test_a_refused_credit_check_comes_with_the_credit_position(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.ORDER_CHECK_CREDIT_REFUSED)
        assessment = await erp.assess_order("1000050", checked_lines()[:1])
        assert assessment.credit_passed is False
        assert assessment.credit is not None
        assert (assessment.credit.available, assessment.credit.currency) == (
            Decimal("45950"),
            "EUR",
        )
        assert assessment.credit.blocked is True

    async def test_an_unknown_customer_means_the_account_is_not_linked(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.ORDER_CHECK_CUSTOMER_NOT_FOUND)
        with pytest.raises(AccountNotLinked, match="1000999"):
            await erp.assess_order("1000999", checked_lines())

    async def test_a_check_is_resent_after_an_unavailable_answer(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock
    ) -> None:
        unavailable = {**recorded.ERP_UNAVAILABLE, "headers": {"retry-after": "0"}}
        answer(httpx_mock, unavailable)
        answer(httpx_mock, recorded.ORDER_CHECK)
        assert "MAT-0011" in (await erp.assess_order("1000002", checked_lines())).prices
        assert len(httpx_mock.get_requests()) == 2

    async def test_an_erp_that_stays_unavailable_is_unavailable(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.ERP_UNAVAILABLE, is_reusable=True)
        with pytest.raises(ErpUnavailable):
            await erp.assess_order("1000002", checked_lines())
        # Retry-After (30 s) is longer than this client waits: one attempt, no retry.
        assert len(httpx_mock.get_requests()) == 1


class TestGetOrder:
    async def test_reads_the_delivery_and_billing_status(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.SALES_ORDER, method="GET", url=f"{ERP}/sales-orders/1")
        order = await erp.get_order("1")
        assert (order.delivery_status, order.billing_status) == ("complete", "complete")


class TestPlaceOrder:
    def draft(self) -> ErpOrderDraft:
        return ErpOrderDraft(
            customer_id="1000002",
            external_reference="0Q0000000000003CAA",
            lines=[ErpLineDraft(sku="MAT-0011", quantity=Decimal(2), unit_price=Decimal("415"))],
        )

    async def test_a_new_order_is_created(self, erp: ErpSystemErp, httpx_mock: HTTPXMock) -> None:
        answer(httpx_mock, recorded.SALES_ORDER_CREATED, method="POST", url=f"{ERP}/sales-orders")
        placement = await erp.place_order(self.draft(), idempotency_key="01J:erp")
        assert placement.created
        assert placement.order.id == recorded.SALES_ORDER_CREATED["json"]["id"]
        request = httpx_mock.get_request()
        assert request is not None
        assert request.headers["idempotency-key"] == "01J:erp"
        assert json.loads(request.content)["lines"] == [
            {"sku": "MAT-0011", "quantity": "2", "unitPrice": "415"}
        ]

    async def test_an_existing_order_for_the_reference_is_returned_as_existing(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.SALES_ORDER_EXISTING)
        placement = await erp.place_order(self.draft(), idempotency_key="k")
        assert not placement.created

    async def test_an_order_of_another_customer_is_refused(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.SALES_ORDER_EXISTING)
        draft = ErpOrderDraft(customer_id="1000001", external_reference="X", lines=[])
        with pytest.raises(ErpRejected, match="of customer 1000002"):
            await erp.place_order(draft, idempotency_key="k")

    async def test_a_key_still_in_progress_is_unavailable_for_now(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.ERP_KEY_IN_PROGRESS)
        with pytest.raises(ErpUnavailable) as raised:
            await erp.place_order(self.draft(), idempotency_key="01J:erp")
        assert raised.value.headers == {"Retry-After": "1"}
        # A conflict is not resent by the client: the order's own retry sends it again later.
        assert len(httpx_mock.get_requests()) == 1

    async def test_a_refused_order_is_a_rejection(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock
    ) -> None:
        answer(httpx_mock, recorded.SALES_ORDER_REJECTED)
        with pytest.raises(ErpRejected, match="blocked for sales orders"):
            await erp.place_order(self.draft(), idempotency_key="k")
