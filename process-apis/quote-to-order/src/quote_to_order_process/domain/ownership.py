"""A sales rep orders and reads orders only for the accounts they own in the CRM.

The rep is the one the calling service names in its service token (the mobile API passes the
signed-in rep down as the `salesforceUsername` claim); a call without a rep acts for the calling
service (the partner portal scopes its partner itself). Ownership is the CRM's: the account's
owner, read when it is needed, so an account moved to another rep moves its orders with it.
Refusals are 404s worded like a record that does not exist, never a 403 that confirms it does.
"""

from __future__ import annotations

from quote_to_order_process.adapters.ports import CrmQuote
from quote_to_order_process.domain.checks import check_quote_owner, same_user
from quote_to_order_process.domain.errors import (
    AccountNotFound,
    AccountScopeRequired,
    CrmUnavailable,
    QuoteNotFound,
)
from quote_to_order_process.domain.models import OrderState
from quote_to_order_process.domain.saga import OrderFlow


async def check_rep_may_order(flow: OrderFlow, quote_id: str, *, rep: str) -> CrmQuote | None:
    """The quote, read before anything is kept, when the rep owns its account; QuoteNotFound
    when it does not exist or is not theirs. None when the CRM cannot answer now: the order's
    identify step checks the owner before anything is created."""
    try:
        quote: CrmQuote | None = await flow.crm.get_quote(quote_id)
    except QuoteNotFound:
        quote = None
    except CrmUnavailable:
        return None
    return check_quote_owner(quote, quote_id=quote_id, rep=rep)


async def rep_may_see(flow: OrderFlow, order: OrderState, *, rep: str) -> bool:
    """True when the rep owns the order's account now; an order that never got as far as its
    account is the placer's. CrmUnavailable when the CRM cannot tell."""
    if order.account_id is None:
        return same_user(order.acting_rep, rep)
    try:
        account = await flow.crm.get_account(account_id=order.account_id)
    except AccountNotFound:
        return False
    return same_user(account.owner_username, rep)


async def check_rep_lists_account(flow: OrderFlow, account_id: str | None, *, rep: str) -> None:
    """Nothing when the rep owns the account whose orders they list; AccountScopeRequired
    without one, AccountNotFound when it does not exist or is not theirs."""
    if account_id is None:
        raise AccountScopeRequired("Name one of your accounts (accountId) to list its orders.")
    try:
        account = await flow.crm.get_account(account_id=account_id)
    except AccountNotFound:
        account = None
    if account is None or not same_user(account.owner_username, rep):
        raise AccountNotFound(f"No account of yours has the id {account_id!r}.")
