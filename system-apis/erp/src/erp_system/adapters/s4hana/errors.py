"""SAP Gateway error answers translated into this API's problems (never passed through raw)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from erp_system.adapters.upstream import problem_for_status
from erp_system.domain.errors import RecordNotFound
from trivium.problems import FieldError, Problem

# Where an SAP property a business message names lives in this API's request bodies.
FIELD_POINTERS = {
    "OrganizationBPName1": "/name",
    "SearchTerm1": "/searchTerm",
    "BusinessPartnerIDByExtSystem": "/externalId",
    "StreetName": "/address/street",
    "HouseNumber": "/address/houseNumber",
    "CityName": "/address/city",
    "PostalCode": "/address/postalCode",
    "Region": "/address/region",
    "Country": "/address/country",
    "Language": "/language",
    "Currency": "/salesArea/currency",
    "SalesOrganization": "/salesArea/salesOrganization",
    "DistributionChannel": "/salesArea/distributionChannel",
    "Division": "/salesArea/division",
    "CustomerPaymentTerms": "/salesArea/paymentTerms",
    "SoldToParty": "/customerId",
    "PurchaseOrderByCustomer": "/externalReference",
    "RequestedDeliveryDate": "/requestedDeliveryDate",
    "Material": "/lines/sku",
    "RequestedQuantity": "/lines/quantity",
    "RequestedQuantityUnit": "/lines/unit",
}


@dataclass(frozen=True)
class SapMessage:
    """The parts of SAP's `{"error": ...}` body this API uses."""

    code: str
    text: str
    details: tuple[tuple[str, str, str], ...] = ()  # (code, message, property)


def parse_sap_error(body: bytes) -> SapMessage | None:
    """SAP's JSON error envelope, or None for the plain-text and HTML answers."""
    try:
        payload = json.loads(body)
    except ValueError:
        return None
    error = payload.get("error") if isinstance(payload, Mapping) else None
    if not isinstance(error, Mapping):
        return None
    message = error.get("message")
    text = message.get("value") if isinstance(message, Mapping) else message
    inner = error.get("innererror")
    raw_details = inner.get("errordetails", []) if isinstance(inner, Mapping) else []
    details = tuple(
        (str(item.get("code", "")), str(item.get("message", "")), _property_of(item))
        for item in raw_details
        if isinstance(item, Mapping) and item.get("severity", "error") == "error"
    )
    return SapMessage(str(error.get("code", "")), str(text or "").strip(), details)


def _property_of(item: Mapping[str, Any]) -> str:
    return str(item.get("propertyref") or item.get("target") or "").rsplit("/", 1)[-1]


def field_errors(message: SapMessage) -> list[FieldError]:
    """One FieldError per business message, pointing at our field when we know it."""
    details = message.details or ((message.code, message.text, ""),)
    return [
        FieldError(pointer=FIELD_POINTERS.get(prop, "/"), detail=text or code)
        for code, text, prop in details
    ]


def problem_for(
    status: int,
    body: bytes,
    *,
    what: str,
    not_found: type[Problem] = RecordNotFound,
    retry_after: str | None = None,
) -> Problem:
    """The problem that tells our client what an SAP error means for them."""
    message = parse_sap_error(body)
    return problem_for_status(
        status,
        what=what,
        text=message.text if message else None,
        code=message.code if message else None,
        errors=field_errors(message) if message else [],
        not_found=not_found,
        retry_after=retry_after,
    )
