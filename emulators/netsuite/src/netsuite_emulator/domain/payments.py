"""Customer payments against invoices (NetSuite's customerPayment, reduced to what moves the
customer's balance)."""

from __future__ import annotations

from decimal import Decimal

from netsuite_emulator.domain.errors import user_error
from netsuite_emulator.domain.records import customer
from netsuite_emulator.domain.records.common import RecordContext, decimal_text
from netsuite_emulator.domain.records.transactions import INVOICE, get_row, touch
from netsuite_emulator.domain.store import Row


def pay_invoice(ctx: RecordContext, invoice_id: int, amount: Decimal | None) -> Row:
    """Apply a payment (None: the whole remainder); a paid invoice is Paid In Full."""
    with ctx.store.transaction():
        invoice = get_row(ctx.store, INVOICE, str(invoice_id))
        remaining = Decimal(invoice["foreignamountremaining"] or 0)
        paid = remaining if amount is None else amount
        if remaining <= 0 or paid > remaining:
            raise user_error(f"The invoice has {decimal_text(remaining)} left to pay.")
        left = remaining - paid
        touch(
            ctx,
            invoice["id"],
            foreignamountremaining=decimal_text(left),
            status="B" if left == 0 else "A",
        )
        customer.refresh_totals(ctx, invoice["entity"])
        return get_row(ctx.store, INVOICE, str(invoice_id))
