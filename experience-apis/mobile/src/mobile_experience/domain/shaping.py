"""From the lower tiers' records to what fits on a phone: rows, cards, sections, sparse views."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from mobile_experience.adapters.ports import (
    CrmAccount,
    CrmContact,
    CrmOverview,
    ErpCredit,
    ErpInvoice,
    ErpOrder,
    ProcessCustomer,
    ProcessOrder,
)
from mobile_experience.domain.models import (
    SECTIONS,
    AccountCard,
    AccountSection,
    AccountSummaryRead,
    ContactCard,
    CreditCard,
    CreditSection,
    Customer360Read,
    CustomerRequestRead,
    InvoiceCard,
    ListSection,
    OpportunityCard,
    OrderCard,
    OrderFailure,
    OrderRead,
)
from trivium.problems import PROBLEM_BASE_URI, FieldError, ValidationFailed
from trivium.schemas import Money

ValueT = TypeVar("ValueT")


@dataclass(frozen=True, slots=True)
class Fetched(Generic[ValueT]):
    """A section's value, or the fact that its system could not give it (`ok` False)."""

    value: ValueT
    ok: bool = True


@dataclass(frozen=True, slots=True)
class ErpSections:
    orders: Fetched[list[ErpOrder]]
    invoices: Fetched[list[ErpInvoice]]
    credit: Fetched[ErpCredit | None]


NOTHING_IN_THE_ERP = ErpSections(Fetched([]), Fetched([]), Fetched(None))


def account_row(account: CrmAccount) -> AccountSummaryRead:
    address = account.billing_address
    return AccountSummaryRead(
        id=account.id,
        name=account.name,
        account_number=account.account_number,
        erp_customer_number=account.erp_customer_number,
        city=address.city if address else None,
        phone=account.phone,
        industry=account.industry,
    )


def account_card(account: CrmAccount) -> AccountCard:
    address = account.billing_address
    return AccountCard(
        id=account.id,
        name=account.name,
        account_number=account.account_number,
        erp_customer_number=account.erp_customer_number,
        phone=account.phone,
        website=account.website,
        industry=account.industry,
        street=address.street if address else None,
        city=address.city if address else None,
        postal_code=address.postal_code if address else None,
        country=address.country if address else None,
    )


def contact_card(contact: CrmContact) -> ContactCard:
    name = " ".join(part for part in (contact.first_name, contact.last_name) if part)
    return ContactCard(
        id=contact.id, name=name, title=contact.title, email=contact.email, phone=contact.phone
    )


def order_card(order: ErpOrder) -> OrderCard:
    return OrderCard(
        erp_order_number=order.id,
        status=order.status,
        delivery_status=order.delivery_status,
        billing_status=order.billing_status,
        total=order.total,
        created_on=order.created_on,
        requested_delivery_date=order.requested_delivery_date,
        reference=order.external_reference,
    )


def invoice_card(invoice: ErpInvoice) -> InvoiceCard:
    return InvoiceCard(
        invoice_number=invoice.id,
        status=invoice.status,
        invoice_date=invoice.invoice_date,
        erp_order_number=invoice.sales_order_id,
        amount=invoice.gross_amount or invoice.net_amount,
    )


def credit_card(credit: ErpCredit) -> CreditCard:
    def money(amount: object) -> Money:
        return Money.model_validate({"amount": amount, "currency": credit.currency})

    return CreditCard(
        limit=money(credit.limit),
        exposure=money(credit.exposure),
        available=money(credit.available),
        blocked=credit.blocked,
    )


def customer_360(account_id: str, crm: CrmOverview | None, erp: ErpSections) -> Customer360Read:
    """The whole view; the CRM sections are unavailable when `crm` is None."""
    crm_status = "ok" if crm is not None else "unavailable"
    return Customer360Read(
        account_id=account_id,
        account=AccountSection(
            status=crm_status, data=account_card(crm.account) if crm is not None else None
        ),
        contacts=ListSection[ContactCard](
            status=crm_status,
            items=[contact_card(contact) for contact in crm.contacts] if crm else [],
        ),
        opportunities=ListSection[OpportunityCard](
            status=crm_status,
            items=list(crm.open_opportunities) if crm else [],
        ),
        orders=ListSection[OrderCard](
            status="ok" if erp.orders.ok else "unavailable",
            items=[order_card(order) for order in erp.orders.value],
        ),
        invoices=ListSection[InvoiceCard](
            status="ok" if erp.invoices.ok else "unavailable",
            items=[invoice_card(invoice) for invoice in erp.invoices.value],
        ),
        credit=CreditSection(
            status="ok" if erp.credit.ok else "unavailable",
            data=credit_card(erp.credit.value) if erp.credit.value is not None else None,
        ),
    )


def parse_fields(text: str | None) -> tuple[str, ...]:
    """The sections a `fields=` parameter asks for (all when absent), in the view's order."""
    if text is None:
        return SECTIONS
    asked = {name.strip() for name in text.split(",") if name.strip()}
    unknown = sorted(asked - set(SECTIONS))
    if unknown or not asked:
        raise ValidationFailed(
            "`fields` lists sections of the view, separated by commas.",
            errors=[
                FieldError(
                    pointer="fields",
                    detail=f"unknown section {name!r}; choose from {', '.join(SECTIONS)}",
                )
                for name in unknown
            ]
            or [FieldError(pointer="fields", detail="name at least one section")],
        )
    return tuple(name for name in SECTIONS if name in asked)


def render_view(view: Customer360Read, fields: Sequence[str]) -> bytes:
    """The view's JSON with only the asked sections (and `accountId`), in a stable byte form."""
    document = view.model_dump(mode="json")
    kept = {"accountId": document["accountId"]}
    kept.update((name, document[name]) for name in fields)
    return json.dumps(kept, separators=(",", ":"), ensure_ascii=False).encode()


def entity_tag(body: bytes) -> str:
    """A strong ETag of a rendered body."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def order_view(order: ProcessOrder) -> OrderRead:
    failure = order.failure
    return OrderRead.model_validate(
        {
            "orderId": order.order_id,
            "status": order.status,
            "quoteId": order.quote_id,
            "accountId": order.account_id,
            "erpOrderNumber": order.erp_order_number,
            "purchaseOrderNumber": order.purchase_order_number,
            "lines": order.lines,
            "total": order.total,
            "failure": OrderFailure(
                reason=problem_reason(failure.type), title=failure.title, detail=failure.detail
            )
            if failure
            else None,
            "notice": _attention_notice(
                order.status,
                erp_did="accepted the order",
                erp_number=order.erp_order_number,
                crm_part="its CRM record",
            ),
            "createdAt": order.created_at,
            "updatedAt": order.updated_at,
        }
    )


def _attention_notice(
    status: str, *, erp_did: str, erp_number: str | None, crm_part: str
) -> str | None:
    """What a rep is told of work that needs attention: the ERP's part is done, the CRM's waits
    for the operations team. The CRM's own reason stays with the operators."""
    if status != "needs_attention":
        return None
    number = f" as {erp_number}" if erp_number else ""
    return (
        f"The ERP {erp_did}{number}; {crm_part} needs attention from the operations team. "
        "Nothing is needed from you."
    )


def problem_reason(type_uri: str | None) -> str:
    """The last segment of a problem `type` (`credit-limit-exceeded`)."""
    if not type_uri:
        return "unknown"
    return type_uri.removeprefix(PROBLEM_BASE_URI).rsplit("/", 1)[-1] or "unknown"


def customer_result(customer: ProcessCustomer) -> CustomerRequestRead:
    return CustomerRequestRead.model_validate(
        {
            "requestId": customer.request_id,
            "status": customer.status,
            "accountId": customer.account_id,
            "erpCustomerNumber": customer.erp_customer_number,
            "accountCreated": customer.account_created,
            "erpCustomerCreated": customer.erp_customer_created,
            "notice": _attention_notice(
                customer.status,
                erp_did="created the customer",
                erp_number=customer.erp_customer_number,
                crm_part="linking it to the CRM account",
            ),
        }
    )
