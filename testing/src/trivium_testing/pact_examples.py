"""The example values the consumer pacts name: one Salesforce account linked to one ERP
customer, one product, one sales order, and one new customer to create. One set, so that every
pact (and every provider state it names) speaks of the same records, in the formats of the
systems they come from."""

from typing import Any

ACCOUNT_ID = "001000000000001AAA"
ACCOUNT_NUMBER = "P-1001"
CUSTOMER_ID = "1000001"
# The account's link to the ERP customer above, as the Salesforce System API names it.
ERP_CUSTOMER_NUMBER = CUSTOMER_ID
OWNER = "anna.becker@trivium.demo"
QUOTE_ID = "0Q0000000000001AAA"
ORG_ID = "00D000000000001EAA"
SKU = "TG-1000"
SALES_ORDER_ID = "5000001"
# An order of quote-to-order (and, in the same ULID format, a customer request of create-customer).
ORDER_ID = "01KB2Y7ZJ1V8X3Q5N9R2T4W6YA"


def linked_records(**params: str) -> dict[str, str]:
    """A provider state's parameters naming the example account, its ERP customer and the
    example product (and `params`)."""
    return {
        "accountId": ACCOUNT_ID,
        "accountNumber": ACCOUNT_NUMBER,
        "customerId": CUSTOMER_ID,
        "sku": SKU,
        **params,
    }


def new_customer() -> dict[str, Any]:
    """A new customer as a rep or a partner enters it (create-customer's `POST /customers`
    body), one neither system holds yet."""
    return {
        "name": "Contoso Manufacturing Ltd",
        "address": {
            "street": "North First Street",
            "houseNumber": "2100",
            "city": "San Jose",
            "postalCode": "95110",
            "region": "CA",
            "country": "US",
        },
        "website": "www.contoso.example",
    }
