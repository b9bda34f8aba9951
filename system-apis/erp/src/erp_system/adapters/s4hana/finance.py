"""Credit (API_CRDTMBUSINESSPARTNER) and open invoices (API_BILLING_DOCUMENT_SRV).

SAP's released credit API holds the limit and the block, not the exposure. The exposure is
read from a configured exposure view when the system has one (a custom CDS view exposed as
OData), and otherwise derived: net value of orders not yet billed plus gross value of invoices
not yet cleared, in the credit segment's currency. A view that also shows the limit, the block
and the currency answers alone: one read instead of two.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from erp_system.adapters.s4hana import status
from erp_system.adapters.s4hana.customers import S4Customers
from erp_system.adapters.s4hana.mapping import invoice_from
from erp_system.adapters.s4hana.odata import ODataClient
from erp_system.adapters.s4hana.sales_orders import SERVICE as ORDER_SERVICE
from erp_system.adapters.s4hana.wire import entity_path, string_literal
from erp_system.adapters.values import parse_decimal, text
from erp_system.domain.errors import CreditAccountNotFound, ErpError
from erp_system.domain.models import CreditRead, ExposureSource, InvoiceRead
from erp_system.settings import ErpSystemSettings

log = logging.getLogger(__name__)

CREDIT_SERVICE = "API_CRDTMBUSINESSPARTNER"
CREDIT_ACCOUNTS = "CreditManagementAccount"
BILLING_SERVICE = "API_BILLING_DOCUMENT_SRV"
BILLING_DOCUMENTS = "A_BillingDocument"
OPEN_INVOICES = "BillingDocumentIsCancelled eq false and InvoiceClearingStatus ne 'C'"
EXPOSURE_ROWS = 5_000


@dataclass(frozen=True)
class ViewAccount:
    """The properties of an exposure view that hold what the credit account would say."""

    limit_property: str
    blocked_property: str
    currency_property: str

    @classmethod
    def from_settings(cls, settings: ErpSystemSettings) -> ViewAccount | None:
        """The view's account properties, when all three are configured."""
        limit = settings.credit_exposure_limit_property
        blocked = settings.credit_exposure_blocked_property
        currency = settings.credit_exposure_currency_property
        if limit and blocked and currency:
            return cls(limit, blocked, currency)
        return None

    def account_of(self, row: dict[str, Any]) -> dict[str, Any]:
        """The view's row as the credit account's properties."""
        return {
            "CreditLimitAmount": row.get(self.limit_property),
            "CreditAccountIsBlocked": row.get(self.blocked_property),
            "CreditSegmentCurrency": row.get(self.currency_property),
        }


@dataclass(frozen=True)
class ExposureView:
    """A system's own exposure entity set, filtered by partner and credit segment."""

    service: str
    entity_set: str
    amount_property: str = "CustomerCreditExposureAmount"
    account: ViewAccount | None = None


class S4Finance:
    """Credit limit, exposure and open invoices of a customer."""

    def __init__(
        self,
        odata: ODataClient,
        customers: S4Customers,
        *,
        credit_segment: str,
        exposure_view: ExposureView | None = None,
    ) -> None:
        self._odata = odata
        self._customers = customers
        self._segment = credit_segment
        self._exposure_view = exposure_view

    async def credit(self, customer_id: str) -> CreditRead:
        try:
            return await self._credit_of(customer_id)
        except CreditAccountNotFound:
            # The partner number may be remembered from a customer that is gone since: a
            # customer that no longer exists is CustomerNotFound, not a missing credit account.
            self._customers.forget(customer_id)
            await self._customers.partner_number(customer_id)
            raise

    async def _credit_of(self, customer_id: str) -> CreditRead:
        bp = await self._customers.partner_number(customer_id)
        view = self._exposure_view
        if view is not None and view.account is not None:
            row = await self._view_row(bp)
            if row is None:
                raise CreditAccountNotFound(f"The customer {customer_id} has no credit account.")
            exposure = self._view_amount(row)
            return _credit(
                customer_id, view.account.account_of(row), exposure, ExposureSource.BACKEND
            )
        if view is not None:
            account, exposure = await asyncio.gather(self._account(bp), self._view_exposure(bp))
            return _credit(customer_id, account, exposure, ExposureSource.BACKEND)
        account, orders, invoices = await asyncio.gather(
            self._account(bp), self._open_orders(customer_id), self._open_invoices(customer_id)
        )
        currency = str(account.get("CreditSegmentCurrency") or "")
        open_orders = _sum_in(orders, currency, "TotalNetAmount", customer_id)
        open_invoices = _sum_in(invoices, currency, "TotalGrossAmount", customer_id)
        credit = _credit(customer_id, account, open_orders + open_invoices, ExposureSource.DERIVED)
        return credit.model_copy(
            update={"open_orders": open_orders, "open_invoices": open_invoices}
        )

    async def _account(self, bp: str) -> dict[str, Any]:
        entity = await self._odata.read(
            CREDIT_SERVICE,
            entity_path(CREDIT_ACCOUNTS, {"BusinessPartner": bp, "CreditSegment": self._segment}),
            what="credit account",
            not_found=CreditAccountNotFound,
        )
        return entity.data

    async def _view_row(self, bp: str) -> dict[str, Any] | None:
        assert self._exposure_view is not None
        view = self._exposure_view
        rows = await self._odata.read_all(
            view.service,
            view.entity_set,
            options={
                "$filter": f"BusinessPartner eq {string_literal(bp)}"
                f" and CreditSegment eq {string_literal(self._segment)}"
            },
            what="credit exposure",
            limit=1,
        )
        return rows[0] if rows else None

    async def _view_exposure(self, bp: str) -> Decimal:
        row = await self._view_row(bp)
        return self._view_amount(row) if row is not None else Decimal(0)

    def _view_amount(self, row: dict[str, Any]) -> Decimal:
        assert self._exposure_view is not None
        amount = parse_decimal(row.get(self._exposure_view.amount_property))
        if amount is None:
            raise ErpError("The ERP's exposure view has no exposure amount.")
        return amount

    async def _open_orders(self, customer_id: str) -> list[dict[str, Any]]:
        rows = await self._odata.read_all(
            ORDER_SERVICE,
            "A_SalesOrder",
            options={
                "$filter": f"SoldToParty eq {string_literal(customer_id)}"
                " and OverallSDProcessStatus ne 'C'",
                "$select": "SalesOrder,TotalNetAmount,TransactionCurrency,OverallSDProcessStatus,"
                "OverallDeliveryStatus,OverallOrdReltdBillgStatus,OverallSDDocumentRejectionSts",
            },
            what="open orders",
            limit=EXPOSURE_ROWS,
        )
        return [row for row in rows if status.is_open_for_credit(row)]

    async def _open_invoices(self, customer_id: str) -> list[dict[str, Any]]:
        return await self._odata.read_all(
            BILLING_SERVICE,
            BILLING_DOCUMENTS,
            options={
                "$filter": f"SoldToParty eq {string_literal(customer_id)} and {OPEN_INVOICES}",
                "$select": "BillingDocument,TotalGrossAmount,TotalNetAmount,TransactionCurrency",
            },
            what="open invoices",
            limit=EXPOSURE_ROWS,
        )

    async def open_invoices(
        self, customer_id: str, *, limit: int, offset: int
    ) -> list[InvoiceRead]:
        rows = await self._odata.read_all(
            BILLING_SERVICE,
            BILLING_DOCUMENTS,
            options={
                "$filter": f"SoldToParty eq {string_literal(customer_id)} and {OPEN_INVOICES}",
                "$orderby": "BillingDocumentDate desc,BillingDocument desc",
                "$skip": offset or None,
                "$expand": "to_Item",
            },
            what="invoices",
            limit=limit,
        )
        if not rows and offset == 0:
            await self._customers.partner_of(customer_id, expand=False)
        return [invoice_from(row) for row in rows]


def _sum_in(rows: list[dict[str, Any]], currency: str, amount: str, customer_id: str) -> Decimal:
    total = Decimal(0)
    for row in rows:
        if text(row.get("TransactionCurrency")) not in (currency, None):
            # No exchange rates here: say so rather than add apples to pears.
            log.warning(
                "s4hana.credit.foreign_currency",
                extra={"customer": customer_id, "currency": row.get("TransactionCurrency")},
            )
            continue
        total += parse_decimal(row.get(amount)) or parse_decimal(row.get("TotalNetAmount")) or 0
    return total


def _credit(
    customer_id: str, account: dict[str, Any], exposure: Decimal, source: ExposureSource
) -> CreditRead:
    limit = parse_decimal(account.get("CreditLimitAmount")) or Decimal(0)
    return CreditRead(
        customer_id=customer_id,
        limit=limit,
        exposure=exposure,
        available=limit - exposure,
        currency=str(account.get("CreditSegmentCurrency") or ""),
        blocked=account.get("CreditAccountIsBlocked") is True,
        exposure_source=source,
    )
