"""The metadata catalog: the record types served and a JSON Schema of each."""

from __future__ import annotations

import json
from typing import Any

from netsuite_emulator.domain.records import record_type_or_error

REFERENCE = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "refName": {"type": "string"}},
}
STRING, NUMBER, BOOLEAN = {"type": "string"}, {"type": "number"}, {"type": "boolean"}
DATE, DATE_TIME = {"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}


def _sublist(line: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "items": {"type": "array", "items": {"type": "object", "properties": line}},
            "totalResults": {"type": "integer"},
        },
    }


TRANSACTION_LINE = {
    "line": {"type": "integer"},
    "item": REFERENCE,
    "quantity": NUMBER,
    "rate": NUMBER,
    "amount": NUMBER,
    "location": REFERENCE,
    "description": STRING,
    "orderLine": {"type": "integer"},
}
TRANSACTION = {
    "id": STRING,
    "tranId": STRING,
    "externalId": STRING,
    "entity": REFERENCE,
    "tranDate": DATE,
    "status": REFERENCE,
    "otherRefNum": STRING,
    "memo": STRING,
    "createdFrom": REFERENCE,
    "currency": REFERENCE,
    "total": NUMBER,
    "createdDate": DATE_TIME,
    "lastModifiedDate": DATE_TIME,
    "item": _sublist(TRANSACTION_LINE),
}
PROPERTIES: dict[str, dict[str, Any]] = {
    "customer": {
        "id": STRING,
        "externalId": STRING,
        "entityId": STRING,
        "companyName": STRING,
        "email": STRING,
        "phone": STRING,
        "url": STRING,
        "defaultAddress": STRING,
        "creditLimit": NUMBER,
        "balance": NUMBER,
        "overdueBalance": NUMBER,
        "unbilledOrders": NUMBER,
        "terms": REFERENCE,
        "currency": REFERENCE,
        "subsidiary": REFERENCE,
        "isInactive": BOOLEAN,
        "vatRegNumber": STRING,
        "creditHoldOverride": REFERENCE,
        "dateCreated": DATE_TIME,
        "lastModifiedDate": DATE_TIME,
        "addressBook": _sublist(
            {
                "addressBookAddress": {"type": "object"},
                "defaultBilling": BOOLEAN,
                "defaultShipping": BOOLEAN,
            }
        ),
        "itemPricing": _sublist({"item": REFERENCE, "price": NUMBER}),
    },
    "inventoryItem": {
        "id": STRING,
        "externalId": STRING,
        "itemId": STRING,
        "displayName": STRING,
        "description": STRING,
        "basePrice": NUMBER,
        "isInactive": BOOLEAN,
        "lastModifiedDate": DATE_TIME,
        "locations": _sublist(
            {
                "location": REFERENCE,
                "quantityOnHand": NUMBER,
                "quantityAvailable": NUMBER,
                "quantityCommitted": NUMBER,
                "quantityOnOrder": NUMBER,
            }
        ),
    },
    "salesOrder": {
        **TRANSACTION,
        "shipDate": DATE,
        "orderStatus": REFERENCE,
        "item": _sublist(
            {**TRANSACTION_LINE, "quantityFulfilled": NUMBER, "quantityBilled": NUMBER}
        ),
    },
    "invoice": {**TRANSACTION, "dueDate": DATE, "amountRemaining": NUMBER},
    "itemFulfillment": TRANSACTION,
}


def catalog(base_url: str) -> dict[str, Any]:
    items = [
        {
            "name": name,
            "links": [
                {"rel": "canonical", "href": f"{base_url}/{name}", "mediaType": "application/json"},
                {
                    "rel": "describes",
                    "href": f"{base_url}/metadata-catalog/{name}",
                    "mediaType": "application/schema+json",
                },
            ],
        }
        for name in PROPERTIES
    ]
    return {"items": items, "links": [{"rel": "self", "href": f"{base_url}/metadata-catalog"}]}


def record_schema(record_type: str, base_url: str) -> dict[str, Any]:
    name = record_type_or_error(record_type).name
    return {
        "$schema": "http://json-schema.org/draft-06/hyper-schema#",
        "type": "object",
        "title": name,
        "properties": PROPERTIES[name],
        "links": [{"rel": "self", "href": f"{base_url}/metadata-catalog/{name}"}],
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document)
