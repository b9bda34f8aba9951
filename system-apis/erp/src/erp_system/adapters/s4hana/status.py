"""SAP SD status codes mapped to this API's canonical order and invoice statuses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from erp_system.domain.models import InvoiceStatus, ProgressStatus, SalesOrderStatus

# Standard SD status values: '' not relevant, A not yet processed, B partially, C completely.
_PROGRESS: dict[str, ProgressStatus] = {
    "": "not_relevant",
    "A": "not_started",
    "B": "partial",
    "C": "complete",
}
# TotalCreditCheckStatus: B checked, not OK; C not OK, partially released (both still hold).
CREDIT_BLOCKING = frozenset({"B", "C"})
# TotalBlockStatus (overall blocked status): B partially, C completely blocked.
BLOCKING = frozenset({"B", "C"})


def _code(entity: Mapping[str, Any], name: str) -> str:
    return str(entity.get(name) or "").strip().upper()


def progress(code: str) -> ProgressStatus:
    """A delivery or billing status code in this API's words (unknown codes: not relevant)."""
    return _PROGRESS.get(code.strip().upper(), "not_relevant")


def delivery_progress(order: Mapping[str, Any]) -> ProgressStatus:
    """Delivery progress: the overall delivery status, else the total delivery status."""
    code = _code(order, "OverallDeliveryStatus") or _code(order, "OverallTotalDeliveryStatus")
    return progress(code)


def billing_progress(order: Mapping[str, Any]) -> ProgressStatus:
    """Billing progress of order-related billing."""
    return progress(_code(order, "OverallOrdReltdBillgStatus"))


def is_credit_blocked(order: Mapping[str, Any]) -> bool:
    """Whether a credit check holds the order."""
    return _code(order, "TotalCreditCheckStatus") in CREDIT_BLOCKING


def order_status(order: Mapping[str, Any]) -> SalesOrderStatus:
    """The canonical status of an A_SalesOrder, most advanced state first."""
    if _code(order, "OverallSDDocumentRejectionSts") == "C":
        return SalesOrderStatus.CANCELLED
    billing = billing_progress(order)
    if billing == "complete":
        return SalesOrderStatus.BILLED
    if billing == "partial":
        return SalesOrderStatus.PARTIALLY_BILLED
    delivery = delivery_progress(order)
    if delivery == "complete":
        return SalesOrderStatus.DELIVERED
    if delivery == "partial":
        return SalesOrderStatus.IN_DELIVERY
    if is_credit_blocked(order) or _code(order, "TotalBlockStatus") in BLOCKING:
        return SalesOrderStatus.BLOCKED
    return SalesOrderStatus.OPEN


def is_open_for_credit(order: Mapping[str, Any]) -> bool:
    """Whether the order's value still counts as open-order exposure (not billed or rejected)."""
    return (
        order_status(order)
        not in (
            SalesOrderStatus.BILLED,
            SalesOrderStatus.CANCELLED,
        )
        and _code(order, "OverallSDProcessStatus") != "C"
    )


def invoice_status(document: Mapping[str, Any]) -> InvoiceStatus:
    """A billing document's payment status from its clearing status (A open, B part, C paid)."""
    if document.get("BillingDocumentIsCancelled") is True:
        return "cancelled"
    clearing = _code(document, "InvoiceClearingStatus")
    if clearing == "C":
        return "paid"
    if clearing == "B":
        return "partially_paid"
    return "open"
