"""What a failed CRM order write means once the ERP order exists, and the corrected write.

The ERP order cannot be taken back (the ERP System API cannot cancel a sales order), so a CRM
write that fails must end in a CRM order or in an order an operator sees:
- transient (no answer, 408/425/429, 5xx, work in progress): retried later, as every step is;
- refused (a 4xx the CRM answered for this order: a validation rule, a field too long, an
  inactive price book entry, a deleted account): written once more without the optional fields
  the refusal names, where every field it names is optional; otherwise the order needs attention;
- anything else (our own credentials refused, an answer of an unexpected shape, where the write
  may have happened): dead-lettered as before, for an operator to replay once the cause is fixed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from enum import StrEnum

from quote_to_order_process.adapters.ports import CrmOrderDraft
from trivium.problems import Problem, UpstreamUnavailable

# 401/403 refuse this service, not the order: fixing credentials and replaying finishes it.
_CALLER_REFUSED = frozenset({401, 403})

# The optional fields of the CRM order write, by the JSON pointer the Salesforce System API
# names them with, and the draft fields that go with each (a mark needs the record it marks).
_OPTIONAL_FIELDS: dict[str, tuple[str, ...]] = {
    "/purchaseOrderNumber": ("purchase_order_number",),
    "/quoteId": ("quote_id", "quote_status"),
    "/quoteStatus": ("quote_status",),
    "/opportunityId": ("opportunity_id", "opportunity_stage"),
    "/opportunityStage": ("opportunity_stage",),
}
# The write names no order status of its own (the System API sets and activates it), so a
# refused `/status` is the quote status the order asked for: the System API names Quote.Status so.
_QUOTE_STATUS_POINTER = "/status"
_WIRE_NAMES = {
    "purchase_order_number": "purchaseOrderNumber",
    "quote_id": "quoteId",
    "quote_status": "quoteStatus",
    "opportunity_id": "opportunityId",
    "opportunity_stage": "opportunityStage",
}


class CrmWriteFailure(StrEnum):
    TRANSIENT = "transient"
    REFUSED = "refused"
    UNKNOWN = "unknown"


def classify_crm_failure(error: Problem) -> CrmWriteFailure:
    """Whether a failed CRM order write may succeed later, was refused for this order, or
    cannot be told apart from a write that happened."""
    if isinstance(error, UpstreamUnavailable):
        return CrmWriteFailure.TRANSIENT
    status = error.extensions.get("upstreamStatus")
    if isinstance(status, int) and 400 <= status < 500 and status not in _CALLER_REFUSED:
        return CrmWriteFailure.REFUSED
    return CrmWriteFailure.UNKNOWN


def correctable_fields(draft: CrmOrderDraft, refusal: Problem) -> list[str] | None:
    """The optional fields (wire names) to write the order without, so that the CRM takes it;
    None when the refusal names no field, or a field the order cannot go without."""
    pointers = [error.pointer for error in refusal.errors or ()]
    if not pointers:
        return None
    omitted: list[str] = []
    for pointer in pointers:
        fields = _fields_of(pointer, draft)
        if fields is None:
            return None
        omitted.extend(field for field in fields if getattr(draft, field) is not None)
    names = [_WIRE_NAMES[field] for field in dict.fromkeys(omitted)]
    return names or None


def without_fields(draft: CrmOrderDraft, omitted: Iterable[str]) -> CrmOrderDraft:
    """The draft with the optional fields named (wire names) left out."""
    left_out = set(omitted)

    def kept(field: str, value: str | None) -> str | None:
        return None if _WIRE_NAMES[field] in left_out else value

    return dataclasses.replace(
        draft,
        purchase_order_number=kept("purchase_order_number", draft.purchase_order_number),
        quote_id=kept("quote_id", draft.quote_id),
        quote_status=kept("quote_status", draft.quote_status),
        opportunity_id=kept("opportunity_id", draft.opportunity_id),
        opportunity_stage=kept("opportunity_stage", draft.opportunity_stage),
    )


def _fields_of(pointer: str, draft: CrmOrderDraft) -> Sequence[str] | None:
    if pointer == _QUOTE_STATUS_POINTER:
        return ("quote_status",) if draft.quote_status is not None else None
    return _OPTIONAL_FIELDS.get(pointer)
