"""SAP entities to Trivium resources and back; canonical statuses from SAP's SD codes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from erp_system.adapters.s4hana.mapping import (
    SalesDefaults,
    customer_from_partner,
    invoice_from,
    partner_create_body,
    sales_order_create_body,
    sales_order_from,
    split_name,
    unit_price_from,
)
from erp_system.adapters.s4hana.status import is_open_for_credit, order_status
from erp_system.domain.models import (
    AddressInput,
    CustomerCreate,
    SalesOrderCreate,
    SalesOrderLineCreate,
    SalesOrderStatus,
)

from . import sap_responses as sap

DEFAULTS = SalesDefaults(
    sales_organization="1010",
    distribution_channel="10",
    division="00",
    currency="EUR",
    payment_terms="0001",
    company_code="1010",
    reconciliation_account="12100000",
    bp_grouping="BP02",
    customer_account_group="CUST",
    sales_order_type="OR",
    manual_price_condition_type="PMP0",
)


class TestCustomerFromPartner:
    def test_general_address_and_sales_area_data(self) -> None:
        customer = customer_from_partner(sap.partner())
        assert customer.id == "17100001"
        assert customer.name == "Inlandskunde DE 1"
        assert customer.external_id == "001Dn00000ABCDE"
        assert customer.address is not None
        assert customer.address.city == "Berlin"
        assert customer.sales_areas[0].currency == "EUR"
        assert customer.created_on == date(2024, 5, 1)

    def test_no_sap_names_in_the_json(self) -> None:
        dumped = customer_from_partner(sap.partner()).model_dump_json()
        for sap_name in ("BusinessPartner", "OrganizationBPName", "CityName", "__metadata"):
            assert sap_name not in dumped

    def test_default_contact_data_and_vat_id(self) -> None:
        partner = sap.partner()
        address = partner["to_BusinessPartnerAddress"]["results"][0]
        address["to_EmailAddress"] = {
            "results": [
                {"OrdinalNumber": "1", "EmailAddress": "old@x.example"},
                {
                    "OrdinalNumber": "2",
                    "EmailAddress": "ap@x.example",
                    "IsDefaultEmailAddress": True,
                },
            ]
        }
        address["to_URLAddress"] = {"results": [{"OrdinalNumber": "1", "WebsiteURL": "x.example"}]}
        partner["to_Customer"]["VATRegistration"] = "DE123456789"
        customer = customer_from_partner(partner)
        assert (customer.email, customer.phone, customer.website, customer.vat_id) == (
            "ap@x.example",
            None,
            "x.example",
            "DE123456789",
        )

    def test_deferred_children_are_absent_not_errors(self) -> None:
        customer = customer_from_partner(sap.partner(expanded=False))
        assert customer.address is None
        assert customer.sales_areas == []


class TestPartnerCreateBody:
    def test_deep_insert_has_roles_address_language_and_sales_area(self) -> None:
        name = "Contoso Manufacturing and Logistics Europe Holding GmbH"
        body = partner_create_body(
            CustomerCreate(
                name=name,
                external_id="001Dn00000ABCDE",
                address=AddressInput(street="Hauptstr. 1", city="Berlin", country="DE"),
            ),
            DEFAULTS,
        )
        assert body["OrganizationBPName1"] == "Contoso Manufacturing and Logistics"
        assert body["OrganizationBPName2"] == "Europe Holding GmbH"
        assert "OrganizationBPName3" not in body
        assert [r["BusinessPartnerRole"] for r in body["to_BusinessPartnerRole"]] == [
            "FLCU00",
            "FLCU01",
        ]
        assert body["to_BusinessPartnerAddress"][0]["Language"] == "EN"
        area = body["to_Customer"]["to_CustomerSalesArea"][0]
        assert (area["SalesOrganization"], area["Currency"]) == ("1010", "EUR")
        assert body["to_Customer"]["to_CustomerCompany"][0]["ReconciliationAccount"] == "12100000"

    def test_contact_data_on_the_address_and_vat_id_on_the_customer(self) -> None:
        body = partner_create_body(
            CustomerCreate(
                name="Contoso",
                address=AddressInput(street="Hauptstr. 1", city="Berlin", country="DE"),
                email="ap@contoso.example",
                phone="+49301234567",
                website="https://contoso.example",
                vat_id="DE123456789",
            ),
            DEFAULTS,
        )
        address = body["to_BusinessPartnerAddress"][0]
        assert address["to_EmailAddress"][0]["EmailAddress"] == "ap@contoso.example"
        assert address["to_PhoneNumber"][0]["PhoneNumber"] == "+49301234567"
        assert address["to_URLAddress"][0]["WebsiteURL"] == "https://contoso.example"
        assert body["to_Customer"]["VATRegistration"] == "DE123456789"

    def test_no_contact_data_sends_no_communication_children(self) -> None:
        body = partner_create_body(
            CustomerCreate(
                name="Contoso",
                address=AddressInput(street="Hauptstr. 1", city="Berlin", country="DE"),
            ),
            DEFAULTS,
        )
        assert "to_URLAddress" not in body["to_BusinessPartnerAddress"][0]
        assert "VATRegistration" not in body["to_Customer"]

    def test_names_are_split_between_words(self) -> None:
        assert split_name("A" * 45) == ["A" * 40, "A" * 5]
        assert all(len(line) <= 40 for line in split_name("word " * 40))

    def test_a_name_of_long_words_is_broken_inside_words_rather_than_cut_short(self) -> None:
        name = " ".join(["W" * 21] * 7)  # 153 characters: seven lines if broken between words
        lines = split_name(name)
        assert [len(line) for line in lines] == [40, 40, 40, 33]
        assert "".join(lines) == name


class TestSalesOrderBody:
    def test_items_numbered_in_tens_with_manual_price_only_when_given(self) -> None:
        body = sales_order_create_body(
            SalesOrderCreate(
                customer_id="17100001",
                external_reference="SF-1",
                requested_delivery_date=date(2024, 5, 8),
                ship_to_customer_id="17100002",
                lines=[
                    SalesOrderLineCreate(sku="TG11", quantity=Decimal("3")),
                    SalesOrderLineCreate(
                        sku="TG12", quantity=Decimal("1.5"), unit="KG", unit_price=Decimal("99")
                    ),
                ],
            ),
            DEFAULTS,
        )
        assert body["OrganizationDivision"] == "00"
        assert body["PurchaseOrderByCustomer"] == "SF-1"
        assert body["RequestedDeliveryDate"] == "/Date(1715126400000)/"
        assert body["to_Partner"] == [{"PartnerFunction": "SH", "Customer": "17100002"}]
        first, second = body["to_Item"]
        assert (first["SalesOrderItem"], first["RequestedQuantity"]) == ("10", "3")
        assert "to_PricingElement" not in first
        assert second["to_PricingElement"] == [
            {"ConditionType": "PMP0", "ConditionRateValue": "99"}
        ]


class TestSalesOrderFrom:
    def test_lines_are_ordered_and_amounts_are_money(self) -> None:
        order = sales_order_from(sap.sales_order())
        assert [line.line_number for line in order.lines] == ["10", "20"]
        assert order.total is not None
        assert order.total.amount == Decimal("52.65")
        assert order.lines[0].net_amount is not None
        assert order.lines[0].net_amount.currency == "EUR"
        assert order.external_reference == "SF-00012345"

    @pytest.mark.parametrize(
        ("codes", "expected"),
        [
            ({}, SalesOrderStatus.OPEN),
            ({"credit": "B"}, SalesOrderStatus.BLOCKED),
            ({"delivery": "B"}, SalesOrderStatus.IN_DELIVERY),
            ({"delivery": "C"}, SalesOrderStatus.DELIVERED),
            ({"delivery": "C", "billing": "B"}, SalesOrderStatus.PARTIALLY_BILLED),
            ({"delivery": "C", "billing": "C"}, SalesOrderStatus.BILLED),
            ({"rejection": "C", "billing": "C"}, SalesOrderStatus.CANCELLED),
        ],
    )
    def test_canonical_status(self, codes: dict[str, str], expected: SalesOrderStatus) -> None:
        assert order_status(sap.sales_order(**codes)) == expected

    def test_billed_and_cancelled_orders_are_not_open_exposure(self) -> None:
        assert is_open_for_credit(sap.sales_order(delivery="C"))
        assert not is_open_for_credit(sap.sales_order(billing="C"))
        assert not is_open_for_credit(sap.sales_order(rejection="C"))


class TestPrices:
    def test_rate_per_pricing_unit(self) -> None:
        record = sap.price_validity("TG11", "250.00", per="100")["to_SlsPrcgConditionRecord"]
        price = unit_price_from(record)
        assert price is not None
        assert price.amount == Decimal("2.5")

    def test_deleted_record_has_no_price(self) -> None:
        record = sap.price_validity("TG11", "9.99")["to_SlsPrcgConditionRecord"]
        assert unit_price_from({**record, "ConditionIsDeleted": True}) is None


class TestInvoiceFrom:
    def test_open_invoice_with_order_number(self) -> None:
        invoice = invoice_from(sap.billing_document("90000001"))
        assert invoice.status == "open"
        assert invoice.sales_order_id == "4711"
        assert invoice.gross_amount is not None
        assert invoice.gross_amount.amount == Decimal("119.00")

    def test_cleared_is_paid(self) -> None:
        assert invoice_from(sap.billing_document("90000002", clearing="C")).status == "paid"
