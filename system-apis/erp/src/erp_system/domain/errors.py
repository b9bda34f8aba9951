"""The problems this API answers with; adapters translate ERP errors into these."""

from __future__ import annotations

from trivium.problems import Problem


class CustomerNotFound(Problem):
    slug = "customer-not-found"
    title = "The customer does not exist"
    status = 404


class CreditAccountNotFound(Problem):
    slug = "credit-account-not-found"
    title = "The customer has no credit account"
    status = 404


class ProductNotFound(Problem):
    slug = "product-not-found"
    title = "The product does not exist"
    status = 404


class SalesOrderNotFound(Problem):
    slug = "sales-order-not-found"
    title = "The sales order does not exist"
    status = 404


class RecordNotFound(Problem):
    slug = "erp-record-not-found"
    title = "The ERP record does not exist"
    status = 404


class DuplicateCustomer(Problem):
    slug = "duplicate-customer"
    title = "A customer with this external id already exists"
    status = 409


class ConcurrentUpdate(Problem):
    slug = "concurrent-update"
    title = "The record was changed by someone else while it was being updated"
    status = 409


class CreationInProgress(Problem):
    slug = "creation-in-progress"
    title = "A record with this reference is being created right now"
    status = 409


class VersionMismatch(Problem):
    slug = "version-mismatch"
    title = "The record changed since the version named in If-Match"
    status = 412


class ErpRejected(Problem):
    slug = "erp-rejected"
    title = "The ERP rejected the request"
    status = 422


class ErpError(Problem):
    slug = "erp-error"
    title = "The ERP answered with an unexpected error"
    status = 502


class ErpAuthenticationFailed(Problem):
    slug = "erp-authentication-failed"
    title = "Trivium could not log on to the ERP"
    status = 502


class ErpUnavailable(Problem):
    slug = "erp-unavailable"
    title = "The ERP is unavailable"
    status = 503


class ErpTimeout(Problem):
    slug = "erp-timeout"
    title = "The ERP did not answer in time"
    status = 504


class InvalidVersion(Problem):
    slug = "invalid-version"
    title = "The If-Match header does not name a version this API issued"
    status = 400


# A create that failed this way may still have happened in the ERP: look before trying again.
OUTCOME_UNKNOWN = (ErpTimeout, ErpUnavailable, ErpError)
UPSTREAM_PROBLEMS = (ErpUnavailable, ErpTimeout, ErpError, ErpAuthenticationFailed)
