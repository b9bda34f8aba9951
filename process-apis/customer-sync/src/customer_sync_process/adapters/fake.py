"""In-memory CRM and ERP behind the same ports, for unit tests of the flow.

Both keep what was written to them and count their calls; `events` is the CRM's account change
log, read by position like the Salesforce System API serves it (positions `position-<n>`: after
the log's n-th change; `lose_position()` makes the next read answer that the position is gone,
`refresh()` makes the CRM another org). Both name the system they are in their change pages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from customer_sync_process.adapters.ports import (
    AccountChange,
    AccountChangePage,
    ChangeOrigin,
    CrmAccountProfile,
    CrmAddress,
    CrmOrderStatus,
    CrmProductReport,
    CrmProductRow,
    CrmRowError,
    ErpAddress,
    ErpCatalogItem,
    ErpCatalogPage,
    ErpCustomerChangePage,
    ErpCustomerProfile,
    ErpSalesOrderChange,
    ErpSalesOrderChangePage,
)
from customer_sync_process.domain.errors import PositionUnavailable
from customer_sync_process.domain.positions import EARLIEST, NOW, START_POSITIONS
from trivium.problems import CrmUnavailable
from trivium.schemas import Money

POSITION_PREFIX = "position-"


def _now() -> datetime:
    return datetime.now(UTC)


def _position(count: int) -> str:
    return f"{POSITION_PREFIX}{count}"


class FakeCrm:
    """Accounts, orders, products and the account change event log."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.accounts: dict[str, CrmAccountProfile] = {}
        self.events: list[AccountChange] = []
        self.orders: dict[str, dict[str, str | None]] = {}
        self.products: dict[str, dict[str, Any]] = {}
        self.rejected_skus: set[str] = set()
        self.unavailable = False
        self.system_id: str | None = "00D000000000001EAA"
        self._position_lost = False
        # Failures of writes to one account: each raised once, in order (see `fail_writes`).
        self.write_failures: dict[str, list[Exception]] = {}

    def add_account(
        self, account_id: str, *, name: str, customer: str | None, **fields: Any
    ) -> None:
        self.accounts[account_id] = CrmAccountProfile(
            id=account_id, name=name, erp_customer_number=customer, last_modified_at=_now(),
            **fields,
        )  # fmt: skip

    def change(
        self, account_id: str | None, *, from_suite: bool = False, change_type: str = "updated",
        at: datetime | None = None, **values: Any,
    ) -> AccountChange:  # fmt: skip
        """Change an account as a user (or the suite) would; its change goes to the log. A
        `resync` changes nothing and names the account, or none (`account_id=None`: all)."""
        if account_id in self.accounts and change_type != "resync":
            self.accounts[account_id] = self.accounts[account_id].model_copy(
                update=_profile_update(values) | {"last_modified_at": at or _now()}
            )
        event = AccountChange(
            position=_position(len(self.events) + 1), change_type=change_type,
            account_ids=[account_id] if account_id is not None else [],
            changed_fields=[*values, "lastModifiedAt"], values=values,
            commit_timestamp=at or _now(),
            origin=ChangeOrigin(client="trivium" if from_suite else None, from_suite=from_suite),
        )  # fmt: skip
        self.events.append(event)
        return event

    def fail_writes(self, account_id: str, *errors: Exception) -> None:
        """The next writes to the account raise these, one each."""
        self.write_failures.setdefault(account_id, []).extend(errors)

    def lose_position(self) -> None:
        self._position_lost = True

    def refresh(self, system_id: str) -> None:
        """Become another org, as a sandbox refresh makes one: the records are kept, the change
        log starts over (the same positions again)."""
        self.system_id = system_id
        self.events = []

    async def read_changes(self, position: str, *, wait_seconds: float) -> AccountChangePage:
        self.calls["read_changes"] += 1
        if self._position_lost and position not in START_POSITIONS:
            self._position_lost = False
            raise PositionUnavailable(position)
        after = {NOW: len(self.events), EARLIEST: 0}.get(position)
        if after is None:
            after = int(position.removeprefix(POSITION_PREFIX))
        if after > len(self.events):
            raise PositionUnavailable(position)
        items = self.events[after:]
        return AccountChangePage(
            items=items, position=_position(after + len(items)), system_id=self.system_id
        )

    async def get_profile(self, account_id: str) -> CrmAccountProfile | None:
        self.calls["get_profile"] += 1
        return self.accounts.get(account_id)

    async def list_profiles(
        self, *, modified_since: datetime | None = None, ids: Sequence[str] | None = None
    ) -> list[CrmAccountProfile]:
        self.calls["list_profiles"] += 1
        found = [a for a in self.accounts.values() if ids is None or a.id in ids]
        if modified_since is not None:
            found = [
                a for a in found if a.last_modified_at and a.last_modified_at >= modified_since
            ]
        return found

    async def find_account_id(self, erp_customer_number: str) -> str | None:
        self.calls["find_account_id"] += 1
        matches = [
            a.id for a in self.accounts.values() if a.erp_customer_number == erp_customer_number
        ]
        return matches[0] if len(matches) == 1 else None

    async def update_profile(self, account_id: str, fields: dict[str, Any]) -> CrmAccountProfile:
        self.calls["update_profile"] += 1
        if self.write_failures.get(account_id):
            raise self.write_failures[account_id].pop(0)
        update = _profile_update(fields)
        self.accounts[account_id] = self.accounts[account_id].model_copy(update=update)
        self.change(account_id, from_suite=True, **fields)
        return self.accounts[account_id]

    async def set_order_status(
        self, erp_order_number: str, *, erp_status: str, invoice_number: str | None
    ) -> CrmOrderStatus | None:
        self.calls["set_order_status"] += 1
        order = self.orders.get(erp_order_number)
        if order is None:
            return None
        before = dict(order)
        order.update(erpStatus=erp_status, invoiceNumber=invoice_number)
        return CrmOrderStatus(
            order_id=f"801-{erp_order_number}",
            changed=before != order,
            previous_erp_status=before["erpStatus"],
            previous_invoice_number=before["invoiceNumber"],
        )

    async def upsert_products(self, rows: Sequence[dict[str, Any]]) -> CrmProductReport:
        self.calls["upsert_products"] += 1
        if self.unavailable:
            raise CrmUnavailable("CRM product upsert: no answer (ConnectError).")
        failures = [
            CrmProductRow(sku=row["sku"], error=CrmRowError(code="INVALID", message="refused"))
            for row in rows
            if row["sku"] in self.rejected_skus
        ]
        for row in rows:
            if row["sku"] not in self.rejected_skus:
                self.products[row["sku"]] = dict(row)
        return CrmProductReport(
            method="bulk", total=len(rows), succeeded=len(rows) - len(failures),
            failed=len(failures), failures=failures,
        )  # fmt: skip


def _profile_update(fields: dict[str, Any]) -> dict[str, Any]:
    """Profile attributes from the Salesforce System API's field names and JSON values."""
    update: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "creditLimit" and value is not None:
            value = Money(amount=Decimal(str(value)), currency="EUR")
        if name == "billingAddress" and value is not None:
            value = CrmAddress.model_validate(value)
        update[_profile_name(name)] = value
    return update


def _profile_name(name: str) -> str:
    names = {
        "erpBlocked": "erp_blocked", "erpCustomerNumber": "erp_customer_number",
        "creditLimit": "credit_limit", "paymentTerms": "payment_terms",
        "billingAddress": "billing_address",
    }  # fmt: skip
    return names.get(name, name)


class FakeErp:
    """Customers with their change times, sales order changes and the catalog."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.customers: dict[str, ErpCustomerProfile] = {}
        self.order_changes: list[ErpSalesOrderChange] = []
        self.catalog: list[ErpCatalogItem] = []
        self.system_id: str | None = "S4H/100"
        # Failures of reads of one customer: each raised once, in order (see `fail_reads`).
        self.read_failures: dict[str, list[Exception]] = {}

    def fail_reads(self, customer: str, *errors: Exception) -> None:
        """The next reads of the customer raise these, one each."""
        self.read_failures.setdefault(customer, []).extend(errors)

    def add_customer(self, customer: str, *, name: str, **fields: Any) -> None:
        self.customers[customer] = ErpCustomerProfile(
            id=customer, name=name, changed_at=fields.pop("changed_at", _now()), **fields
        )

    def change(self, customer: str, *, at: datetime | None = None, **fields: Any) -> None:
        """Change a customer as an ERP user would."""
        self.customers[customer] = self.customers[customer].model_copy(
            update={**fields, "changed_at": at or _now()}
        )

    async def get_profile(self, customer_id: str) -> ErpCustomerProfile | None:
        self.calls["get_profile"] += 1
        if self.read_failures.get(customer_id):
            raise self.read_failures[customer_id].pop(0)
        return self.customers.get(customer_id)

    async def update_profile(self, customer_id: str, fields: dict[str, Any]) -> ErpCustomerProfile:
        self.calls["update_profile"] += 1
        update: dict[str, Any] = {k: v for k, v in fields.items() if k in ("name", "phone")}
        if "address" in fields:
            update["address"] = ErpAddress.model_validate(fields["address"])
        self.change(customer_id, **update)
        return self.customers[customer_id]

    async def customer_changes(self, *, since: datetime, limit: int) -> ErpCustomerChangePage:
        self.calls["customer_changes"] += 1
        found = sorted(
            (c for c in self.customers.values() if c.changed_at >= since),
            key=lambda c: c.changed_at,
        )
        return ErpCustomerChangePage(
            items=found[:limit], has_more=len(found) > limit, system_id=self.system_id
        )

    async def sales_order_changes(self, *, since: datetime, limit: int) -> ErpSalesOrderChangePage:
        self.calls["sales_order_changes"] += 1
        found = [o for o in self.order_changes if o.changed_at >= since]
        return ErpSalesOrderChangePage(
            items=found[:limit], has_more=len(found) > limit, system_id=self.system_id
        )

    async def catalog_page(self, *, cursor: str | None, limit: int) -> ErpCatalogPage:
        self.calls["catalog_page"] += 1
        start = int(cursor or 0)
        items = self.catalog[start : start + limit]
        more = start + limit < len(self.catalog)
        return ErpCatalogPage(items=items, next_cursor=str(start + limit) if more else None)


class RecordingSyncMetrics:
    """`SyncMetrics` that keeps what it is told, for tests to read."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, ...]] = Counter()
        self.levels: dict[tuple[str, ...], float] = {}
        self.propagations: list[float] = []

    def change_written(self, direction: str, target: str) -> None:
        self.counts["change", direction, target] += 1

    def conflict(self, field: str, winner: str) -> None:
        self.counts["conflict", field, winner] += 1

    def change_event(self, outcome: str) -> None:
        self.counts["event", outcome] += 1

    def reread(self, reason: str) -> None:
        self.counts["reread", reason] += 1

    def propagation(self, seconds: float) -> None:
        self.propagations.append(seconds)

    def products_synced(self, *, succeeded: int, failed: int) -> None:
        self.counts["products", "succeeded"] += succeeded
        self.counts["products", "failed"] += failed

    def leading(self, leader: bool) -> None:
        self.levels["leader",] = int(leader)

    def loop_state(self, loop: str, state: str, *, current: bool) -> None:
        self.levels["loop_state", loop, state] = int(current)

    def loop_lag(self, loop: str, *, events: int, seconds: float) -> None:
        self.levels["lag_events", loop] = events
        self.levels["lag_seconds", loop] = seconds

    def parked(self, loop: str, count: int) -> None:
        self.levels["parked", loop] = count

    def parking(self, loop: str, outcome: str) -> None:
        self.counts["parking", loop, outcome] += 1
