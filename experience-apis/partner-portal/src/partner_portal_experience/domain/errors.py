"""The problems this API answers with.

Order rejections keep the rule's name (`type`) that the quote-to-order Process API gave, so a
partner sees why an order cannot be placed; anything else an upstream says is translated into
"unavailable" (503: try again later) or "failed" (502), never passed through.
"""

from __future__ import annotations

from trivium.problems import Problem


class PartnerIdentityMissing(Problem):
    slug = "partner-identity-missing"
    title = "The request does not carry a partner's identity"
    status = 401


class PartnerNotRecognized(Problem):
    slug = "partner-not-recognized"
    title = "The partner's account is not known"
    status = 403


class OrderNotFound(Problem):
    slug = "order-not-found"
    title = "The order does not exist"
    status = 404


class OrderRejected(Problem):
    """Base of the business rejections: the order cannot be placed as it stands."""

    slug = "order-rejected"
    title = "The order was rejected"
    status = 422


class DuplicatePurchaseOrder(OrderRejected):
    slug = "duplicate-purchase-order"
    title = "An order with this purchase order number already exists"
    status = 409


class UnknownProduct(OrderRejected):
    slug = "unknown-product"
    title = "A product cannot be sold through the ERP"


class InvalidQuantity(OrderRejected):
    slug = "invalid-quantity"
    title = "A line has a quantity that cannot be ordered"


class InsufficientStock(OrderRejected):
    slug = "insufficient-stock"
    title = "Not enough stock for the order"


class CreditLimitExceeded(OrderRejected):
    slug = "credit-limit-exceeded"
    title = "The order exceeds the available credit"


class CreditBlocked(OrderRejected):
    slug = "credit-blocked"
    title = "The account is blocked in credit management"


class AccountNotLinked(OrderRejected):
    slug = "account-not-linked"
    title = "The account is not linked to an ERP customer"


REJECTIONS: tuple[type[OrderRejected], ...] = (
    OrderRejected,
    DuplicatePurchaseOrder,
    UnknownProduct,
    InvalidQuantity,
    InsufficientStock,
    CreditLimitExceeded,
    CreditBlocked,
    AccountNotLinked,
)
REJECTION_BY_SLUG: dict[str, type[OrderRejected]] = {kind.slug: kind for kind in REJECTIONS}


class UpstreamUnavailable(Problem):
    """Base of the transient failures: a system this API needs could not answer now."""

    slug = "upstream-unavailable"
    title = "A system this request needs is unavailable"
    status = 503
    # Sent when the upstream did not say when to try again.
    retry_after = "2"


class CrmUnavailable(UpstreamUnavailable):
    slug = "crm-unavailable"
    title = "The CRM is unavailable"


class ErpUnavailable(UpstreamUnavailable):
    slug = "erp-unavailable"
    title = "The ERP is unavailable"


class OrdersUnavailable(UpstreamUnavailable):
    slug = "orders-unavailable"
    title = "Order processing is unavailable"


class UpstreamFailed(Problem):
    """Base of the answers that could not be used: an upstream refused or broke its contract."""

    slug = "upstream-failed"
    title = "A system this request needs answered with an error"
    status = 502


class CrmFailed(UpstreamFailed):
    slug = "crm-failed"
    title = "The CRM answered with an error"


class ErpFailed(UpstreamFailed):
    slug = "erp-failed"
    title = "The ERP answered with an error"


class OrdersFailed(UpstreamFailed):
    slug = "orders-failed"
    title = "Order processing answered with an error"


IDENTITY_PROBLEMS = (PartnerIdentityMissing, PartnerNotRecognized, CrmUnavailable, CrmFailed)
