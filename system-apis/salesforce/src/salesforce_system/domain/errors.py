"""The problems this API answers with; adapters translate Salesforce errors into these."""

from __future__ import annotations

from trivium.problems import Problem


class RecordNotFound(Problem):
    slug = "record-not-found"
    title = "The record does not exist"
    status = 404


class DuplicateRecord(Problem):
    slug = "duplicate-record"
    title = "A record with these values already exists"
    status = 409


class RecordConflict(Problem):
    slug = "record-conflict"
    title = "The record cannot be changed in its current state"
    status = 409


class RecordRejected(Problem):
    slug = "record-rejected"
    title = "The CRM rejected the record"
    status = 422


class CrmBudgetExhausted(Problem):
    slug = "crm-api-budget-exhausted"
    title = "The CRM's API budget is exhausted"
    status = 503


class CrmBudgetReserved(Problem):
    slug = "crm-api-budget-reserved"
    title = "The CRM's remaining API budget is reserved for business flows"
    status = 503


class CrmUnavailable(Problem):
    slug = "crm-unavailable"
    title = "The CRM is unavailable"
    status = 503


class CrmTimeout(Problem):
    slug = "crm-timeout"
    title = "The CRM did not answer in time"
    status = 504


class CrmError(Problem):
    slug = "crm-error"
    title = "The CRM answered with an unexpected error"
    status = 502


class CrmAuthenticationFailed(Problem):
    slug = "crm-authentication-failed"
    title = "Trivium could not log in to the CRM"
    status = 502
