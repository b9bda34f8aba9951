"""Customer values in one shape for both systems, so that they can be compared and copied.

Each system names and splits things its own way (a street line with the house number, or the
two apart; a country as a name or as an ISO code; an amount with trailing zeros); the canonical
value is JSON-friendly and equal in both when they agree.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pycountry

from customer_sync_process.adapters.ports import (
    CrmAccountProfile,
    CrmAddress,
    ErpAddress,
    ErpCustomerProfile,
)
from trivium.schemas import Money

Values = dict[str, Any]
CENT = Decimal("0.01")
_HOUSE_NUMBER = re.compile(r"^(?P<street>.*\S)\s+(?P<number>\d+\s?[A-Za-z]?(?:[-/]\d+[A-Za-z]?)?)$")


def country_code(country: str | None) -> str | None:
    """ISO 3166 alpha-2 for a country name or code (the text itself when it is neither)."""
    if not country:
        return None
    try:
        return str(pycountry.countries.lookup(country.strip()).alpha_2)
    except LookupError:
        return country.strip()


def _amount(money: Money | None) -> str | None:
    return None if money is None else format(money.amount.quantize(CENT), "f")


def _address(street: str | None, city: str | None, postal: str | None, country: str | None) -> (
    dict[str, str | None] | None
):  # fmt: skip
    if not any((street, city, postal, country)):
        return None
    return {
        "street": street or None,
        "city": city or None,
        "postalCode": postal or None,
        "country": country_code(country),
    }


def crm_address(address: CrmAddress | None) -> dict[str, str | None] | None:
    if address is None:
        return None
    return _address(address.street, address.city, address.postal_code, address.country)


def erp_address(address: ErpAddress | None) -> dict[str, str | None] | None:
    if address is None:
        return None
    street = " ".join(part for part in (address.street, address.house_number) if part)
    return _address(street, address.city, address.postal_code, address.country)


def crm_values(profile: CrmAccountProfile) -> Values:
    return {
        "name": profile.name,
        "phone": profile.phone or None,
        "billingAddress": crm_address(profile.billing_address),
        "creditLimit": _amount(profile.credit_limit),
        "paymentTerms": profile.payment_terms or None,
        "blocked": profile.erp_blocked,
        "customerNumber": profile.erp_customer_number or None,
    }


def erp_values(profile: ErpCustomerProfile) -> Values:
    return {
        "name": profile.name,
        "phone": profile.phone or None,
        "billingAddress": erp_address(profile.address),
        "creditLimit": _amount(profile.credit_limit),
        "paymentTerms": profile.payment_terms or None,
        "blocked": profile.blocked,
        "customerNumber": profile.id,
    }


def erp_write(changes: Values) -> dict[str, Any]:
    """The ERP System API body writing these canonical values (name, phone, address)."""
    body: dict[str, Any] = {}
    if "name" in changes:
        body["name"] = changes["name"]
    if changes.get("phone"):
        body["phone"] = changes["phone"]
    address = changes.get("billingAddress")
    if address and address.get("street") and address.get("city") and address.get("country"):
        match = _HOUSE_NUMBER.match(address["street"])
        body["address"] = {
            "street": match.group("street") if match else address["street"],
            "houseNumber": match.group("number") if match else None,
            "city": address["city"],
            "postalCode": address.get("postalCode"),
            "country": address["country"],
        }
    return body


def crm_write(changes: Values) -> dict[str, Any]:
    """The Salesforce System API body writing these canonical values."""
    names = {
        "name": "name",
        "phone": "phone",
        "creditLimit": "creditLimit",
        "paymentTerms": "paymentTerms",
        "blocked": "erpBlocked",
        "customerNumber": "erpCustomerNumber",
    }
    body: dict[str, Any] = {names[k]: v for k, v in changes.items() if k in names}
    if "billingAddress" in changes:
        address = changes["billingAddress"] or {}
        country = address.get("country")
        name = pycountry.countries.get(alpha_2=country) if country and len(country) == 2 else None
        body["billingAddress"] = {
            "street": address.get("street"),
            "city": address.get("city"),
            "postalCode": address.get("postalCode"),
            "country": name.name if name is not None else country,
        }
    return body


def writable_values(changes: Values, body: dict[str, Any], *, target: str) -> Values:
    """The part of `changes` that `body` really writes (an ERP address needs street, city and
    country; an empty phone is not written)."""
    if target == "erp":
        kept = {k: v for k, v in changes.items() if k in ("name", "phone") and k in body}
        if "billingAddress" in changes and "address" in body:
            kept["billingAddress"] = changes["billingAddress"]
        return kept
    return dict(changes)
