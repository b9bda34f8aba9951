"""Business rules on what the CRM holds: the quote, the account, the lines."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from quote_to_order_process.adapters.ports import CrmAccount, CrmQuote
from quote_to_order_process.domain.errors import (
    AccountNotLinked,
    InvalidQuantity,
    OrderHasNoLines,
    QuoteAlreadyOrdered,
    QuoteExpired,
    QuoteNotAccepted,
    QuoteNotFound,
    UnknownProduct,
)
from quote_to_order_process.domain.models import RequestedLine
from trivium.problems import FieldError

ACCEPTED_QUOTE_STATUS = "Accepted"
# The CRM keeps two decimals of a quantity; the ERP three. The order must mean the same in both.
QUANTITY_STEP = Decimal("0.01")
MAX_QUANTITY = Decimal("9999999999")


def validate_lines(lines: Sequence[RequestedLine], *, pointer: str = "/lines") -> None:
    """At least one line, each with a positive quantity of at most two decimals."""
    if not lines:
        raise OrderHasNoLines("An order needs at least one line.")
    errors = [
        FieldError(
            pointer=f"{pointer}/{index}/quantity",
            detail=f"{line.sku}: {line.quantity} is not a positive quantity with at most two "
            "decimals",
        )
        for index, line in enumerate(lines)
        if not _orderable(line.quantity)
    ]
    if errors:
        raise InvalidQuantity("Every quantity must be positive.", errors=errors)


def _orderable(quantity: Decimal) -> bool:
    return (
        quantity.is_finite()
        and Decimal(0) < quantity <= MAX_QUANTITY
        and quantity == quantity.quantize(QUANTITY_STEP)
    )


def validate_quote(
    quote: CrmQuote, *, today: date, ordered_status: str | None = None
) -> tuple[CrmAccount, str]:
    """An accepted, unexpired quote with lines of ERP products, for a linked account; returns
    the account and its ERP customer number."""
    if ordered_status is not None and quote.status == ordered_status:
        raise QuoteAlreadyOrdered(f"The quote {quote.id} has already been ordered.")
    if quote.status != ACCEPTED_QUOTE_STATUS:
        raise QuoteNotAccepted(
            f"The quote {quote.id} is {quote.status!r}; only accepted quotes can be ordered.",
            quoteStatus=quote.status,
        )
    if quote.expiration_date is not None and quote.expiration_date < today:
        raise QuoteExpired(
            f"The quote {quote.id} expired on {quote.expiration_date.isoformat()}.",
            expirationDate=quote.expiration_date.isoformat(),
        )
    account, customer_id = linked_account(quote.account, what=f"quote {quote.id}")
    unlinked = [
        FieldError(pointer=f"/lines/{index}/sku", detail="the product has no ERP material")
        for index, line in enumerate(quote.lines)
        if not line.sku
    ]
    if unlinked:
        raise UnknownProduct("Some quote lines name products unknown to the ERP.", errors=unlinked)
    return account, customer_id


def linked_account(account: CrmAccount | None, *, what: str) -> tuple[CrmAccount, str]:
    """The account and its ERP customer number; AccountNotLinked when it has none."""
    if account is None:
        raise AccountNotLinked(f"The {what} has no account.")
    if not account.erp_customer_number:
        raise AccountNotLinked(
            f"The account {account.id} has no ERP customer number; create or link the customer "
            "first.",
            accountId=account.id,
        )
    return account, account.erp_customer_number


def same_user(username: str | None, other: str | None) -> bool:
    """True when both name the same CRM user (usernames compare without case)."""
    return username is not None and other is not None and username.casefold() == other.casefold()


def check_quote_owner(quote: CrmQuote | None, *, quote_id: str, rep: str) -> CrmQuote:
    """The quote, when the rep owns its account; else QuoteNotFound, worded as for a quote that
    does not exist, so that the answer does not tell whether another rep's quote does."""
    if quote is None or quote.account is None or not same_user(quote.account.owner_username, rep):
        raise QuoteNotFound(f"No quote of yours has the id {quote_id!r}.")
    return quote
