"""The problems this API answers with.

Three families drive what happens to an order:
- `OrderRejected`: a business rule refused the order (final; the order is `failed`);
- `UpstreamUnavailable`: a System API could not answer now (the order is retried later);
- `UpstreamRejected`: a System API refused a write that should have succeeded. A CRM refusal of
  the order's write after the ERP order exists makes the order `needs_attention` (see
  `domain/crm_write.py`); any other refusal dead-letters it for an operator to fix the cause
  and replay it.
The upstream families and the operator's problem are the ones every Trivium service shares
(`trivium.problems`).
"""

from __future__ import annotations

from trivium import problems
from trivium.problems import CrmRejected as CrmRejected
from trivium.problems import Problem


class OrderRejected(Problem):
    """Base of the business rejections: the order cannot be placed as it stands."""

    slug = "order-rejected"
    title = "The order was rejected"
    status = 422


class QuoteNotFound(OrderRejected):
    """For a sales rep, also a quote of an account they do not own: the answer is the same, so
    that it does not tell whether another rep's quote exists."""

    slug = "quote-not-found"
    title = "The quote does not exist or is not yours"
    status = 404


class AccountNotFound(OrderRejected):
    slug = "account-not-found"
    title = "The account does not exist or is not yours"
    status = 404


class QuoteNotAccepted(OrderRejected):
    slug = "quote-not-accepted"
    title = "The quote is not accepted"
    status = 409


class QuoteAlreadyOrdered(OrderRejected):
    slug = "quote-already-ordered"
    title = "The quote has already been ordered"
    status = 409


class DuplicatePurchaseOrder(OrderRejected):
    slug = "duplicate-purchase-order"
    title = "An order with this purchase order number already exists"
    status = 409


class QuoteExpired(OrderRejected):
    slug = "quote-expired"
    title = "The quote has expired"
    status = 422


class AccountNotLinked(OrderRejected):
    slug = "account-not-linked"
    title = "The account is not linked to an ERP customer"
    status = 422


class OrderHasNoLines(OrderRejected):
    slug = "order-has-no-lines"
    title = "The order has no lines"
    status = 422


class InvalidQuantity(OrderRejected):
    slug = "invalid-quantity"
    title = "A line has a quantity that cannot be ordered"
    status = 422


class UnknownProduct(OrderRejected):
    slug = "unknown-product"
    title = "A product cannot be sold through the ERP"
    status = 422


class PriceMismatch(OrderRejected):
    slug = "price-mismatch"
    title = "Quoted prices differ from the ERP's prices beyond the tolerance"
    status = 422


class InsufficientStock(OrderRejected):
    slug = "insufficient-stock"
    title = "Not enough stock for the order"
    status = 422


class CreditLimitExceeded(OrderRejected):
    slug = "credit-limit-exceeded"
    title = "The order exceeds the customer's available credit"
    status = 422


class CreditBlocked(OrderRejected):
    slug = "credit-blocked"
    title = "The customer is blocked in credit management"
    status = 422


class CrmUnavailable(problems.CrmUnavailable):
    # Sent when the CRM did not say when to try again, e.g. while it cannot say which system it
    # is (the order waits for it).
    retry_after = "30"


class OrderNotFound(Problem):
    slug = "order-not-found"
    title = "The order does not exist or is not yours"
    status = 404


class OrderNotNeedingAttention(Problem):
    slug = "order-not-needing-attention"
    title = "The order does not need attention"
    status = 409


class OrderBusy(Problem):
    slug = "order-busy"
    title = "The order is being processed right now"
    status = 409


class InternalFailure(Problem):
    slug = "internal-error"
    title = "The order could not be processed because of an internal error"
    status = 500


class AccountScopeRequired(Problem):
    slug = "account-scope-required"
    title = "A sales rep lists the orders of one of their accounts at a time"
    status = 422


REJECTIONS: tuple[type[OrderRejected], ...] = (
    QuoteNotFound,
    AccountNotFound,
    QuoteNotAccepted,
    QuoteAlreadyOrdered,
    DuplicatePurchaseOrder,
    QuoteExpired,
    AccountNotLinked,
    OrderHasNoLines,
    InvalidQuantity,
    UnknownProduct,
    PriceMismatch,
    InsufficientStock,
    CreditLimitExceeded,
    CreditBlocked,
)
