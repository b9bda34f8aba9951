"""Canonical customer values: both systems' shapes compare equal when they agree."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from customer_sync_process.adapters.ports import (
    CrmAccountProfile,
    CrmAddress,
    ErpAddress,
    ErpCustomerProfile,
)
from customer_sync_process.domain.values import crm_values, crm_write, erp_values, erp_write
from trivium.schemas import Money


def crm_profile(**fields: object) -> CrmAccountProfile:
    return CrmAccountProfile.model_validate({"id": "001A", "name": "Rhön Pumpen", **fields})


def erp_profile(**fields: object) -> ErpCustomerProfile:
    base = {"id": "1000009", "name": "Rhön Pumpen", "changedAt": datetime.now(UTC)}
    return ErpCustomerProfile.model_validate({**base, **fields})


class TestCanonicalValues:
    def test_addresses_agree_across_shapes(self) -> None:
        crm = crm_profile(
            billing_address=CrmAddress(
                street="Hauptstraße 5a", city="Fulda", postal_code="36037", country="Germany"
            )
        )
        erp = erp_profile(
            address=ErpAddress(
                street="Hauptstraße",
                house_number="5a",
                city="Fulda",
                postal_code="36037",
                country="DE",
            )
        )

        assert crm_values(crm)["billingAddress"] == erp_values(erp)["billingAddress"]

    def test_amounts_agree_whatever_their_scale(self) -> None:
        crm = crm_profile(credit_limit=Money(amount=Decimal("15000.0"), currency="EUR"))
        erp = erp_profile(credit_limit=Money(amount=Decimal("15000.000"), currency="EUR"))

        assert crm_values(crm)["creditLimit"] == erp_values(erp)["creditLimit"] == "15000.00"

    def test_customer_number_is_the_erp_id(self) -> None:
        assert erp_values(erp_profile())["customerNumber"] == "1000009"


class TestWrites:
    def test_erp_address_splits_the_house_number(self) -> None:
        body = erp_write(
            {
                "billingAddress": {
                    "street": "Hauptstraße 5a",
                    "city": "Fulda",
                    "postalCode": "36037",
                    "country": "DE",
                }
            }
        )

        assert body["address"]["street"] == "Hauptstraße"
        assert body["address"]["houseNumber"] == "5a"

    def test_incomplete_address_is_not_written_to_the_erp(self) -> None:
        assert erp_write({"billingAddress": {"street": None, "city": "Fulda"}}) == {}

    def test_crm_gets_the_country_name(self) -> None:
        body = crm_write({"billingAddress": {"country": "DE", "city": "Fulda"}, "blocked": True})

        assert body["billingAddress"]["country"] == "Germany"
        assert body["erpBlocked"] is True
