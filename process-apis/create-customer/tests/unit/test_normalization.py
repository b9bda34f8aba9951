"""Validation and normalization of a new customer."""

from __future__ import annotations

from typing import Any

import pytest

from create_customer_process.domain.errors import InvalidCustomer
from create_customer_process.domain.models import CustomerCreate
from create_customer_process.domain.normalization import (
    erp_region_code,
    name_key,
    normalize_customer,
    search_word,
    website_domain,
)


def request(**changes: Any) -> CustomerCreate:
    address = {
        "street": " Hauptstraße ",
        "city": "München",
        "postalCode": " 80331 ",
        "country": "Germany",
        "region": "by",
    }
    address.update(changes.pop("address", {}))
    return CustomerCreate.model_validate({"name": "Acme GmbH", "address": address, **changes})


def pointers(error: pytest.ExceptionInfo[InvalidCustomer]) -> list[str]:
    return [field.pointer for field in error.value.errors or []]


class TestNormalizeCustomer:
    def test_trims_and_resolves_codes(self) -> None:
        customer = normalize_customer(
            request(name="  Acme \t  Werke  GmbH ", phone="089 1234567", email="Ap@Acme.EXAMPLE")
        )
        assert customer.name == "Acme Werke GmbH"
        assert customer.address.street == "Hauptstraße"
        assert (customer.address.country, customer.address.country_name) == ("DE", "Germany")
        assert (customer.address.region_code, customer.address.region_name) == ("DE-BY", "Bayern")
        assert customer.phone == "+49891234567"
        assert customer.email == "Ap@acme.example"

    @pytest.mark.parametrize("region", ["California", "CA", "us-ca", "california "])
    def test_region_by_name_or_code(self, region: str) -> None:
        customer = normalize_customer(
            request(address={"country": "USA", "region": region, "postalCode": "95110"})
        )
        assert customer.address.region_code == "US-CA"

    def test_website_gets_a_scheme_and_its_domain(self) -> None:
        customer = normalize_customer(request(website="WWW.Acme.Example/"))
        assert (customer.website, customer.website_domain) == (
            "https://www.acme.example",
            "acme.example",
        )

    @pytest.mark.parametrize("website", ["w]x.example", "[::1", "acme.example:99999", "http://"])
    def test_a_website_no_url_parser_takes_is_a_field_error(self, website: str) -> None:
        with pytest.raises(InvalidCustomer) as error:
            normalize_customer(request(website=website))
        assert [e.pointer for e in error.value.errors] == ["/website"]

    def test_vat_id_loses_separators(self) -> None:
        assert normalize_customer(request(vatId="de 811.907-980")).vat_id == "DE811907980"

    def test_industry_takes_the_picklist_spelling(self) -> None:
        assert normalize_customer(request(industry="food & BEVERAGE")).industry == "Food & Beverage"

    def test_every_bad_field_is_reported(self) -> None:
        with pytest.raises(InvalidCustomer) as error:
            normalize_customer(
                request(
                    name=" ",
                    phone="12",
                    email="a@b",
                    website="ftp://x.example",
                    industry="Alchemy",
                    vatId="QQ12",
                    address={"region": "Texas", "postalCode": "80#31"},
                )
            )
        assert sorted(pointers(error)) == [
            "/address/postalCode",
            "/address/region",
            "/email",
            "/industry",
            "/name",
            "/phone",
            "/vatId",
            "/website",
        ]

    def test_unknown_country_is_named(self) -> None:
        with pytest.raises(InvalidCustomer) as error:
            normalize_customer(request(address={"country": "Atlantis"}))
        assert pointers(error) == ["/address/country"]

    def test_phone_without_country_code_is_read_in_the_address_country(self) -> None:
        customer = normalize_customer(
            request(phone="(408) 555-0100", address={"country": "US", "region": "CA"})
        )
        assert customer.phone == "+14085550100"


class TestKeys:
    def test_name_key_ignores_case_accents_punctuation_and_legal_form(self) -> None:
        assert (
            name_key("MÜLLER & Söhne, GmbH") == name_key("Muller and Sohne") == "muller and sohne"
        )

    def test_name_key_keeps_a_name_that_is_only_a_legal_form(self) -> None:
        assert name_key("AG") == "ag"

    def test_search_word_skips_articles_and_legal_forms(self) -> None:
        assert search_word("The GmbH Müller Werke") == "Müller"

    @pytest.mark.parametrize(
        ("url", "domain"),
        [
            ("https://www.acme.example/x", "acme.example"),
            ("acme.example", "acme.example"),
            ("http://shop.acme.example", "shop.acme.example"),
            ("https://", None),
        ],
    )
    def test_website_domain(self, url: str, domain: str | None) -> None:
        assert website_domain(url) == domain

    def test_erp_region_code_is_the_iso_suffix_unless_configured(self) -> None:
        assert erp_region_code("US-CA", {}) == "CA"
        assert erp_region_code("DE-BY", {"DE-BY": "09"}) == "09"
