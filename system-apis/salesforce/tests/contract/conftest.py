"""The Salesforce System API in contract-test mode: the app as deployed, on the in-memory CRM,
with the provider states its consumers' pacts name (set through `/_pact/provider-states`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from starlette.datastructures import State

from salesforce_system.adapters.fake import FakeCrm
from salesforce_system.domain.models import (
    AccountRead,
    OpportunityRead,
    QuoteAccount,
    QuoteLineRead,
    QuoteRead,
)
from salesforce_system.main import create_app
from salesforce_system.settings import SalesforceSystemSettings
from trivium.idempotency import IdempotencyStore
from trivium.redis_discovery import RedisEndpoint
from trivium.schemas import Money
from trivium.service_auth import ServiceTokenIssuer
from trivium.testing.pacts import StateHandler, enable_provider_states, serve_app
from trivium.testing.stack import redis_db

PROVIDER = "salesforce-system"
SECRET = "contract-test-service-token-secret-0123456789"
CONTRACT_DB = 15


def _account(params: dict[str, Any]) -> AccountRead:
    return AccountRead(
        id=params["accountId"],
        name="Tegernsee Getränke GmbH",
        account_number=params.get("accountNumber"),
        erp_customer_number=params.get("erpCustomerNumber"),
    )


def account_linked_to_erp_customer(state: State, params: dict[str, Any]) -> None:
    crm: FakeCrm = state.crm
    crm.accounts[params["accountId"]] = _account(params)


def accepted_quote_with_lines(state: State, params: dict[str, Any]) -> None:
    crm: FakeCrm = state.crm
    account = _account(params)
    crm.accounts[account.id] = account
    sku = params["sku"]
    crm.prices[sku] = Decimal("120.00")
    crm.opportunities[account.id] = [
        OpportunityRead(
            id=params["opportunityId"], account_id=account.id, name="Summer", stage="Negotiation"
        )
    ]
    crm.quotes[params["quoteId"]] = QuoteRead(
        id=params["quoteId"],
        name="Summer assortment",
        quote_number="00000042",
        status="Accepted",
        expiration_date=date(2026, 12, 31),
        opportunity_id=params["opportunityId"],
        account=QuoteAccount(
            id=account.id,
            name=account.name,
            account_number=account.account_number,
            erp_customer_number=account.erp_customer_number,
        ),
        lines=[
            QuoteLineRead(
                id="0QL000000000001AAA",
                product_id="01t000000000001AAA",
                sku=sku,
                product_name="Tegernseer Hell 0.5 l",
                quantity=Decimal(24),
                unit_price=Money(amount=Decimal("120.00"), currency=crm.currency),
                discount_percent=Decimal(5),
            )
        ],
    )


def nothing_with_that_id(state: State, params: dict[str, Any]) -> None:
    """The fresh CRM holds no records at all."""


STATES: dict[str, StateHandler] = {
    "an accepted quote with lines exists": accepted_quote_with_lines,
    "an account linked to an ERP customer exists": account_linked_to_erp_customer,
    "no quote has the id": nothing_with_that_id,
    "no account has the id": nothing_with_that_id,
}


@pytest.fixture(scope="session")
def contract_app(redis_endpoint: RedisEndpoint) -> Callable[[], FastAPI]:
    """Builds the provider app in contract-test mode."""
    settings = SalesforceSystemSettings(
        redis_url=redis_db(redis_endpoint.url, CONTRACT_DB),
        service_token_secret=SECRET,
        log_format="text",
    )

    def reset(state: State) -> None:
        state.crm = FakeCrm()
        # Each state starts with no remembered Idempotency-Keys: a namespace of its own.
        store: IdempotencyStore = state.idempotency
        store.service = f"{PROVIDER}-{uuid.uuid4().hex}"

    def build() -> FastAPI:
        return enable_provider_states(create_app(settings), STATES, reset=reset)

    return build


@pytest.fixture(scope="session")
def provider_url(contract_app: Callable[[], FastAPI]) -> Iterator[str]:
    """The provider in contract-test mode, served for the whole session."""
    with serve_app(contract_app()) as url:
        yield url


@pytest.fixture(scope="session")
def consumer_headers() -> dict[str, str]:
    """What every consumer call carries: a service token for this provider."""
    token = ServiceTokenIssuer(issuer="pact-verifier", secret=SECRET).token_for(PROVIDER)
    return {"Authorization": f"Bearer {token}"}
