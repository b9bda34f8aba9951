"""Salesforce REST responses as an org sends them (shapes from the API reference), for unit tests."""

from __future__ import annotations

from typing import Any

INSTANCE = "https://acme.my.salesforce.com"
LOGIN = "https://login.example.test"
TOKEN_URL = f"{LOGIN}/services/oauth2/token"
DATA = f"{INSTANCE}/services/data/v62.0"
LIMIT_INFO = {"Sforce-Limit-Info": "api-usage=18/15000"}


def token(access_token: str = "00D000000000001!AQ8AQtoken1") -> dict[str, Any]:
    return {
        "access_token": access_token,
        "signature": "pY3kWq0X0n3yW8cQ5p6m1yq2yJ8cQ5p6m1yq2yJ8cQ4=",
        "scope": "api",
        "instance_url": INSTANCE,
        "id": "https://login.salesforce.com/id/00D000000000001EAA/005000000000001AAA",
        "token_type": "Bearer",
        "issued_at": "1717171717171",
    }


def account(record_id: str = "001000000000001AAA", name: str = "Acme GmbH") -> dict[str, Any]:
    return {
        "attributes": {
            "type": "Account",
            "url": f"/services/data/v62.0/sobjects/Account/{record_id}",
        },
        "Id": record_id,
        "Name": name,
        "AccountNumber": "P-1001",
        "ERP_Customer_Number__c": "1000001",
        "Phone": "+49 30 1234567",
        "Website": "https://acme.example",
        "Industry": "Manufacturing",
        "BillingStreet": "Hauptstr. 1",
        "BillingCity": "Berlin",
        "BillingPostalCode": "10115",
        "BillingState": "BE",
        "BillingCountry": "DE",
        "OwnerId": "005000000000001AAA",
        "LastModifiedDate": "2026-11-01T10:00:00.000+0000",
    }


def query_page(
    records: list[dict[str, Any]], *, total: int, next_url: str | None
) -> dict[str, Any]:
    page: dict[str, Any] = {"totalSize": total, "done": next_url is None, "records": records}
    if next_url:
        page["nextRecordsUrl"] = next_url
    return page


SESSION_EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
LIMIT_EXCEEDED = [
    {"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}
]
ROW_LOCK = [
    {
        "message": "unable to obtain exclusive access to this record or 1 records: 001000000000001AAA",
        "errorCode": "UNABLE_TO_LOCK_ROW",
        "fields": [],
    }
]
REQUIRED_NAME = [
    {
        "message": "Required fields are missing: [Name]",
        "errorCode": "REQUIRED_FIELD_MISSING",
        "fields": ["Name"],
    }
]
DUPLICATE = [
    {
        "message": "duplicate value found: ERP_Customer_Number__c duplicates value on record with id: 001000000000002AAA",
        "errorCode": "DUPLICATE_VALUE",
        "fields": [],
    }
]
HALTED = [
    {
        "errorCode": "PROCESSING_HALTED",
        "message": "The transaction was rolled back since another operation in the same transaction failed.",
    }
]
