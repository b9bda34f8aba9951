"""Interactions with the Salesforce System API that several consumers' pacts declare alike.

Each consumer still names its interaction (the description its pact lists it by) and the
fields of an answer it reads; what is written here once is the provider state and the request
(and, for a record that does not exist, the problem answering it):

    interaction = account_number_search(salesforce_pact, "a search for ...", "P-1001")
    json_response(interaction, 200, {"items": match.each_like({"id": ...})})
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pact import Pact
from pact.interaction import HttpInteraction

from trivium_testing.pact_examples import ACCOUNT_ID, ERP_CUSTOMER_NUMBER, QUOTE_ID
from trivium_testing.pact_interactions import problem_response, service_request

NO_ACCOUNT = "no account has the id"
ACCEPTED_QUOTE = "an accepted quote with lines exists"


def unknown_account(
    pact: Pact,
    description: str,
    path: str,
    *,
    method: str = "GET",
    query: Mapping[str, Any] | None = None,
) -> HttpInteraction:
    """A `method` of `path` (naming the example account id, which no account has): a 404
    problem."""
    interaction = pact.upon_receiving(description).given(NO_ACCOUNT, accountId=ACCOUNT_ID)
    service_request(interaction, method, path, query=query)
    return problem_response(interaction, "record-not-found", 404)


def quote_read(pact: Pact, description: str, **params: str) -> HttpInteraction:
    """A read of the example quote, which the provider holds accepted and with lines (the
    provider state naming it and `params`)."""
    interaction = pact.upon_receiving(description).given(ACCEPTED_QUOTE, quoteId=QUOTE_ID, **params)
    return service_request(interaction, "GET", f"/quotes/{QUOTE_ID}")


def unknown_quote(pact: Pact, description: str) -> HttpInteraction:
    """A read of the example quote, which does not exist: a 404 problem."""
    interaction = pact.upon_receiving(description).given("no quote has the id", quoteId=QUOTE_ID)
    service_request(interaction, "GET", f"/quotes/{QUOTE_ID}")
    return problem_response(interaction, "record-not-found", 404)


def account_number_search(
    pact: Pact, description: str, account_number: str, *, found: bool = True
) -> HttpInteraction:
    """A search for the account with `account_number`: the provider holds it, linked to the
    example ERP customer (or, not `found`, no account at all)."""
    interaction = pact.upon_receiving(description)
    if found:
        interaction.given(
            "an account linked to an ERP customer exists",
            accountId=ACCOUNT_ID,
            accountNumber=account_number,
            erpCustomerNumber=ERP_CUSTOMER_NUMBER,
        )
    else:
        interaction.given(NO_ACCOUNT, accountId=ACCOUNT_ID)
    return service_request(
        interaction, "GET", "/accounts", query={"accountNumber": account_number, "limit": "2"}
    )
