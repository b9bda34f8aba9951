"""Answers of NetSuite's SuiteTalk REST services as recorded from an account, for unit tests of
the NetSuite adapter: SuiteQL pages (every value text), record-service creates, error bodies."""

from __future__ import annotations

from typing import Any

HOST = "https://1234567-sb1.suitetalk.api.netsuite.com"
SUITEQL = f"{HOST}/services/rest/query/v1/suiteql"
RECORDS = f"{HOST}/services/rest/record/v1"


def page(*rows: dict[str, Any], has_more: bool = False, offset: int = 0) -> dict[str, Any]:
    """One page of a SuiteQL answer."""
    return {
        "links": [{"rel": "self", "href": f"{SUITEQL}?limit=1000&offset={offset}"}],
        "count": len(rows),
        "hasMore": has_more,
        "items": [{"links": [], **row} for row in rows],
        "offset": offset,
        "totalResults": offset + len(rows) + (1 if has_more else 0),
    }


def error(status: int, code: str, detail: str, path: str | None = None) -> dict[str, Any]:
    """NetSuite's error body."""
    entry = {"detail": detail, "o:errorCode": code}
    if path is not None:
        entry["o:errorPath"] = path
    return {
        "type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec10.4.1",
        "title": {400: "Bad Request", 401: "Unauthorized", 429: "Too Many Requests"}.get(
            status, "Error"
        ),
        "status": status,
        "o:errorDetails": [entry],
    }


def customer_row(**overrides: str) -> dict[str, str]:
    row = {
        "id": "2",
        "entityid": "1000002",
        "companyname": "Alpen Anlagenbau AG",
        "addr1": "Industriestraße 2",
        "city": "München",
        "zip": "80331",
        "country": "DE",
        "isinactive": "F",
        "creditholdoverride": "AUTO",
        "creditlimit": "150000",
        "balance": "1250.5",
        "unbilledorders": "800",
        "subsidiary": "1",
        "currencysymbol": "EUR",
        "terms": "1",
        "datecreated": "2026-11-02T08:15:00Z",
        "lastmodifieddate": "2026-12-01T10:00:00Z",
    }
    row.update(overrides)
    return row


def order_row(order_id: str, *, status: str = "B", **overrides: str) -> dict[str, str]:
    row = {
        "id": order_id,
        "tranid": f"SO{order_id}",
        "customer": "1000002",
        "otherrefnum": "PO-4711",
        "status": status,
        "trandate": "2026-12-07",
        "foreigntotal": "165",
        "currencysymbol": "EUR",
        "lastmodifieddate": "2026-12-07T09:30:00Z",
    }
    row.update(overrides)
    return row


def line_row(order_id: str, number: int, sku: str, quantity: str, amount: str) -> dict[str, str]:
    # NetSuite keeps sales order lines as credits: negative quantities and amounts.
    return {
        "ordernumber": order_id,
        "linesequencenumber": str(number),
        "sku": sku,
        "description": f"{sku} description",
        "quantity": f"-{quantity}",
        "quantityshiprecv": "0",
        "amount": f"-{amount}",
    }
