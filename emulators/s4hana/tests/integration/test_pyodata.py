"""SAP's own Python client, pyodata, unchanged, against a running emulator process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pyodata
import pytest
import requests
from pyodata.exceptions import HttpError
from pyodata.v2.model import Config
from pyodata.v2.service import Service

from trivium_testing.services import RunningService

USER = "TRIVIUM_COMM_USER"
PASSWORD = "Trivium-Demo-Pass1"
ROOT = "/sap/opu/odata/sap"


@pytest.fixture
def session(emulator_process: RunningService) -> Iterator[requests.Session]:
    """A requests session with Basic auth, `sap-client` as header, and a CSRF token."""
    http = requests.Session()
    http.auth = (USER, PASSWORD)
    http.headers["sap-client"] = "100"
    response = http.get(
        f"{emulator_process.url}{ROOT}/API_BUSINESS_PARTNER/", headers={"X-CSRF-Token": "Fetch"}
    )
    assert response.status_code == 200
    http.headers["X-CSRF-Token"] = response.headers["x-csrf-token"]
    yield http
    http.close()


def client(process: RunningService, session: requests.Session, service: str) -> Service:
    return pyodata.Client(
        f"{process.url}{ROOT}/{service}", session, config=Config(retain_null=True)
    )


class TestMetadata:
    def test_every_service_builds_a_client(
        self, emulator_process: RunningService, session: requests.Session
    ) -> None:
        for service, entity_set in (
            ("API_BUSINESS_PARTNER", "A_BusinessPartner"),
            ("API_SALES_ORDER_SRV", "A_SalesOrder"),
            ("API_PRODUCT_SRV", "A_Product"),
            ("API_MATERIAL_STOCK_SRV", "A_MatlStkInAcctMod"),
            ("API_SLSPRICINGCONDITIONRECORD_SRV", "A_SlsPrcgCndnRecdValidity"),
            ("API_CRDTMBUSINESSPARTNER", "CreditManagementAccount"),
            ("API_BILLING_DOCUMENT_SRV", "A_BillingDocument"),
        ):
            odata = client(emulator_process, session, service)
            assert odata.schema.entity_set(entity_set).name == entity_set


class TestFilteredReads:
    def test_filter_select_top_and_count(
        self, emulator_process: RunningService, session: requests.Session
    ) -> None:
        odata = client(emulator_process, session, "API_BUSINESS_PARTNER")
        request = (
            odata.entity_sets.A_BusinessPartner.get_entities()
            .filter(
                "startswith(BusinessPartner,'100000') eq true and BusinessPartnerCategory eq '2'"
            )
            .select("BusinessPartner,BusinessPartnerFullName,Customer")
            .order_by("BusinessPartner desc")
            .top(3)
            .count(inline=True)
        )
        partners = request.execute()
        assert [p.BusinessPartner for p in partners] == ["1000009", "1000008", "1000007"]
        assert partners.total_count == 9

    def test_get_entity_with_expand_and_decimal_strings(
        self, emulator_process: RunningService, session: requests.Session
    ) -> None:
        odata = client(emulator_process, session, "API_SALES_ORDER_SRV")
        order = odata.entity_sets.A_SalesOrder.get_entity("1").expand("to_Item").execute()
        assert order.SoldToParty == "1000001"
        assert Decimal(order.TotalNetAmount) == sum(Decimal(i.NetAmount) for i in order.to_Item)
        assert order.etag.startswith("W/\"datetimeoffset'")

    def test_server_paging_is_followed_by_next_url(
        self, emulator_process: RunningService, session: requests.Session
    ) -> None:
        odata = client(emulator_process, session, "API_PRODUCT_SRV")
        products = odata.entity_sets.A_Product.get_entities().select("Product").execute()
        seen = [p.Product for p in products]
        while products.next_url:
            products = (
                odata.entity_sets.A_Product.get_entities().next_url(products.next_url).execute()
            )
            seen += [p.Product for p in products]
        assert seen == [f"MAT-{n:04d}" for n in range(1, 41)]

    def test_count_path(self, emulator_process: RunningService, session: requests.Session) -> None:
        odata = client(emulator_process, session, "API_PRODUCT_SRV")
        count = (
            odata.entity_sets.A_ProductDescription.get_entities()
            .filter("Language eq 'DE'")
            .count()
            .execute()
        )
        assert count == 40


class TestCreate:
    def test_deep_insert_of_a_customer(
        self, emulator_process: RunningService, session: requests.Session
    ) -> None:
        odata = client(emulator_process, session, "API_BUSINESS_PARTNER")
        created = (
            odata.entity_sets.A_BusinessPartner.create_entity()
            .set(
                BusinessPartnerCategory="2",
                BusinessPartnerGrouping="BP02",
                OrganizationBPName1="Pyodata Pumpen GmbH",
                CorrespondenceLanguage="DE",
                to_BusinessPartnerAddress=[
                    {"Country": "DE", "CityName": "Kiel", "PostalCode": "24103", "Language": "DE"}
                ],
                to_Customer={
                    "to_CustomerSalesArea": [
                        {
                            "SalesOrganization": "1010",
                            "DistributionChannel": "10",
                            "Division": "00",
                            "Currency": "EUR",
                        }
                    ]
                },
            )
            .execute()
        )
        assert created.Customer == created.BusinessPartner
        stored = (
            odata.entity_sets.A_BusinessPartner.get_entity(created.BusinessPartner)
            .expand("to_Customer/to_CustomerSalesArea")
            .execute()
        )
        assert stored.BusinessPartnerFullName == "Pyodata Pumpen GmbH"
        assert [a.Currency for a in stored.to_Customer.to_CustomerSalesArea] == ["EUR"]

    def test_sales_order_create_and_update_with_if_match(
        self, emulator_process: RunningService, session: requests.Session
    ) -> None:
        odata = client(emulator_process, session, "API_SALES_ORDER_SRV")
        order = (
            odata.entity_sets.A_SalesOrder.create_entity()
            .set(
                SalesOrderType="OR",
                SalesOrganization="1010",
                DistributionChannel="10",
                OrganizationDivision="00",
                SoldToParty="1000002",
                PurchaseOrderByCustomer="PYODATA-1",
                RequestedDeliveryDate=datetime(2030, 5, 6, tzinfo=UTC),
                to_Item=[{"Material": "MAT-0003", "RequestedQuantity": "2"}],
            )
            .execute()
        )
        assert Decimal(order.TotalNetAmount) > 0
        assert order.RequestedDeliveryDate.date() == date(2030, 5, 6)
        with pytest.raises(HttpError) as missing:
            odata.entity_sets.A_SalesOrder.update_entity(SalesOrder=order.SalesOrder).set(
                PurchaseOrderByCustomer="PYODATA-2"
            ).execute()
        assert missing.value.response.status_code == 428
        current = odata.entity_sets.A_SalesOrder.get_entity(order.SalesOrder).execute()
        update = odata.entity_sets.A_SalesOrder.update_entity(SalesOrder=order.SalesOrder)
        update.set(PurchaseOrderByCustomer="PYODATA-2")
        update.add_headers({"If-Match": current.etag})  # pyodata never sends If-Match itself
        update.execute()
        stale_update = odata.entity_sets.A_SalesOrder.update_entity(SalesOrder=order.SalesOrder)
        stale_update.set(PurchaseOrderByCustomer="PYODATA-3")
        stale_update.add_headers({"If-Match": current.etag})
        with pytest.raises(HttpError) as stale:
            stale_update.execute()
        assert stale.value.response.status_code == 412
        assert stale.value.response.json()["error"]["code"]
        found = (
            odata.entity_sets.A_SalesOrder.get_entities()
            .filter("PurchaseOrderByCustomer eq 'PYODATA-2' and SoldToParty eq '1000002'")
            .execute()
        )
        assert [o.SalesOrder for o in found] == [order.SalesOrder]


class TestBatch:
    def test_reads_and_a_changeset(
        self, emulator_process: RunningService, session: requests.Session
    ) -> None:
        odata = client(emulator_process, session, "API_PRODUCT_SRV")
        batch = odata.create_batch()
        batch.add_request(odata.entity_sets.A_Product.get_entity("MAT-0001"))
        changeset = odata.create_changeset()
        changeset.add_request(
            odata.entity_sets.A_ProductDescription.create_entity().set(
                Product="MAT-0001", Language="FR", ProductDescription="Pompe centrifuge 100"
            )
        )
        changeset.add_request(
            odata.entity_sets.A_ProductDescription.update_entity(
                Product="MAT-0001", Language="DE"
            ).set(ProductDescription="Kreiselpumpe 100 (neu)")
        )
        batch.add_request(changeset)
        product, (created, updated) = batch.execute()
        assert product.Product == "MAT-0001"
        assert created.ProductDescription == "Pompe centrifuge 100"
        assert updated is None

    def test_failed_changeset_is_rolled_back(
        self, emulator_process: RunningService, session: requests.Session
    ) -> None:
        odata = client(emulator_process, session, "API_PRODUCT_SRV")
        batch = odata.create_batch()
        changeset = odata.create_changeset()
        changeset.add_request(
            odata.entity_sets.A_ProductDescription.create_entity().set(
                Product="MAT-0002", Language="IT", ProductDescription="Saracinesca"
            )
        )
        changeset.add_request(
            odata.entity_sets.A_ProductDescription.create_entity().set(
                Product="MAT-0002", Language="ES", ProductDescription="x" * 41
            )
        )
        batch.add_request(changeset)
        with pytest.raises(HttpError, match="single response"):
            batch.execute()
        languages = (
            odata.entity_sets.A_ProductDescription.get_entities()
            .filter("Product eq 'MAT-0002'")
            .execute()
        )
        assert sorted(d.Language for d in languages) == ["DE", "EN"]


class TestErrors:
    def test_not_found_in_sap_format(
        self, emulator_process: RunningService, session: requests.Session
    ) -> None:
        odata = client(emulator_process, session, "API_PRODUCT_SRV")
        with pytest.raises(HttpError) as error:
            odata.entity_sets.A_Product.get_entity("NOPE").execute()
        body = error.value.response.json()["error"]
        assert error.value.response.status_code == 404
        assert body["message"]["value"].startswith("Resource not found")
        assert body["innererror"]["errordetails"][0]["severity"] == "error"
