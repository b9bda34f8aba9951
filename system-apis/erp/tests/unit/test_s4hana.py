"""The S/4HANA adapter's use of SAP's APIs, against recorded answers: what it asks, what it makes
of the answers, and how many round trips it spends."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

import pytest
from pytest_httpx import HTTPXMock

from erp_system.adapters.s4hana.adapter import S4HanaErp
from erp_system.adapters.s4hana.odata import ODataClient
from erp_system.domain.errors import CreditAccountNotFound, CustomerNotFound, VersionMismatch
from erp_system.domain.models import (
    AddressInput,
    CreditCheck,
    CustomerCreate,
    CustomerSearch,
    ExposureSource,
    SalesOrderLineCreate,
    SalesOrderSimulate,
    SalesOrderStatus,
    SalesOrderUpdate,
)
from erp_system.settings import ErpSystemSettings

from . import sap_responses as sap

pytestmark = pytest.mark.asyncio


def service_root(service: str) -> re.Pattern[str]:
    return re.compile(rf".*/{service}/\?sap-client=100$")


def entity_set(service: str, name: str) -> re.Pattern[str]:
    return re.compile(rf".*/{service}/{name}\?.*")


def answer_reads(
    httpx_mock: HTTPXMock, service: str, name: str, rows: list[dict[str, Any]], **options: Any
) -> None:
    """Reads of the entity set `name` of `service` answer `rows`."""
    httpx_mock.add_response(url=entity_set(service, name), json=sap.many(rows), **options)


def expect_csrf(httpx_mock: HTTPXMock, service: str) -> None:
    httpx_mock.add_response(
        url=service_root(service),
        match_headers={"X-CSRF-Token": "Fetch"},
        headers={"x-csrf-token": sap.CSRF_TOKEN, "set-cookie": sap.SESSION_COOKIE},
        json={"d": {}},
    )


def query_of(request_url: str) -> str:
    return unquote(request_url)


VIEW_WITH_ACCOUNT = {
    "credit_exposure_service": "YY1_CREDITEXPOSURE_CDS",
    "credit_exposure_entity_set": "YY1_CreditExposure",
    "credit_exposure_limit_property": "CustomerCreditLimitAmount",
    "credit_exposure_blocked_property": "CreditAccountIsBlocked",
    "credit_exposure_currency_property": "DisplayCurrency",
}


def erp_with_view_rows(
    odata: ODataClient, httpx_mock: HTTPXMock, rows: list[dict[str, object]]
) -> S4HanaErp:
    """The adapter reading credit from the exposure view alone; the view answers `rows`."""
    answer_reads(
        httpx_mock, "API_BUSINESS_PARTNER", "A_BusinessPartner", [sap.partner(expanded=False)]
    )
    answer_reads(httpx_mock, "YY1_CREDITEXPOSURE_CDS", "YY1_CreditExposure", rows, is_reusable=True)
    return S4HanaErp(odata, ErpSystemSettings(log_format="text", **VIEW_WITH_ACCOUNT))


def exposure_row(*, exposure: str, limit: str) -> dict[str, object]:
    return {
        "BusinessPartner": "17100001",
        "CreditSegment": "1000",
        "CustomerCreditExposureAmount": exposure,
        "CustomerCreditLimitAmount": limit,
        "CreditAccountIsBlocked": False,
        "DisplayCurrency": "EUR",
    }


class TestAvailability:
    async def test_fifty_skus_are_one_batch_of_filtered_stock_reads(
        self, s4: S4HanaErp, httpx_mock: HTTPXMock
    ) -> None:
        skus = [f"TG{n:02d}" for n in range(50)]
        answers = [
            (
                200,
                sap.many(
                    [
                        sap.stock_row(sku, "10.000", location="101A"),
                        sap.stock_row(sku, "2.5", location="101B"),
                    ]
                ),
            )
            for sku in skus[:49]
        ] + [(200, sap.many([]))]
        expect_csrf(httpx_mock, "API_MATERIAL_STOCK_SRV")
        httpx_mock.add_response(
            url=re.compile(r".*/API_MATERIAL_STOCK_SRV/\$batch.*"),
            method="POST",
            status_code=202,
            headers={"content-type": "multipart/mixed; boundary=batchresp_5F3A"},
            content=sap.batch_answer(answers),
        )
        rows = await s4.get_availability(skus, plant=None)
        assert len(httpx_mock.get_requests(method="POST")) == 1
        assert s4.odata.round_trips == 2  # the CSRF fetch, then the one batch
        assert [(row.sku, row.quantity, row.unit) for row in rows[:1]] == [
            ("TG00", Decimal("12.5"), "PC")
        ]
        assert (rows[-1].sku, rows[-1].quantity, rows[-1].unit) == ("TG49", Decimal(0), None)
        body = unquote(httpx_mock.get_requests(method="POST")[0].content.decode())
        assert body.count("GET A_MatlStkInAcctMod?") == 50
        assert (
            "$filter=Material eq 'TG07' and Plant eq '1010' and InventoryStockType eq '01'"
            " and InventorySpecialStockType eq ''" in body
        )

    async def test_second_call_spends_exactly_one_round_trip(
        self, s4: S4HanaErp, httpx_mock: HTTPXMock
    ) -> None:
        expect_csrf(httpx_mock, "API_MATERIAL_STOCK_SRV")
        for _ in range(2):
            httpx_mock.add_response(
                url=re.compile(r".*/\$batch.*"),
                method="POST",
                status_code=202,
                headers={"content-type": "multipart/mixed; boundary=batchresp_5F3A"},
                content=sap.batch_answer([(200, sap.many([sap.stock_row("A", "1")]))]),
            )
        await s4.get_availability(["A"], plant="1010")
        before = s4.odata.round_trips
        await s4.get_availability(["A"], plant="1010")
        assert s4.odata.round_trips - before == 1


class TestCredit:
    async def test_exposure_is_derived_from_open_orders_and_uncleared_invoices(
        self, s4: S4HanaErp, httpx_mock: HTTPXMock
    ) -> None:
        answer_reads(
            httpx_mock, "API_BUSINESS_PARTNER", "A_BusinessPartner", [sap.partner(expanded=False)]
        )
        httpx_mock.add_response(
            url=re.compile(
                r".*/CreditManagementAccount\(BusinessPartner='17100001',"
                r"CreditSegment='1000'\).*"
            ),
            json=sap.one(sap.credit_account(limit="1000.00")),
        )
        answer_reads(
            httpx_mock,
            "API_SALES_ORDER_SRV",
            "A_SalesOrder",
            [
                sap.sales_order("1", items=False),
                sap.sales_order("2", delivery="C", items=False),
                sap.sales_order("3", delivery="C", billing="C", items=False),
                sap.sales_order("4", rejection="C", items=False),
            ],
        )
        answer_reads(
            httpx_mock,
            "API_BILLING_DOCUMENT_SRV",
            "A_BillingDocument",
            [sap.billing_document("90000001", gross="119.00")],
        )
        credit = await s4.get_credit("17100001")
        assert credit.exposure_source is ExposureSource.DERIVED
        assert credit.open_orders == Decimal("105.30")
        assert credit.open_invoices == Decimal("119.00")
        assert credit.exposure == Decimal("224.30")
        assert credit.available == Decimal("775.70")
        orders_query = query_of(
            str(
                httpx_mock.get_requests(url=entity_set("API_SALES_ORDER_SRV", "A_SalesOrder"))[
                    0
                ].url
            )
        )
        assert "SoldToParty eq '17100001' and OverallSDProcessStatus ne 'C'" in orders_query
        invoice_query = query_of(
            str(
                httpx_mock.get_requests(
                    url=entity_set("API_BILLING_DOCUMENT_SRV", "A_BillingDocument")
                )[0].url
            )
        )
        assert "InvoiceClearingStatus ne 'C'" in invoice_query

    async def test_a_view_with_limit_block_and_currency_answers_alone_and_the_partner_is_kept(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        s4 = erp_with_view_rows(
            odata, httpx_mock, [exposure_row(exposure="250.000", limit="1000.000")]
        )
        first = await s4.get_credit("17100001")
        before = s4.odata.round_trips
        second = await s4.get_credit("17100001")
        assert s4.odata.round_trips - before == 1
        assert first == second
        assert (first.limit, first.exposure, first.available) == (
            Decimal("1000.000"),
            Decimal("250.000"),
            Decimal("750.000"),
        )
        assert (first.currency, first.blocked) == ("EUR", False)
        assert first.exposure_source is ExposureSource.BACKEND

    async def test_no_view_row_is_no_credit_account(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        s4 = erp_with_view_rows(odata, httpx_mock, [])
        # Before it answers so, the adapter checks that the customer still exists.
        answer_reads(
            httpx_mock, "API_BUSINESS_PARTNER", "A_BusinessPartner", [sap.partner(expanded=False)]
        )
        with pytest.raises(CreditAccountNotFound):
            await s4.get_credit("17100001")

    async def test_a_customer_gone_since_its_partner_was_kept_is_404(
        self, odata: ODataClient, httpx_mock: HTTPXMock
    ) -> None:
        partners = entity_set("API_BUSINESS_PARTNER", "A_BusinessPartner")
        view = entity_set("YY1_CREDITEXPOSURE_CDS", "YY1_CreditExposure")
        httpx_mock.add_response(url=partners, json=sap.many([sap.partner(expanded=False)]))
        httpx_mock.add_response(url=partners, json=sap.many([]))
        httpx_mock.add_response(url=view, json=sap.many([exposure_row(exposure="0", limit="9")]))
        httpx_mock.add_response(url=view, json=sap.many([]))
        s4 = S4HanaErp(odata, ErpSystemSettings(log_format="text", **VIEW_WITH_ACCOUNT))
        await s4.get_credit("17100001")
        with pytest.raises(CustomerNotFound):
            await s4.get_credit("17100001")

    async def test_unknown_customer_is_404(self, s4: S4HanaErp, httpx_mock: HTTPXMock) -> None:
        answer_reads(httpx_mock, "API_BUSINESS_PARTNER", "A_BusinessPartner", [])
        with pytest.raises(CustomerNotFound):
            await s4.get_credit("99999999")


class TestPriceOrder:
    async def test_one_simulation_prices_the_skus_and_checks_credit_at_the_manual_price(
        self, s4: S4HanaErp, httpx_mock: HTTPXMock
    ) -> None:
        expect_csrf(httpx_mock, "API_SALES_ORDER_SIMULATION_SRV")
        httpx_mock.add_response(
            url=re.compile(r".*/API_SALES_ORDER_SIMULATION_SRV/A_SalesOrderSimulation\?.*"),
            method="POST",
            status_code=201,
            json=sap.one(
                sap.simulation(
                    "17100001",
                    [
                        ("10", "TG11", [sap.simulation_element("10", "PPR0", "12.500")]),
                        (
                            "20",
                            "TG12",
                            [
                                sap.simulation_element("20", "PPR0", "20.000", inactive="X"),
                                sap.simulation_element("20", "PMP0", "18.000", step="20"),
                            ],
                        ),
                    ],
                    credit="A",
                )
            ),
        )
        order = SalesOrderSimulate(
            customer_id="17100001",
            lines=[
                SalesOrderLineCreate(sku="TG11", quantity=Decimal(2)),
                SalesOrderLineCreate(sku="TG12", quantity=Decimal(1), unit_price=Decimal("18.000")),
            ],
        )

        pricing = await s4.price_order(order)

        assert pricing is not None
        assert pricing.currency == "EUR"
        assert {sku: price.amount for sku, price in pricing.list_prices.items()} == {
            "TG11": Decimal("12.5"),
            "TG12": Decimal("20"),
        }
        assert pricing.credit_check is CreditCheck.PASSED
        assert s4.odata.round_trips == 2  # the service's CSRF token once, then one simulation
        posted = httpx_mock.get_requests(method="POST")[0]
        body = json.loads(posted.content)
        assert body["SoldToParty"] == "17100001"
        assert body["to_Credit"] == {}
        assert body["to_Item"][0]["to_PricingElement"] == []
        assert body["to_Item"][1]["to_PricingElement"] == [
            {"ConditionType": "PMP0", "ConditionRateValue": "18"}
        ]

    @pytest.mark.parametrize(
        ("status", "check"),
        [("B", CreditCheck.FAILED), ("D", CreditCheck.PASSED), ("", CreditCheck.NOT_CHECKED)],
    )
    async def test_credit_status(
        self, s4: S4HanaErp, httpx_mock: HTTPXMock, status: str, check: CreditCheck
    ) -> None:
        expect_csrf(httpx_mock, "API_SALES_ORDER_SIMULATION_SRV")
        httpx_mock.add_response(
            method="POST",
            status_code=201,
            json=sap.one(sap.simulation("17100001", [("10", "TG11", [])], credit=status)),
        )
        order = SalesOrderSimulate(
            customer_id="17100001", lines=[SalesOrderLineCreate(sku="TG11", quantity=Decimal(1))]
        )
        pricing = await s4.price_order(order)
        assert pricing is not None
        assert (pricing.credit_check, pricing.list_prices) == (check, {})

    async def test_switched_off_is_none_without_a_call(self, odata: ODataClient) -> None:
        erp = S4HanaErp(odata, ErpSystemSettings(log_format="text", order_simulation=False))
        order = SalesOrderSimulate(
            customer_id="17100001", lines=[SalesOrderLineCreate(sku="TG11", quantity=Decimal(1))]
        )
        assert await erp.price_order(order) is None
        assert odata.round_trips == 0


class TestSalesOrders:
    async def test_lookup_by_reference_and_sold_to_takes_the_first_order(
        self, s4: S4HanaErp, httpx_mock: HTTPXMock
    ) -> None:
        answer_reads(
            httpx_mock,
            "API_SALES_ORDER_SRV",
            "A_SalesOrder",
            [sap.sales_order("10"), sap.sales_order("9")],
        )
        found = await s4.find_sales_order(customer_id="17100001", external_reference="O'Neil-1")
        assert found is not None
        assert found.id == "9"
        query = query_of(str(httpx_mock.get_requests()[0].url))
        assert "PurchaseOrderByCustomer eq 'O''Neil-1' and SoldToParty eq '17100001'" in query

    async def test_update_under_the_clients_version_and_412_is_version_mismatch(
        self, s4: S4HanaErp, httpx_mock: HTTPXMock
    ) -> None:
        expect_csrf(httpx_mock, "API_SALES_ORDER_SRV")
        httpx_mock.add_response(
            url=re.compile(r".*/A_SalesOrder\('4711'\).*"),
            method="PATCH",
            status_code=412,
            json=sap.sap_error("/IWBEP/CM_MGW_RT/022", "Precondition failed"),
        )
        with pytest.raises(VersionMismatch):
            await s4.update_sales_order(
                "4711",
                SalesOrderUpdate.model_validate({"requestedDeliveryDate": "2030-01-15"}),
                version=sap.ORDER_ETAG,
            )
        assert httpx_mock.get_requests(method="PATCH")[0].headers["if-match"] == sap.ORDER_ETAG

    async def test_update_without_version_uses_the_etag_just_read(
        self, s4: S4HanaErp, httpx_mock: HTTPXMock
    ) -> None:
        one_order = re.compile(r".*/A_SalesOrder\('4711'\).*")
        httpx_mock.add_response(url=one_order, method="GET", json=sap.one(sap.sales_order()))
        expect_csrf(httpx_mock, "API_SALES_ORDER_SRV")
        httpx_mock.add_response(url=one_order, method="PATCH", status_code=204)
        httpx_mock.add_response(
            url=one_order,
            method="GET",
            json=sap.one(sap.sales_order(etag=sap.NEWER_ORDER_ETAG, delivery="B")),
        )
        updated = await s4.update_sales_order(
            "4711",
            SalesOrderUpdate.model_validate({"requestedDeliveryDate": "2030-01-15"}),
            version=None,
        )
        patch = httpx_mock.get_requests(method="PATCH")[0]
        assert patch.headers["if-match"] == sap.ORDER_ETAG
        assert patch.content == b'{"RequestedDeliveryDate": "/Date(1894665600000)/"}'
        assert updated.version == sap.NEWER_ORDER_ETAG
        assert updated.item.status is SalesOrderStatus.IN_DELIVERY


class TestCustomers:
    async def test_create_is_a_deep_insert_then_a_read_of_what_was_stored(
        self, s4: S4HanaErp, httpx_mock: HTTPXMock
    ) -> None:
        expect_csrf(httpx_mock, "API_BUSINESS_PARTNER")
        httpx_mock.add_response(
            url=entity_set("API_BUSINESS_PARTNER", "A_BusinessPartner"),
            method="POST",
            status_code=201,
            json=sap.one(sap.partner("1000123", expanded=False)),
        )
        httpx_mock.add_response(
            url=re.compile(r".*/A_BusinessPartner\('1000123'\).*"),
            json=sap.one(sap.partner("1000123")),
        )
        created = await s4.create_customer(
            CustomerCreate(
                name="Contoso Manufacturing Ltd",
                external_id="001Dn00000ABCDE",
                address=AddressInput(street="Hauptstr. 1", city="Berlin", country="DE"),
            )
        )
        assert created.id == "1000123"
        assert created.sales_areas[0].currency == "EUR"
        sent = httpx_mock.get_requests(method="POST")[0]
        assert b'"BusinessPartnerIDByExtSystem": "001Dn00000ABCDE"' in sent.content
        assert b'"to_CustomerSalesArea": [{"SalesOrganization": "1010"' in sent.content

    async def test_search_filters_customers_by_name_and_postal_code(
        self, s4: S4HanaErp, httpx_mock: HTTPXMock
    ) -> None:
        answer_reads(
            httpx_mock,
            "API_BUSINESS_PARTNER",
            "A_BusinessPartnerAddress",
            [sap.address("17100001"), sap.address("17100002")],
        )
        answer_reads(
            httpx_mock, "API_BUSINESS_PARTNER", "A_BusinessPartner", [sap.partner("17100001")]
        )
        found = await s4.search_customers(
            CustomerSearch(name="inland", postal_code="10115"), limit=2, offset=4
        )
        assert [customer.id for customer in found] == ["17100001"]
        query = query_of(str(httpx_mock.get_requests()[1].url))
        assert "Customer ne ''" in query
        assert "substringof('Inland',OrganizationBPName1) eq true" in query
        assert "(BusinessPartner eq '17100001' or BusinessPartner eq '17100002')" in query
        assert "$top=2" in query
        assert "$skip=4" in query


class TestPrices:
    async def test_the_customers_own_price_wins_over_the_list_price(
        self, s4: S4HanaErp, httpx_mock: HTTPXMock
    ) -> None:
        answer_reads(
            httpx_mock,
            "API_SLSPRICINGCONDITIONRECORD_SRV",
            "A_SlsPrcgCndnRecdValidity",
            [
                sap.price_validity("TG11", "10.00"),
                sap.price_validity("TG11", "8.00", customer="17100001", record="2"),
                sap.price_validity("TG12", "7.00", customer="17100009", record="3"),
            ],
        )
        prices = await s4.get_prices(["TG11", "TG12"], customer_id="17100001")
        assert prices["TG11"].amount == Decimal("8.00")
        assert "TG12" not in prices
