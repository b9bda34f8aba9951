"""Interactions with the ERP System API that several consumers' pacts declare alike.

Each consumer still names its interaction (the description its pact lists it by) and picks the
fields of an answer it reads; what is written here once is the provider state, the request and
the answer shape every consumer of it reads the same way:

    customer_prices(erp_pact, "a request for a customer's prices of skus")
    async with served(erp_pact, erp_at) as erp:
        prices = await erp.get_prices(CUSTOMER_ID, [SKU])
"""

from __future__ import annotations

from typing import Any

from pact import Pact, match
from pact.interaction import HttpInteraction

from trivium_testing.pact_examples import CUSTOMER_ID, SALES_ORDER_ID, SKU
from trivium_testing.pact_interactions import json_response, problem_response, service_request
from trivium_testing.pact_matchers import currency_code, decimal_string, money

# The example customer's credit account: what it may owe, owes, and has left.
CREDIT_AMOUNTS = {"limit": "50000.00", "exposure": "25000.00", "available": "25000.00"}


def credit_request(
    pact: Pact, description: str, *, state: str = "a customer with a credit account exists"
) -> HttpInteraction:
    """A read of the example customer's credit position, the provider in `state`."""
    interaction = pact.upon_receiving(description).given(state, customerId=CUSTOMER_ID)
    return service_request(interaction, "GET", f"/customers/{CUSTOMER_ID}/credit")


def credit_position(*amounts: str) -> dict[str, Any]:
    """The credit position with the `amounts` a consumer reads (`limit`, `exposure`,
    `available`), its currency and whether the account is blocked."""
    return {
        **{amount: decimal_string(CREDIT_AMOUNTS[amount]) for amount in amounts},
        "currency": currency_code("EUR"),
        "blocked": match.bool(False),
    }


def without_credit_account(pact: Pact, description: str) -> HttpInteraction:
    """A read of the credit of a customer who has no credit account: a 404 problem."""
    interaction = credit_request(
        pact, description, state="a customer without a credit account exists"
    )
    return problem_response(interaction, "credit-account-not-found", 404)


def unknown_customer(pact: Pact, description: str, resource: str = "") -> HttpInteraction:
    """A read of `/customers/<number><resource>` for a number no customer has: a 404 problem."""
    interaction = pact.upon_receiving(description).given(
        "no customer has the number", customerId=CUSTOMER_ID
    )
    service_request(interaction, "GET", f"/customers/{CUSTOMER_ID}{resource}")
    return problem_response(interaction, "customer-not-found", 404)


def customer_prices(pact: Pact, description: str) -> HttpInteraction:
    """A read of the example customer's price of the example sku: 114.00."""
    interaction = pact.upon_receiving(description).given(
        "a customer with priced products exists", customerId=CUSTOMER_ID, sku=SKU
    )
    service_request(interaction, "GET", "/prices", query={"customerId": CUSTOMER_ID, "skus": SKU})
    return json_response(
        interaction,
        200,
        {"items": match.each_like({"sku": match.str(SKU), "unitPrice": money("114.00")})},
    )


def sales_order_read(pact: Pact, description: str, reference: str) -> HttpInteraction:
    """A read of the example sales order, which the provider holds for the example customer's
    `reference` (of the example sku)."""
    interaction = pact.upon_receiving(description).given(
        "a sales order exists for a customer's reference",
        orderId=SALES_ORDER_ID,
        customerId=CUSTOMER_ID,
        externalReference=reference,
        sku=SKU,
    )
    return service_request(interaction, "GET", f"/sales-orders/{SALES_ORDER_ID}")


def stock_of_skus(pact: Pact, description: str) -> HttpInteraction:
    """A query for the stock of the example sku: 40 available."""
    interaction = pact.upon_receiving(description).given("a product is in stock", sku=SKU)
    service_request(
        interaction, "POST", "/availability", body={"skus": match.each_like(match.str(SKU))}
    )
    return json_response(
        interaction,
        200,
        {"items": match.each_like({"sku": match.str(SKU), "quantity": decimal_string("40")})},
    )
