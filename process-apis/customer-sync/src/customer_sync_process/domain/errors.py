"""The problems this API answers with, and the failures its loops react to."""

from __future__ import annotations

from trivium.problems import Problem


class SyncNotFound(Problem):
    slug = "sync-not-found"
    title = "The sync does not exist"
    status = 404


class SyncAlreadyRunning(Problem):
    slug = "sync-already-running"
    title = "A product sync is running already"
    status = 409


class UpstreamUnavailable(Problem):
    """A System API could not answer now; the loop waits and tries again."""

    slug = "upstream-unavailable"
    title = "A system the sync needs is unavailable"
    status = 503


class CrmUnavailable(UpstreamUnavailable):
    slug = "crm-unavailable"
    title = "The CRM is unavailable"


class ErpUnavailable(UpstreamUnavailable):
    slug = "erp-unavailable"
    title = "The ERP is unavailable"


class UpstreamRejected(Problem):
    """A System API refused a call that should have succeeded."""

    slug = "upstream-rejected"
    title = "A system refused a change the sync made"
    status = 502


class CrmRejected(UpstreamRejected):
    slug = "crm-rejected"
    title = "The CRM refused a change"


class ErpRejected(UpstreamRejected):
    slug = "erp-rejected"
    title = "The ERP refused a change"


class PositionUnavailable(Exception):
    """The CRM no longer holds change events after the stored position."""


class RecordConflict(Problem):
    """A record that cannot be applied as it stands: parked until someone sets it right."""

    slug = "record-conflict"
    title = "The record conflicts with what the other system holds"
    status = 409


class UnknownErpCustomer(RecordConflict):
    """An account names an ERP customer number the ERP does not have."""

    slug = "unknown-erp-customer"
    title = "The account names an ERP customer the ERP does not have"


class CustomerOfAnotherAccount(RecordConflict):
    """An account names an ERP customer that is linked to another account."""

    slug = "customer-of-another-account"
    title = "The account names an ERP customer linked to another account"


class ParkedNotFound(Problem):
    slug = "parked-record-not-found"
    title = "No such parked record"
    status = 404


class OperatorRoleRequired(Problem):
    slug = "operator-role-required"
    title = "This needs the operator role"
    status = 403
