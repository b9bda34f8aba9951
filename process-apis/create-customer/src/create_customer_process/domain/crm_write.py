"""What a failed CRM link write means once the ERP customer exists.

The link writes one field (the ERP customer number on the account), so there is nothing to leave
out and no corrected write: a refusal the CRM answered for this account (the account deleted or
merged meanwhile, a validation rule) makes the request `needs_attention`; transient failures are
retried as every step is; anything else (our own credentials refused, an answer of an unexpected
shape) is dead-lettered as before.
"""

from __future__ import annotations

from trivium.problems import Problem, UpstreamUnavailable

# 401/403 refuse this service, not the customer: fixing credentials and replaying finishes it.
_CALLER_REFUSED = frozenset({401, 403})


def is_refused_by_crm(error: Problem) -> bool:
    """True when the CRM answered the write with a refusal of this record (a 4xx other than
    our own credentials refused): trying the same write again cannot help."""
    if isinstance(error, UpstreamUnavailable):
        return False
    status = error.extensions.get("upstreamStatus")
    return isinstance(status, int) and 400 <= status < 500 and status not in _CALLER_REFUSED
