"""Answers recorded from the running Salesforce and ERP System APIs (against the emulators' demo
data), used by the adapter tests. Recorded with the services of this repository; refresh them when
the System APIs' contracts change."""

from typing import Any


def json_answer(status: int, body: Any, **headers: str) -> dict[str, Any]:
    """A recorded JSON answer (with its other headers, e.g. `location`)."""
    return {
        "status": status,
        "headers": {"content-type": "application/json", **headers},
        "json": body,
    }


def problem_answer(
    status: int,
    slug: str,
    title: str,
    *,
    detail: str,
    instance: str,
    correlation_id: str,
    retry_after: str | None = None,
    errors: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A recorded RFC 9457 problem, as every System API renders one."""
    headers = {"retry-after": retry_after} if retry_after else {}
    body: dict[str, Any] = {
        "type": f"https://trivium.dev/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "correlationId": correlation_id,
    }
    if errors is not None:
        body["errors"] = errors
    return {
        "status": status,
        "headers": {**headers, "content-type": "application/problem+json"},
        "json": body,
    }


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def quote_line(
    number: int,
    *,
    product: str,
    sku: str,
    name: str,
    quantity: str,
    unit_price: str,
    discount: str | None,
    total: str,
) -> dict[str, Any]:
    return {
        "id": f"0QL00000000000{number}GAA",
        "productId": f"01t00000000000{product}AAQ",
        "sku": sku,
        "productCode": sku,
        "productName": name,
        "quantity": quantity,
        "unitPrice": money(unit_price),
        "discountPercent": discount,
        "totalPrice": money(total),
    }


def sales_order_line(
    number: str, *, sku: str, description: str, quantity: str, net: str
) -> dict[str, Any]:
    return {
        "lineNumber": number,
        "sku": sku,
        "description": description,
        "quantity": quantity,
        "unit": "PC",
        "confirmedQuantity": quantity,
        "netAmount": money(net),
    }


SYSTEM = json_answer(200, {"systemId": "00D7Q000004hZ2mUAE", "kind": "salesforce"})

SYSTEM_UNNAMED = json_answer(200, {"systemId": None, "kind": "salesforce"})

QUOTE = json_answer(
    200,
    {
        "id": "0Q0000000000003CAA",
        "name": "Quote 03",
        "quoteNumber": "00000003",
        "status": "Accepted",
        "expirationDate": "2027-01-27",
        "opportunityId": "006000000000003AAA",
        "account": {
            "id": "001000000000003AAA",
            "name": "Rhein Fluid Systems GmbH",
            "accountNumber": "P-1003",
            "erpCustomerNumber": "1000003",
        },
        "lines": [
            quote_line(
                6,
                product="B",
                sku="MAT-0011",
                name="Centrifugal Pump 200",
                quantity="2.0",
                unit_price="150.0",
                discount="5.0",
                total="285.0",
            ),
            quote_line(
                7,
                product="C",
                sku="MAT-0012",
                name="Gate Valve 210",
                quantity="4.0",
                unit_price="162.5",
                discount=None,
                total="650.0",
            ),
            quote_line(
                8,
                product="D",
                sku="MAT-0013",
                name="Ball Valve 220",
                quantity="6.0",
                unit_price="175.0",
                discount=None,
                total="1050.0",
            ),
            quote_line(
                9,
                product="E",
                sku="MAT-0014",
                name="Pressure Sensor 230",
                quantity="8.0",
                unit_price="187.5",
                discount=None,
                total="1500.0",
            ),
        ],
        "total": money("3534.0"),
    },
)

QUOTE_NOT_FOUND = problem_answer(
    404,
    "record-not-found",
    "The record does not exist",
    detail="No quote has the id '0Q0000000000999CAA'.",
    instance="/quotes/0Q0000000000999CAA",
    correlation_id="70b250baf90f4df39fe0e2b112e5e0fb",
)

ACCOUNT_FIELDS: dict[str, Any] = {
    "id": "001000000000002AAA",
    "name": "Alpen Anlagenbau AG",
    "accountNumber": "P-1002",
    "erpCustomerNumber": "1000002",
    "phone": "+49 40 5550002",
    "website": "https://www.p-1002.example",
    "industry": "Engineering",
    "billingAddress": {
        "street": "Industriestraße 2",
        "city": "München",
        "postalCode": "80331",
        "region": None,
        "country": "Germany",
    },
    "ownerId": "005000000000001AAA",
    "lastModifiedAt": "2026-11-28T17:24:37.878000Z",
}

ACCOUNT = json_answer(200, ACCOUNT_FIELDS)

ACCOUNT_NOT_FOUND = problem_answer(
    404,
    "record-not-found",
    "The record does not exist",
    detail="The account does not exist.",
    instance="/accounts/001000000000999AAA",
    correlation_id="84dd117f8b4e4770b1199ce9a0b01a34",
)

ACCOUNT_PAGE = json_answer(200, {"items": [ACCOUNT_FIELDS], "nextCursor": None})

ACCOUNT_PAGE_EMPTY = json_answer(200, {"items": [], "nextCursor": None})

CRM_ORDER_CREATED = json_answer(
    201,
    {
        "id": "801000000000002AAA",
        "orderNumber": "00000101",
        "accountId": "001000000000002AAA",
        "quoteId": "0Q0000000000003CAA",
        "status": "Activated",
        "erpOrderNumber": "14",
        "erpStatus": "Created",
        "purchaseOrderNumber": None,
        "effectiveDate": "2026-11-28",
        "total": money("830.0"),
        "items": [
            {
                "id": "802000000000003AAA",
                "productId": "01t00000000000BAAQ",
                "sku": "MAT-0011",
                "quantity": "2.0",
                "unitPrice": money("415.0"),
                "totalPrice": money("830.0"),
            }
        ],
    },
    location="/orders/801000000000002AAA",
)

CRM_ORDER_REJECTED = problem_answer(
    422,
    "record-rejected",
    "The CRM rejected the record",
    detail="Some items name products that are not in the standard price book.",
    instance="/orders",
    correlation_id="c505a71b31084ab19b678f9a636519b5",
    errors=[{"pointer": "/items", "detail": "unknown sku:MAT-9999"}],
)

CRM_ORDER_MARK_REJECTED = problem_answer(
    422,
    "record-rejected",
    "The CRM rejected the record",
    detail="The CRM rejected the order: Status: bad value for restricted picklist field: Ordered",
    instance="/orders",
    correlation_id="c906705d66aa437681827a8349c86ee4",
    errors=[
        {"pointer": "/status", "detail": "Status: bad value for restricted picklist field: Ordered"}
    ],
)

CRM_UNAUTHORIZED = problem_answer(
    401,
    "unauthorized",
    "Authentication is required",
    detail="This internal API needs a service token (Authorization: Bearer).",
    instance="/quotes/0Q0000000000003CAA",
    correlation_id="5bf9f1682db54b0a977a8a3bf9a8558a",
)

CRM_UNAVAILABLE = problem_answer(
    503,
    "crm-unavailable",
    "The CRM is unavailable",
    detail="The CRM is busy or unavailable; try again shortly.",
    instance="/quotes/0Q0000000000003CAA",
    correlation_id="187b41f2c1964fceadb65b5874cea392",
    retry_after="30",
)

CRM_KEY_IN_PROGRESS = problem_answer(
    409,
    "idempotency-request-in-progress",
    "A request with this Idempotency-Key is still being processed",
    detail="The first request with this key has not finished yet; retry later.",
    instance="/orders",
    correlation_id="2dc9acffdb3c4481b2e55d6533c0aed0",
    retry_after="1",
)

ORDER_CHECK = json_answer(
    200,
    {
        "customerId": "1000002",
        "currency": "EUR",
        "lines": [
            {
                "sku": "MAT-0011",
                "quantity": "2",
                "listPrice": {"amount": "415.000", "currency": "EUR"},
                "unitPrice": {"amount": "415.000", "currency": "EUR"},
                "netAmount": {"amount": "830.00", "currency": "EUR"},
                "availableQuantity": "150",
                "inStock": True,
            },
            {
                "sku": "MAT-0020",
                "quantity": "1",
                "listPrice": {"amount": "748.500", "currency": "EUR"},
                "unitPrice": {"amount": "748.500", "currency": "EUR"},
                "netAmount": {"amount": "748.50", "currency": "EUR"},
                "availableQuantity": "0",
                "inStock": False,
            },
            {
                "sku": "MAT-0011",
                "quantity": "1",
                "listPrice": {"amount": "415.000", "currency": "EUR"},
                "unitPrice": {"amount": "400.00", "currency": "EUR"},
                "netAmount": {"amount": "400.00", "currency": "EUR"},
                "availableQuantity": "150",
                "inStock": True,
            },
        ],
        "total": {"amount": "1978.50", "currency": "EUR"},
        "priced": True,
        "inStock": False,
        "credit": None,
        "creditOk": True,
    },
)

ORDER_CHECK_CREDIT_REFUSED = json_answer(
    200,
    {
        "customerId": "1000050",
        "currency": "EUR",
        "lines": [
            {
                "sku": "MAT-0011",
                "quantity": "1",
                "listPrice": {"amount": "415.000", "currency": "EUR"},
                "unitPrice": {"amount": "415.000", "currency": "EUR"},
                "netAmount": {"amount": "415.00", "currency": "EUR"},
                "availableQuantity": "150",
                "inStock": True,
            }
        ],
        "total": {"amount": "415.00", "currency": "EUR"},
        "priced": True,
        "inStock": True,
        "credit": {
            "limit": "45950.000",
            "exposure": "0",
            "available": "45950.000",
            "currency": "EUR",
            "blocked": True,
            "sufficient": False,
        },
        "creditOk": False,
    },
)

ORDER_CHECK_CUSTOMER_NOT_FOUND = problem_answer(
    404,
    "customer-not-found",
    "The customer does not exist",
    detail="No customer has the number '1000999'.",
    instance="/sales-orders:simulate",
    correlation_id="eb24a86807954fcfa7d2438e8591a5ed",
)

SALES_ORDER = json_answer(
    200,
    {
        "id": "1",
        "customerId": "1000001",
        "externalReference": "NW-2024-0007",
        "status": "billed",
        "deliveryStatus": "complete",
        "billingStatus": "complete",
        "creditBlocked": False,
        "total": {"amount": "1727.000", "currency": "EUR"},
        "createdOn": "2026-09-30",
        "requestedDeliveryDate": "2026-10-05",
        "lines": [
            sales_order_line(
                "10",
                sku="MAT-0001",
                description="Centrifugal Pump 100",
                quantity="4.000",
                net="162.000",
            ),
            sales_order_line(
                "20",
                sku="MAT-0004",
                description="Pressure Sensor 130",
                quantity="10.000",
                net="1565.000",
            ),
        ],
    },
    etag='"Vy8iZGF0ZXRpbWVvZmZzZXQnMjAyNi0xMS0yOVQwNCUzQTUzJTNBNDkuMzI5NjczMFonIg"',
)

# The ERP System API answers a new sales order 201 and a repeat for the same reference 200, with
# the order it created the first time.
PLACED_SALES_ORDER: dict[str, Any] = {
    "id": "14",
    "customerId": "1000002",
    "externalReference": "0Q0000000000003CAA",
    "status": "open",
    "deliveryStatus": "not_started",
    "billingStatus": "not_started",
    "creditBlocked": False,
    "total": {"amount": "830.000", "currency": "EUR"},
    "createdOn": "2026-11-28",
    "requestedDeliveryDate": "2026-11-28",
    "lines": [
        sales_order_line(
            "10",
            sku="MAT-0011",
            description="Centrifugal Pump 200",
            quantity="2.000",
            net="830.000",
        )
    ],
}

SALES_ORDER_CREATED = json_answer(201, PLACED_SALES_ORDER, location="/sales-orders/14")

SALES_ORDER_EXISTING = json_answer(200, PLACED_SALES_ORDER, location="/sales-orders/14")

SALES_ORDER_REJECTED = problem_answer(
    422,
    "erp-rejected",
    "The ERP rejected the request",
    detail="The ERP rejected the sales order: Sold-to party 1000049 is blocked for sales orders",
    instance="/sales-orders",
    correlation_id="dd36ce9c4ae642778f79ae3996ec3457",
    errors=[
        {"pointer": "/customerId", "detail": "Sold-to party 1000049 is blocked for sales orders"}
    ],
)

ERP_KEY_IN_PROGRESS = problem_answer(
    409,
    "idempotency-request-in-progress",
    "A request with this Idempotency-Key is still being processed",
    detail="The first request with this key has not finished yet; retry later.",
    instance="/sales-orders",
    correlation_id="5b0e2f8d6c0a4e4f9a51f0d3c2b7e914",
    retry_after="1",
)

ERP_UNAVAILABLE = problem_answer(
    503,
    "erp-unavailable",
    "The ERP is unavailable",
    detail="The ERP is busy or unavailable; try again shortly.",
    instance="/prices",
    correlation_id="d7d67ad9920e4b12bc379318b5659e40",
    retry_after="30",
)
