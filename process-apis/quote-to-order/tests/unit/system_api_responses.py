"""Answers recorded from the running Salesforce and ERP System APIs (against the emulators' demo
data), used by the adapter tests. Recorded with the services of this repository; refresh them when
the System APIs' contracts change."""

from typing import Any

SYSTEM: dict[str, Any] = {
    "status": 200,
    "headers": {"content-type": "application/json"},
    "json": {"systemId": "00D7Q000004hZ2mUAE", "kind": "salesforce"},
}

SYSTEM_UNNAMED: dict[str, Any] = {
    "status": 200,
    "headers": {"content-type": "application/json"},
    "json": {"systemId": None, "kind": "salesforce"},
}

QUOTE: dict[str, Any] = {
    "status": 200,
    "headers": {"content-type": "application/json"},
    "json": {
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
            {
                "id": "0QL000000000006GAA",
                "productId": "01t00000000000BAAQ",
                "sku": "MAT-0011",
                "productCode": "MAT-0011",
                "productName": "Centrifugal Pump 200",
                "quantity": "2.0",
                "unitPrice": {"amount": "150.0", "currency": "EUR"},
                "discountPercent": "5.0",
                "totalPrice": {"amount": "285.0", "currency": "EUR"},
            },
            {
                "id": "0QL000000000007GAA",
                "productId": "01t00000000000CAAQ",
                "sku": "MAT-0012",
                "productCode": "MAT-0012",
                "productName": "Gate Valve 210",
                "quantity": "4.0",
                "unitPrice": {"amount": "162.5", "currency": "EUR"},
                "discountPercent": None,
                "totalPrice": {"amount": "650.0", "currency": "EUR"},
            },
            {
                "id": "0QL000000000008GAA",
                "productId": "01t00000000000DAAQ",
                "sku": "MAT-0013",
                "productCode": "MAT-0013",
                "productName": "Ball Valve 220",
                "quantity": "6.0",
                "unitPrice": {"amount": "175.0", "currency": "EUR"},
                "discountPercent": None,
                "totalPrice": {"amount": "1050.0", "currency": "EUR"},
            },
            {
                "id": "0QL000000000009GAA",
                "productId": "01t00000000000EAAQ",
                "sku": "MAT-0014",
                "productCode": "MAT-0014",
                "productName": "Pressure Sensor 230",
                "quantity": "8.0",
                "unitPrice": {"amount": "187.5", "currency": "EUR"},
                "discountPercent": None,
                "totalPrice": {"amount": "1500.0", "currency": "EUR"},
            },
        ],
        "total": {"amount": "3534.0", "currency": "EUR"},
    },
}

QUOTE_NOT_FOUND: dict[str, Any] = {
    "status": 404,
    "headers": {"content-type": "application/problem+json"},
    "json": {
        "type": "https://trivium.dev/problems/record-not-found",
        "title": "The record does not exist",
        "status": 404,
        "detail": "No quote has the id '0Q0000000000999CAA'.",
        "instance": "/quotes/0Q0000000000999CAA",
        "correlationId": "70b250baf90f4df39fe0e2b112e5e0fb",
    },
}

ACCOUNT: dict[str, Any] = {
    "status": 200,
    "headers": {"content-type": "application/json"},
    "json": {
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
    },
}

ACCOUNT_NOT_FOUND: dict[str, Any] = {
    "status": 404,
    "headers": {"content-type": "application/problem+json"},
    "json": {
        "type": "https://trivium.dev/problems/record-not-found",
        "title": "The record does not exist",
        "status": 404,
        "detail": "The account does not exist.",
        "instance": "/accounts/001000000000999AAA",
        "correlationId": "84dd117f8b4e4770b1199ce9a0b01a34",
    },
}

ACCOUNT_PAGE: dict[str, Any] = {
    "status": 200,
    "headers": {"content-type": "application/json"},
    "json": {
        "items": [
            {
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
        ],
        "nextCursor": None,
    },
}

ACCOUNT_PAGE_EMPTY: dict[str, Any] = {
    "status": 200,
    "headers": {"content-type": "application/json"},
    "json": {"items": [], "nextCursor": None},
}

CRM_ORDER_CREATED: dict[str, Any] = {
    "status": 201,
    "headers": {"content-type": "application/json", "location": "/orders/801000000000002AAA"},
    "json": {
        "id": "801000000000002AAA",
        "orderNumber": "00000101",
        "accountId": "001000000000002AAA",
        "quoteId": "0Q0000000000003CAA",
        "status": "Activated",
        "erpOrderNumber": "14",
        "erpStatus": "Created",
        "purchaseOrderNumber": None,
        "effectiveDate": "2026-11-28",
        "total": {"amount": "830.0", "currency": "EUR"},
        "items": [
            {
                "id": "802000000000003AAA",
                "productId": "01t00000000000BAAQ",
                "sku": "MAT-0011",
                "quantity": "2.0",
                "unitPrice": {"amount": "415.0", "currency": "EUR"},
                "totalPrice": {"amount": "830.0", "currency": "EUR"},
            }
        ],
    },
}

CRM_ORDER_REJECTED: dict[str, Any] = {
    "status": 422,
    "headers": {"content-type": "application/problem+json"},
    "json": {
        "type": "https://trivium.dev/problems/record-rejected",
        "title": "The CRM rejected the record",
        "status": 422,
        "detail": "Some items name products that are not in the standard price book.",
        "instance": "/orders",
        "correlationId": "c505a71b31084ab19b678f9a636519b5",
        "errors": [{"pointer": "/items", "detail": "unknown sku:MAT-9999"}],
    },
}

CRM_ORDER_MARK_REJECTED: dict[str, Any] = {
    "status": 422,
    "headers": {"content-type": "application/problem+json"},
    "json": {
        "type": "https://trivium.dev/problems/record-rejected",
        "title": "The CRM rejected the record",
        "status": 422,
        "detail": "The CRM rejected the order: Status: bad value for restricted picklist field: "
        "Ordered",
        "instance": "/orders",
        "correlationId": "c906705d66aa437681827a8349c86ee4",
        "errors": [
            {
                "pointer": "/status",
                "detail": "Status: bad value for restricted picklist field: Ordered",
            }
        ],
    },
}

CRM_UNAUTHORIZED: dict[str, Any] = {
    "status": 401,
    "headers": {"content-type": "application/problem+json"},
    "json": {
        "type": "https://trivium.dev/problems/unauthorized",
        "title": "Authentication is required",
        "status": 401,
        "detail": "This internal API needs a service token (Authorization: Bearer).",
        "instance": "/quotes/0Q0000000000003CAA",
        "correlationId": "5bf9f1682db54b0a977a8a3bf9a8558a",
    },
}

CRM_UNAVAILABLE: dict[str, Any] = {
    "status": 503,
    "headers": {"retry-after": "30", "content-type": "application/problem+json"},
    "json": {
        "type": "https://trivium.dev/problems/crm-unavailable",
        "title": "The CRM is unavailable",
        "status": 503,
        "detail": "The CRM is busy or unavailable; try again shortly.",
        "instance": "/quotes/0Q0000000000003CAA",
        "correlationId": "187b41f2c1964fceadb65b5874cea392",
    },
}

CRM_KEY_IN_PROGRESS: dict[str, Any] = {
    "status": 409,
    "headers": {"retry-after": "1", "content-type": "application/problem+json"},
    "json": {
        "type": "https://trivium.dev/problems/idempotency-request-in-progress",
        "title": "A request with this Idempotency-Key is still being processed",
        "status": 409,
        "detail": "The first request with this key has not finished yet; retry later.",
        "instance": "/orders",
        "correlationId": "2dc9acffdb3c4481b2e55d6533c0aed0",
    },
}

PRICES: dict[str, Any] = {
    "status": 200,
    "headers": {"content-type": "application/json"},
    "json": {
        "items": [
            {"sku": "MAT-0011", "unitPrice": {"amount": "415.000", "currency": "EUR"}},
            {"sku": "MAT-0020", "unitPrice": {"amount": "748.500", "currency": "EUR"}},
            {"sku": "MAT-9999", "unitPrice": None},
        ]
    },
}

STOCK: dict[str, Any] = {
    "status": 200,
    "headers": {"content-type": "application/json"},
    "json": {
        "items": [
            {"sku": "MAT-0011", "plant": "1010", "quantity": "150", "unit": "PC"},
            {"sku": "MAT-0020", "plant": "1010", "quantity": "0", "unit": "PC"},
            {"sku": "MAT-9999", "plant": "1010", "quantity": "0", "unit": None},
        ]
    },
}

CREDIT: dict[str, Any] = {
    "status": 200,
    "headers": {"content-type": "application/json"},
    "json": {
        "customerId": "1000002",
        "limit": "150000.000",
        "exposure": "9318.890",
        "available": "140681.110",
        "currency": "EUR",
        "blocked": False,
        "exposureSource": "backend",
        "openOrders": None,
        "openInvoices": None,
    },
}

CREDIT_CUSTOMER_NOT_FOUND: dict[str, Any] = {
    "status": 404,
    "headers": {"content-type": "application/problem+json"},
    "json": {
        "type": "https://trivium.dev/problems/customer-not-found",
        "title": "The customer does not exist",
        "status": 404,
        "detail": "No customer has the number '1000999'.",
        "instance": "/customers/1000999/credit",
        "correlationId": "9597fd5c2fb24b94bcad250767b25b7e",
    },
}

# The demo data has no customer without a credit account: this answer follows the ERP System
# API's problem for one (`CreditAccountNotFound`).
CREDIT_ACCOUNT_NOT_FOUND: dict[str, Any] = {
    "status": 404,
    "headers": {"content-type": "application/problem+json"},
    "json": {
        "type": "https://trivium.dev/problems/credit-account-not-found",
        "title": "The customer has no credit account",
        "status": 404,
        "detail": "The customer 1000002 has no credit account in segment 1000.",
        "instance": "/customers/1000002/credit",
        "correlationId": "0b8f0f3d2c6e4d40a1f6f0a1d2e3c4b5",
    },
}

SALES_ORDER: dict[str, Any] = {
    "status": 200,
    "headers": {
        "content-type": "application/json",
        "etag": '"Vy8iZGF0ZXRpbWVvZmZzZXQnMjAyNi0xMS0yOVQwNCUzQTUzJTNBNDkuMzI5NjczMFonIg"',
    },
    "json": {
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
            {
                "lineNumber": "10",
                "sku": "MAT-0001",
                "description": "Centrifugal Pump 100",
                "quantity": "4.000",
                "unit": "PC",
                "confirmedQuantity": "4.000",
                "netAmount": {"amount": "162.000", "currency": "EUR"},
            },
            {
                "lineNumber": "20",
                "sku": "MAT-0004",
                "description": "Pressure Sensor 130",
                "quantity": "10.000",
                "unit": "PC",
                "confirmedQuantity": "10.000",
                "netAmount": {"amount": "1565.000", "currency": "EUR"},
            },
        ],
    },
}

SALES_ORDER_CREATED: dict[str, Any] = {
    "status": 201,
    "headers": {"content-type": "application/json", "location": "/sales-orders/14"},
    "json": {
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
            {
                "lineNumber": "10",
                "sku": "MAT-0011",
                "description": "Centrifugal Pump 200",
                "quantity": "2.000",
                "unit": "PC",
                "confirmedQuantity": "2.000",
                "netAmount": {"amount": "830.000", "currency": "EUR"},
            }
        ],
    },
}

SALES_ORDER_EXISTING: dict[str, Any] = {
    "status": 200,
    "headers": {"content-type": "application/json", "location": "/sales-orders/14"},
    "json": {
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
            {
                "lineNumber": "10",
                "sku": "MAT-0011",
                "description": "Centrifugal Pump 200",
                "quantity": "2.000",
                "unit": "PC",
                "confirmedQuantity": "2.000",
                "netAmount": {"amount": "830.000", "currency": "EUR"},
            }
        ],
    },
}

SALES_ORDER_REJECTED: dict[str, Any] = {
    "status": 422,
    "headers": {"content-type": "application/problem+json"},
    "json": {
        "type": "https://trivium.dev/problems/erp-rejected",
        "title": "The ERP rejected the request",
        "status": 422,
        "detail": "The ERP rejected the sales order: Sold-to party 1000049 is blocked for sales "
        "orders",
        "instance": "/sales-orders",
        "correlationId": "dd36ce9c4ae642778f79ae3996ec3457",
        "errors": [
            {
                "pointer": "/customerId",
                "detail": "Sold-to party 1000049 is blocked for sales orders",
            }
        ],
    },
}

ERP_UNAVAILABLE: dict[str, Any] = {
    "status": 503,
    "headers": {"retry-after": "30", "content-type": "application/problem+json"},
    "json": {
        "type": "https://trivium.dev/problems/erp-unavailable",
        "title": "The ERP is unavailable",
        "status": 503,
        "detail": "The ERP is busy or unavailable; try again shortly.",
        "instance": "/prices",
        "correlationId": "d7d67ad9920e4b12bc379318b5659e40",
    },
}
