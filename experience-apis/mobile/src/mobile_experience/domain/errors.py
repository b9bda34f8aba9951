"""The problems this API answers with.

A lower tier's problem is never passed through as it stands: it becomes one of these, keeping
its status, its `detail`, its field `errors` and the rule it names (`reason`), so the app can act
on it without knowing which service said it.
"""

from __future__ import annotations

from trivium.problems import Problem, Unauthorized


class RepIdentityMissing(Unauthorized):
    slug = "rep-identity-missing"
    title = "The call does not carry a sales rep's identity"


class AccountNotFound(Problem):
    slug = "account-not-found"
    title = "The account does not exist or is not yours"
    status = 404


class OrderNotFound(Problem):
    slug = "order-not-found"
    title = "The order does not exist or is not yours"
    status = 404


class QuoteNotFound(Problem):
    """Also a quote of an account the rep does not own: the answer does not tell them apart."""

    slug = "quote-not-found"
    title = "The quote does not exist or is not yours"
    status = 404


class QuoteNotOrderable(Problem):
    """The quote's state forbids the order (not accepted, already ordered)."""

    slug = "quote-not-orderable"
    title = "The quote cannot be ordered in its current state"
    status = 409


class OrderRejected(Problem):
    """A business rule refused the order (`reason` names it: `credit-limit-exceeded`, ...)."""

    slug = "order-rejected"
    title = "The order was rejected"
    status = 422


class DuplicateCustomer(Problem):
    """The customer exists already; the body names the existing records."""

    slug = "duplicate-customer"
    title = "The customer already exists"
    status = 409


class CustomerRejected(Problem):
    """The customer's data cannot be used as it stands; `errors` points at the fields."""

    slug = "customer-rejected"
    title = "The customer data is not valid"
    status = 422


class RequestInProgress(Problem):
    """The same Idempotency-Key is still being worked on downstream."""

    slug = "request-in-progress"
    title = "A request with this Idempotency-Key is still being processed"
    status = 409


class UpstreamUnavailable(Problem):
    """Base of the transient failures: a lower tier could not answer now."""

    slug = "upstream-unavailable"
    title = "A system this call needs is unavailable"
    status = 503
    # Sent when the lower tier did not say when to try again.
    retry_after = "5"


class CrmUnavailable(UpstreamUnavailable):
    slug = "crm-unavailable"
    title = "The CRM is unavailable"


class ErpUnavailable(UpstreamUnavailable):
    slug = "erp-unavailable"
    title = "The ERP is unavailable"


class OrdersUnavailable(UpstreamUnavailable):
    slug = "orders-unavailable"
    title = "Order processing is unavailable"


class CustomersUnavailable(UpstreamUnavailable):
    slug = "customers-unavailable"
    title = "Customer creation is unavailable"


class UpstreamFailed(Problem):
    """A lower tier answered in a way it should not have (a contract break or its own bug)."""

    slug = "upstream-failed"
    title = "A system this call needs answered with an error"
    status = 502
