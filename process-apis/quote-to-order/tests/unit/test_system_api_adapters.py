"""The CRM and ERP adapters against answers recorded from the real System APIs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from types import ModuleType
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
from quote_to_order_process.domain.errors import (
    AccountNotFound,
    AccountNotLinked,
    CrmRejected,
    CrmUnavailable,
    ErpRejected,
    ErpUnavailable,
    QuoteNotFound,
)
from trivium.http_client import create_http_client

SF = "http://salesforce-system.test"
ERP = "http://erp-system.test"


def answer(httpx_mock: HTTPXMock, recorded: dict[str, Any], **match: Any) -> None:
    httpx_mock.add_response(
        status_code=recorded["status"],
        headers=recorded["headers"],
        json=recorded["json"],
        **match,
    )


@pytest_asyncio.fixture
async def crm() -> AsyncIterator[SalesforceSystemCrm]:
    http = create_http_client(
        backend="sf-system-unit",
        base_url=SF,
        transport="httpcore",
        max_retries=0,
        service_token=lambda: "sf-token",
    )
    yield SalesforceSystemCrm(http)
    await http.aclose()


@pytest_asyncio.fixture
async def erp() -> AsyncIterator[ErpSystemErp]:
    http = create_http_client(
        backend="erp-system-unit",
        base_url=ERP,
        transport="httpcore",
        max_retries=1,
        backoff_seconds=0.01,
        max_retry_after_seconds=0.05,
        service_token=lambda: "erp-token",
    )
    yield ErpSystemErp(http)
    await http.aclose()


def crm_draft() -> CrmOrderDraft:
    return CrmOrderDraft(
        account_id="001000000000002AAA",
        effective_date=date(2026, 11, 28),
        erp_order_number="14",
        items=[CrmOrderItemDraft(sku="MAT-0011", quantity=Decimal(2), unit_price=Decimal("415"))],
        quote_id="0Q0000000000003CAA",
    )


class TestGetQuote:
    @pytest.mark.asyncio
    async def test_reads_the_fields_the_saga_needs(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock, recorded: ModuleType
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

    @pytest.mark.asyncio
    async def test_an_unknown_quote_is_not_found(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.QUOTE_NOT_FOUND)
        with pytest.raises(QuoteNotFound):
            await crm.get_quote("0Q0000000000999CAA")

    @pytest.mark.asyncio
    async def test_an_unavailable_crm_is_unavailable_with_its_retry_after(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.CRM_UNAVAILABLE)
        with pytest.raises(CrmUnavailable) as raised:
            await crm.get_quote("0Q0000000000003CAA")
        assert raised.value.headers == {"Retry-After": "30"}
        assert raised.value.extensions["upstreamType"] == "crm-unavailable"

    @pytest.mark.asyncio
    async def test_a_refused_service_token_is_a_rejection_not_a_retry(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.CRM_UNAUTHORIZED)
        with pytest.raises(CrmRejected, match="service token"):
            await crm.get_quote("0Q0000000000003CAA")

    @pytest.mark.asyncio
    async def test_no_answer_at_all_is_unavailable(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock
    ) -> None:
        httpx_mock.add_exception(httpx.ConnectError("refused"))
        with pytest.raises(CrmUnavailable, match="ConnectError"):
            await crm.get_quote("0Q0000000000003CAA")


class TestGetAccount:
    @pytest.mark.asyncio
    async def test_by_id(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.ACCOUNT, url=f"{SF}/accounts/001000000000002AAA")
        account = await crm.get_account(account_id="001000000000002AAA")
        assert (account.account_number, account.erp_customer_number) == ("P-1002", "1000002")

    @pytest.mark.asyncio
    async def test_by_account_number(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.ACCOUNT_PAGE, url=f"{SF}/accounts?accountNumber=P-1002&limit=2")
        account = await crm.get_account(account_number="P-1002")
        assert account.id == "001000000000002AAA"

    @pytest.mark.asyncio
    async def test_an_unknown_id_or_number_is_not_found(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.ACCOUNT_NOT_FOUND)
        answer(httpx_mock, recorded.ACCOUNT_PAGE_EMPTY)
        with pytest.raises(AccountNotFound):
            await crm.get_account(account_id="001000000000999AAA")
        with pytest.raises(AccountNotFound):
            await crm.get_account(account_number="P-9999")


class TestCreateOrder:
    @pytest.mark.asyncio
    async def test_sends_the_order_with_its_idempotency_key(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock, recorded: ModuleType
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

    @pytest.mark.asyncio
    async def test_a_refused_order_is_a_rejection_with_the_field_errors(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.CRM_ORDER_REJECTED)
        with pytest.raises(CrmRejected) as raised:
            await crm.create_order(crm_draft(), idempotency_key="k")
        assert raised.value.errors is not None
        assert raised.value.errors[0].detail == "unknown sku:MAT-9999"
        assert raised.value.extensions["upstreamType"] == "record-rejected"

    @pytest.mark.asyncio
    async def test_a_key_still_in_progress_is_unavailable_for_now(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.CRM_KEY_IN_PROGRESS)
        with pytest.raises(CrmUnavailable):
            await crm.create_order(crm_draft(), idempotency_key="k")


class TestSetQuoteStatus:
    @pytest.mark.asyncio
    async def test_a_status_the_org_does_not_know_is_a_rejection(
        self, crm: SalesforceSystemCrm, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.QUOTE_UPDATED, method="PATCH")
        await crm.set_quote_status("0Q0000000000006CAA", "Accepted")
        answer(httpx_mock, recorded.QUOTE_STATUS_REJECTED, method="PATCH")
        with pytest.raises(CrmRejected, match="restricted picklist"):
            await crm.set_quote_status("0Q0000000000003CAA", "Ordered")


class TestAssessOrder:
    @pytest.mark.asyncio
    async def test_reads_prices_stock_and_credit_of_one_simulation(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.SIMULATION, method="POST", url=f"{ERP}/sales-orders:simulate")
        lines = [
            ErpLineDraft(sku="MAT-0011", quantity=Decimal(2)),
            ErpLineDraft(sku="MAT-0020", quantity=Decimal(1)),
            ErpLineDraft(sku="MAT-9999", quantity=Decimal(1)),
        ]
        assessment = await erp.assess_order("1000002", lines)
        assert assessment.currency == "EUR"
        assert [(line.sku, line.in_stock) for line in assessment.lines] == [
            ("MAT-0011", True),
            ("MAT-0020", False),
            ("MAT-9999", False),
        ]
        assert assessment.lines[2].unit_price is None
        assert assessment.credit is not None
        assert assessment.credit.available > 0
        request = httpx_mock.get_request()
        assert request is not None
        assert json.loads(request.content)["lines"][0] == {"sku": "MAT-0011", "quantity": "2"}
        assert request.headers["authorization"] == "Bearer erp-token"

    @pytest.mark.asyncio
    async def test_an_unknown_customer_means_the_account_is_not_linked(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.SIMULATION_CUSTOMER_NOT_FOUND)
        with pytest.raises(AccountNotLinked, match="1000999"):
            await erp.assess_order("1000999", [ErpLineDraft(sku="MAT-0011", quantity=Decimal(1))])

    @pytest.mark.asyncio
    async def test_a_simulation_is_resent_after_an_unavailable_answer(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        unavailable = {**recorded.ERP_UNAVAILABLE, "headers": {"retry-after": "0"}}
        answer(httpx_mock, unavailable)
        answer(httpx_mock, recorded.SIMULATION)
        assessment = await erp.assess_order(
            "1000002", [ErpLineDraft(sku="MAT-0011", quantity=Decimal(2))]
        )
        assert assessment.customer_id == "1000002"
        assert len(httpx_mock.get_requests()) == 2

    @pytest.mark.asyncio
    async def test_an_erp_that_stays_unavailable_is_unavailable(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.ERP_UNAVAILABLE, is_reusable=True)
        with pytest.raises(ErpUnavailable):
            await erp.assess_order("1000002", [ErpLineDraft(sku="MAT-0011", quantity=Decimal(2))])
        # Retry-After (30 s) is longer than this client waits: one attempt, no retry.
        assert len(httpx_mock.get_requests()) == 1


class TestPlaceOrder:
    def draft(self) -> ErpOrderDraft:
        return ErpOrderDraft(
            customer_id="1000002",
            external_reference="0Q0000000000003CAA",
            lines=[ErpLineDraft(sku="MAT-0011", quantity=Decimal(2), unit_price=Decimal("415"))],
        )

    @pytest.mark.asyncio
    async def test_a_new_order_is_created(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
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

    @pytest.mark.asyncio
    async def test_an_existing_order_for_the_reference_is_returned_as_existing(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.SALES_ORDER_EXISTING)
        placement = await erp.place_order(self.draft(), idempotency_key="k")
        assert not placement.created

    @pytest.mark.asyncio
    async def test_an_order_of_another_customer_is_refused(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.SALES_ORDER_EXISTING)
        draft = ErpOrderDraft(customer_id="1000001", external_reference="X", lines=[])
        with pytest.raises(ErpRejected, match="of customer 1000002"):
            await erp.place_order(draft, idempotency_key="k")

    @pytest.mark.asyncio
    async def test_a_refused_order_is_a_rejection(
        self, erp: ErpSystemErp, httpx_mock: HTTPXMock, recorded: ModuleType
    ) -> None:
        answer(httpx_mock, recorded.SALES_ORDER_REJECTED)
        with pytest.raises(ErpRejected, match="blocked for sales orders"):
            await erp.place_order(self.draft(), idempotency_key="k")
