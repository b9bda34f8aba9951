"""Orders from quotes and new customers, handed to the process tier on the rep's behalf.

No business rule is decided here: quote-to-order and create-customer own them, and check that the
rep owns the account. This side checks it again before it calls them (a quote of an account the
rep does not own is refused without a call), keeps orders to the reps who may see them (the
owner of the order's account, or, while the order has no account yet, the rep who placed it
here), and passes on a duplicate customer's records only when they are all the rep's. The
refusals are 404s that read as for a record that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mobile_experience.adapters.ports import (
    Cache,
    CustomersPort,
    OrderPlacement,
    OrdersPort,
)
from mobile_experience.domain.accounts import CustomerViews
from mobile_experience.domain.errors import (
    CrmUnavailable,
    DuplicateCustomer,
    OrderNotFound,
    QuoteNotFound,
)
from mobile_experience.domain.models import CustomerCreate, CustomerRequestRead, OrderRead, Rep
from mobile_experience.domain.shaping import customer_result, order_view

OTHER_OWNERS_REASON = "duplicate-customer-of-another-owner"
OTHER_OWNERS_CUSTOMER = (
    "A customer with these details already exists and is not one of yours. Ask its owner or your "
    "sales operations team to give you access to it (or to reassign it to you) instead of "
    "creating it again."
)


def placer_key(order_id: str) -> str:
    return f"mobile:order-placer:{order_id}"


class OrderDesk:
    """Places and reads orders and creates customers for reps."""

    def __init__(
        self,
        *,
        orders: OrdersPort,
        customers: CustomersPort,
        views: CustomerViews,
        cache: Cache,
        placer_retention_seconds: float,
    ) -> None:
        self.orders = orders
        self.customers = customers
        self.views = views
        self.cache = cache
        self.placer_retention_seconds = placer_retention_seconds

    async def order_quote(
        self, rep: Rep, quote_id: str, *, idempotency_key: str, respond_async: bool
    ) -> tuple[OrderRead, OrderPlacement]:
        """Turn the quote into an order when the rep owns its account (else QuoteNotFound,
        without a call to quote-to-order; CrmUnavailable when the CRM cannot tell); the rep may
        follow it from now on."""
        quote = await self.views.crm.get_quote(quote_id)
        owner = quote.account.owner_username if quote is not None and quote.account else None
        if not rep.owns(owner):
            raise QuoteNotFound(
                f"No quote of yours has the id {quote_id!r}.", reason=QuoteNotFound.slug
            )
        placement = await self.orders.place_quote_order(
            quote_id, rep=rep, idempotency_key=idempotency_key, respond_async=respond_async
        )
        await self.cache.set_many(
            {placer_key(placement.order.order_id): rep.username.casefold().encode()},
            ttl_seconds=self.placer_retention_seconds,
        )
        return order_view(placement.order), placement

    async def get_order(self, rep: Rep, order_id: str) -> OrderRead:
        """The order, when the rep owns its account (or placed it here, while it has none);
        else OrderNotFound."""
        order = await self.orders.get_order(order_id, rep=rep)
        if order is None or not await self._may_see(rep, order_id, order.account_id):
            raise OrderNotFound(f"No order of yours has the id {order_id!r}.")
        return order_view(order)

    async def _may_see(self, rep: Rep, order_id: str, account_id: str | None) -> bool:
        if account_id is not None:
            return await self.views.account_visible(rep, account_id)
        [placer] = await self.cache.get_many([placer_key(order_id)])
        return placer is not None and placer.decode() == rep.username.casefold()

    async def create_customer(
        self,
        rep: Rep,
        customer: CustomerCreate,
        *,
        idempotency_key: str,
        on_duplicate: str | None,
    ) -> tuple[int, CustomerRequestRead]:
        """Create the customer in both systems through create-customer, as the rep; the status
        is create-customer's (201 created, 200 only linked, 202 finishing later)."""
        body: Mapping[str, Any] = customer.model_dump(mode="json", exclude_unset=True)
        try:
            created = await self.customers.create_customer(
                body, rep=rep, idempotency_key=idempotency_key, on_duplicate=on_duplicate
            )
        except DuplicateCustomer as duplicate:
            raise await self._only_the_reps(rep, duplicate) from None
        return created.status, customer_result(created.customer)

    async def _only_the_reps(self, rep: Rep, duplicate: DuplicateCustomer) -> DuplicateCustomer:
        """The duplicate answer when every record it names belongs to an account the rep owns
        (the process tier names no other); else one that names none, as for another owner's."""
        named = duplicate.extensions
        accounts = {str(account) for account in named.get("accountIds") or []}
        numbers = {str(number) for number in named.get("erpCustomerNumbers") or []}
        for record in named.get("duplicates") or []:
            if not isinstance(record, dict):
                continue
            if record.get("system") != "erp":
                accounts.add(str(record.get("id")))
                continue
            # An ERP customer is the rep's through the account it is linked to.
            numbers.discard(str(record.get("id")))
            if not record.get("linkedId"):
                return _names_none()
            accounts.add(str(record["linkedId"]))
        if numbers:  # ERP customers named without the account they belong to
            return _names_none()
        try:
            for account in accounts:
                if not await self.views.account_visible(rep, account):
                    return _names_none()
        except CrmUnavailable:
            return _names_none()
        return duplicate


def _names_none() -> DuplicateCustomer:
    return DuplicateCustomer(
        OTHER_OWNERS_CUSTOMER,
        reason=OTHER_OWNERS_REASON,
        accountIds=[],
        erpCustomerNumbers=[],
        duplicates=[],
    )
