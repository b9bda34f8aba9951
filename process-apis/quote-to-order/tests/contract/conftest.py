"""quote-to-order's contracts. Consumer side: its System API adapters against Pact mock servers,
each test declaring the interactions it relies on. Provider side: the app in contract-test mode
with the states the pacts naming it need (see contracts/README.md)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from starlette.datastructures import State

from quote_to_order_process.adapters.erp_system import ErpSystemErp
from quote_to_order_process.adapters.fake import FakeCrm, FakeCustomer, FakeErp
from quote_to_order_process.adapters.ports import (
    CrmAccount,
    CrmQuote,
    CrmQuoteLine,
    ErpLineDraft,
    ErpOrderDraft,
)
from quote_to_order_process.adapters.redis_store import RedisOrderLocks, RedisOrderStore
from quote_to_order_process.adapters.salesforce_system import SalesforceSystemCrm
from quote_to_order_process.bootstrap import QuoteToOrderProcess
from quote_to_order_process.domain.models import (
    Attention,
    ErrorInfo,
    OperatorAction,
    OrderSource,
    OrderState,
    PricedLine,
    RequestedLine,
    SagaStep,
)
from quote_to_order_process.domain.saga import OrderFlow
from quote_to_order_process.main import create_app
from quote_to_order_process.settings import QuoteToOrderSettings
from trivium.schemas import Money
from trivium_testing.mock_servers import system_api_fixtures
from trivium_testing.pacts import FreshState, StateHandler, contract_app_fixture
from trivium_testing.provider_checks import consumer_headers_fixture

CONSUMER = "quote-to-order"


salesforce_pact, erp_pact, crm_at, erp_at = system_api_fixtures(
    CONSUMER, SalesforceSystemCrm, ErpSystemErp
)


# The provider side: quote-to-order in contract-test mode, the app as deployed with its saga on
# the in-memory CRM and ERP (and an order store of each state's own), for the pacts naming it.

PROVIDER = "quote-to-order"
# Pacts name orders by example ids that may be older than the deployed retention.
RETENTION = timedelta(days=3650)


def _partner(state: State, params: dict[str, Any]) -> None:
    crm: FakeCrm = state.container.flow.crm
    erp: FakeErp = state.container.flow.erp
    crm.accounts[params["accountId"]] = CrmAccount(
        id=params["accountId"],
        account_number=params["accountNumber"],
        erp_customer_number=params["customerId"],
    )
    erp.customers[params["customerId"]] = FakeCustomer(prices={params["sku"]: Decimal("114.00")})
    erp.stock[params["sku"]] = Decimal(40)


def partner_ordering_products_in_stock(state: State, params: dict[str, Any]) -> None:
    _partner(state, params)


async def _completed_order(
    state: State,
    params: dict[str, Any],
    *,
    source: OrderSource,
    reference: str,
    crm_refused: bool = False,
) -> None:
    flow: OrderFlow = state.container.flow
    erp: FakeErp = flow.erp
    sku, quantity, price = params["sku"], Decimal(2), Decimal("114.00")
    draft = ErpOrderDraft(
        customer_id=params["customerId"],
        external_reference=reference,
        lines=[ErpLineDraft(sku=sku, quantity=quantity, unit_price=price)],
        requested_delivery_date=date(2026, 12, 15),
    )
    erp_order = (await erp.place_order(draft, idempotency_key="contract")).order
    now = datetime.now(UTC)
    order = OrderState(
        id=params["orderId"],
        source=source,
        step=SagaStep.COMPLETED,
        created_at=now,
        updated_at=now,
        quote_id=params.get("quoteId"),
        account_id=params["accountId"],
        account_number=params["accountNumber"],
        customer_id=params["customerId"],
        purchase_order_number=reference,
        requested_delivery_date=draft.requested_delivery_date,
        requested_lines=[RequestedLine(sku=sku, quantity=quantity)],
        currency="EUR",
        lines=[
            PricedLine(sku=sku, quantity=quantity, unit_price=price, net_amount=price * quantity)
        ],
        total=price * quantity,
        erp_requested=True,
        erp_order_number=erp_order.id,
        crm_order_id="801000000000001AAA",
    )
    if crm_refused:
        reason = ErrorInfo(
            type="https://trivium.dev/problems/crm-rejected",
            title="The CRM refused a change",
            status=502,
            detail="CRM order creation: The CRM rejected the order: entity is deleted",
        )
        order = order.evolve(
            step=SagaStep.NEEDS_ATTENTION,
            crm_order_id=None,
            last_error=reason,
            attention=Attention(
                reason=reason,
                erp_order_number=erp_order.id,
                actions=[OperatorAction.RETRY_CRM],
                detail="The ERP holds the order, the CRM refused the order's write.",
                since=now,
            ),
        )
    await flow.store.create(order, wake_at=now)
    await flow.store.save(order, wake_at=None)


async def partner_order_completed(state: State, params: dict[str, Any]) -> None:
    _partner(state, params)
    await _completed_order(state, params, source=OrderSource.DIRECT, reference="PO-4711")


async def partner_order_needs_attention(state: State, params: dict[str, Any]) -> None:
    _partner(state, params)
    await _completed_order(
        state, params, source=OrderSource.DIRECT, reference="PO-4711", crm_refused=True
    )


def rep_accepted_quote(state: State, params: dict[str, Any]) -> None:
    _partner(state, params)
    crm: FakeCrm = state.container.flow.crm
    crm.quotes[params["quoteId"]] = CrmQuote(
        id=params["quoteId"],
        status="Accepted",
        expiration_date=datetime.now(UTC).date() + timedelta(days=30),
        opportunity_id="006000000000001AAA",
        account=crm.accounts[params["accountId"]],
        lines=[
            CrmQuoteLine(
                sku=params["sku"],
                quantity=Decimal(2),
                unit_price=Money(amount=Decimal("114.00"), currency="EUR"),
            )
        ],
    )


async def quote_order_completed(state: State, params: dict[str, Any]) -> None:
    rep_accepted_quote(state, params)
    await _completed_order(state, params, source=OrderSource.QUOTE, reference=params["quoteId"])


async def quote_order_needs_attention(state: State, params: dict[str, Any]) -> None:
    rep_accepted_quote(state, params)
    await _completed_order(
        state, params, source=OrderSource.QUOTE, reference=params["quoteId"], crm_refused=True
    )


def no_such_order(state: State, params: dict[str, Any]) -> None:
    """A fresh order store holds no orders, a fresh CRM no quotes."""


STATES: dict[str, StateHandler] = {
    "a partner with an ERP customer orders products in stock": partner_ordering_products_in_stock,
    "a partner's order was completed": partner_order_completed,
    "a partner's order is in the ERP and its CRM order needs attention": (
        partner_order_needs_attention
    ),
    "no order has the id": no_such_order,
    "a rep's accepted quote with lines exists": rep_accepted_quote,
    "an order from a rep's quote was completed": quote_order_completed,
    "an order from a rep's quote is in the ERP and its CRM order needs attention": (
        quote_order_needs_attention
    ),
    "no quote has the id": no_such_order,
}


@contract_app_fixture(
    create_app, QuoteToOrderSettings, QuoteToOrderProcess, states=STATES, workers=0
)
def contract_app(running: QuoteToOrderProcess, fresh: FreshState) -> QuoteToOrderProcess:
    """The app as deployed, its saga on an empty in-memory CRM and ERP and an order store of
    the state's own."""
    store = RedisOrderStore(fresh.redis(), prefix="{" + fresh.namespace + "}", retention=RETENTION)
    locks = running.flow.locks
    assert isinstance(locks, RedisOrderLocks)
    # The app's locks, reading the states of the state's own store as they are taken.
    flow = dataclasses.replace(
        running.flow,
        crm=FakeCrm(),
        erp=FakeErp(),
        store=store,
        locks=RedisOrderLocks(locks.locks, store),
    )
    return dataclasses.replace(running, flow=flow)


# What every consumer call carries: a service token for this provider, from a caller acting for
# itself (the answers' shapes are the same for every caller; what a sales rep may see is checked
# by the ownership tests, and a mobile call must name its rep).
consumer_headers = consumer_headers_fixture("partner-portal-experience", PROVIDER)
