"""The problems this API answers with, and the failures its loops react to.

The upstream families and the operator's problem are the ones every Trivium service shares
(`trivium.problems`): a System API that cannot answer now (`UpstreamUnavailable`) makes the loop
wait and try again.
"""

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
