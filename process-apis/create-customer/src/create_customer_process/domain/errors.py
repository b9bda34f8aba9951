"""The problems this API answers with.

Three families drive what happens to a request:
- `CustomerRejected`: the customer cannot be created as asked (a duplicate, an ambiguous link);
  nothing is created;
- `UpstreamUnavailable`: a System API could not answer now (the request is finished later);
- `UpstreamRejected`: a System API refused a write that should have succeeded (what this request
  created is undone; a CRM refusal of the link, once the ERP customer exists, makes the request
  `needs_attention`; anything else is dead-lettered for an operator).
The upstream families and the operator's problem are the ones every Trivium service shares
(`trivium.problems`).
"""

from __future__ import annotations

from trivium.problems import Problem, ValidationFailed


class InvalidCustomer(ValidationFailed):
    slug = "invalid-customer"
    title = "The customer data is not valid"


class CustomerRejected(Problem):
    """Base of the business rejections: nothing was created."""

    slug = "customer-rejected"
    title = "The customer was not created"
    status = 409


class DuplicateCustomer(CustomerRejected):
    slug = "duplicate-customer"
    title = "The customer already exists"
    status = 409


class DuplicateOfAnotherOwner(DuplicateCustomer):
    """The customer exists as records the sales rep does not own: the answer names none of them
    (only the rep's own matches, if any) and says how to get access."""

    slug = "duplicate-customer-of-another-owner"
    title = "A customer with these details already exists"
    status = 409


class AmbiguousDuplicate(CustomerRejected):
    slug = "ambiguous-duplicate"
    title = "The customer matches records that cannot be linked as one customer"
    status = 409


class CreationInProgress(CustomerRejected):
    slug = "customer-creation-in-progress"
    title = "Another request is creating this customer right now"
    status = 409


class RequestNotFound(Problem):
    slug = "customer-request-not-found"
    title = "The customer request does not exist"
    status = 404


class RequestNotNeedingAttention(Problem):
    slug = "customer-request-not-needing-attention"
    title = "The customer request does not need attention"
    status = 409


class RequestBusy(Problem):
    slug = "customer-request-busy"
    title = "The customer request is being processed right now"
    status = 409


class InternalFailure(Problem):
    slug = "internal-error"
    title = "The customer request could not be processed because of an internal error"
    status = 500
