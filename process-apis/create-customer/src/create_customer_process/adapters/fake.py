"""In-memory CRM and ERP behind the same ports, for unit tests of the saga and the routes.

Both keep what was written to them, count their calls, and can be told to fail: `fail_next(op,
error)` makes the next call of `op` raise `error` (queue several for several calls), and
`lose_next_answer(op, error)` lets the next call do its work and then raise `error`, as when an
answer is lost on the way back. Searches match like the System APIs: broadly, leaving the exact
comparison to the domain.
"""

from __future__ import annotations

import itertools
from collections import Counter

from create_customer_process.adapters.ports import (
    AccountDraft,
    CrmAccount,
    CrmAddress,
    CustomerDraft,
    ErpAddress,
    ErpCustomer,
    Written,
)
from create_customer_process.domain.models import RequestState
from trivium.fakes import ScriptedFailures
from trivium.problems import CrmRejected, ErpRejected


def _contains(text: str | None, part: str | None) -> bool:
    return part is None or (text is not None and part.casefold() in text.casefold())


class FakeCrm(ScriptedFailures):
    """`CrmPort` in memory: accounts, the drafts they were made from, idempotency keys."""

    def __init__(self) -> None:
        super().__init__()
        self.accounts: dict[str, CrmAccount] = {}
        self.drafts: dict[str, AccountDraft] = {}
        self._keys: dict[str, str] = {}
        self._ids = itertools.count(1)

    def add(
        self,
        name: str,
        *,
        postal_code: str | None = None,
        website: str | None = None,
        erp_customer_number: str | None = None,
        owner: str | None = None,
    ) -> CrmAccount:
        """An existing account (`owner`: its owner's CRM username)."""
        account = CrmAccount(
            id=f"001{next(self._ids):015d}",
            name=name,
            website=website,
            erp_customer_number=erp_customer_number,
            billing_address=CrmAddress(postal_code=postal_code),
            owner_username=owner,
        )
        self.accounts[account.id] = account
        return account

    async def search_accounts(
        self,
        *,
        name: str | None = None,
        postal_code: str | None = None,
        website_domain: str | None = None,
    ) -> list[CrmAccount]:
        self.enter("search_accounts")
        return [
            account
            for account in self.accounts.values()
            if _contains(account.name, name)
            and _contains(account.website, website_domain)
            and (
                postal_code is None
                or (account.billing_address and account.billing_address.postal_code) == postal_code
            )
        ]

    async def get_account(self, account_id: str) -> CrmAccount | None:
        self.enter("get_account")
        return self.accounts.get(account_id)

    async def create_account(self, draft: AccountDraft, *, idempotency_key: str) -> CrmAccount:
        self.enter("create_account")
        if idempotency_key in self._keys:
            return self.accounts[self._keys[idempotency_key]]
        account = self.add(
            draft.name,
            postal_code=draft.postal_code,
            website=draft.website,
            owner=draft.owner_username,
        )
        self.drafts[account.id] = draft
        self._keys[idempotency_key] = account.id
        self.leave("create_account")
        return account

    async def upsert_account_for_customer(
        self, erp_customer_number: str, draft: AccountDraft
    ) -> Written[CrmAccount]:
        self.enter("upsert_account_for_customer")
        for account in self.accounts.values():
            if account.erp_customer_number == erp_customer_number:
                return Written(account, created=False)
        account = self.add(
            draft.name,
            postal_code=draft.postal_code,
            website=draft.website,
            erp_customer_number=erp_customer_number,
        )
        self.drafts[account.id] = draft
        return Written(account, created=True)

    async def link_account(self, account_id: str, erp_customer_number: str) -> None:
        self.enter("link_account")
        taken = [
            a.id
            for a in self.accounts.values()
            if a.erp_customer_number == erp_customer_number and a.id != account_id
        ]
        if taken:
            raise CrmRejected(
                f"CRM account link: {erp_customer_number} is on {taken[0]}",
                upstreamStatus=409,
                upstreamType="duplicate-record",
            )
        account = self.accounts.get(account_id)
        if account is None:
            raise CrmRejected(
                "CRM account link: The account does not exist.",
                upstreamStatus=404,
                upstreamType="record-not-found",
            )
        self.accounts[account_id] = account.model_copy(
            update={"erp_customer_number": erp_customer_number}
        )

    async def delete_account(self, account_id: str) -> None:
        self.enter("delete_account")
        self.accounts.pop(account_id, None)


class FakeErp(ScriptedFailures):
    """`ErpPort` in memory: customers, the drafts they were made from, one per external id."""

    def __init__(self) -> None:
        super().__init__()
        self.customers: dict[str, ErpCustomer] = {}
        self.drafts: dict[str, CustomerDraft] = {}
        self.refused_countries: set[str] = set()
        self._numbers = itertools.count(1)

    def add(
        self,
        name: str,
        *,
        postal_code: str | None = None,
        website: str | None = None,
        vat_id: str | None = None,
        external_id: str | None = None,
    ) -> ErpCustomer:
        """An existing customer."""
        customer = ErpCustomer(
            id=str(1_100_000 + next(self._numbers)),
            name=name,
            website=website,
            vat_id=vat_id,
            external_id=external_id,
            address=ErpAddress(postal_code=postal_code),
        )
        self.customers[customer.id] = customer
        return customer

    async def search_customers(
        self,
        *,
        name: str | None = None,
        postal_code: str | None = None,
        website_domain: str | None = None,
        vat_id: str | None = None,
    ) -> list[ErpCustomer]:
        self.enter("search_customers")
        return [
            customer
            for customer in self.customers.values()
            if _contains(customer.name, name)
            and _contains(customer.website, website_domain)
            and (vat_id is None or customer.vat_id == vat_id)
            and (
                postal_code is None
                or (customer.address and customer.address.postal_code) == postal_code
            )
        ]

    async def get_customer(self, customer_number: str) -> ErpCustomer | None:
        self.enter("get_customer")
        return self.customers.get(customer_number)

    async def create_customer(
        self, draft: CustomerDraft, *, idempotency_key: str
    ) -> Written[ErpCustomer]:
        self.enter("create_customer")
        for customer in self.customers.values():
            if customer.external_id == draft.external_id:
                return Written(customer, created=False)
        if draft.country in self.refused_countries:
            raise ErpRejected(f"ERP customer creation: country {draft.country} is not set up")
        customer = self.add(
            draft.name,
            postal_code=draft.postal_code,
            website=draft.website,
            vat_id=draft.vat_id,
            external_id=draft.external_id,
        )
        self.drafts[customer.id] = draft
        self.leave("create_customer")
        return Written(customer, created=True)

    async def link_customer(self, customer_number: str, account_id: str) -> None:
        self.enter("link_customer")
        customer = self.customers[customer_number]
        self.customers[customer_number] = customer.model_copy(update={"external_id": account_id})


class RecordingQueue:
    """`RequestQueue` that only records what was handed over."""

    def __init__(self) -> None:
        self.enqueued: list[str] = []

    async def enqueue(self, request_id: str, *, correlation_id: str | None = None) -> None:
        self.enqueued.append(request_id)


class RecordingEvents:
    """`EventPublisher` that keeps the events in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, RequestState]] = []

    async def publish(self, event_type: str, state: RequestState) -> None:
        self.events.append((event_type, state))


class RecordingCustomerMetrics:
    """`CustomerMetrics` that keeps what it is told, for tests to read."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.duplicates: Counter[tuple[str, str]] = Counter()
        self.compensations: Counter[str] = Counter()
        self.steps: list[str] = []

    def request_outcome(self, outcome: str) -> None:
        self.outcomes[outcome] += 1

    def duplicate_found(self, system: str, criterion: str) -> None:
        self.duplicates[system, criterion] += 1

    def compensation(self, action: str) -> None:
        self.compensations[action] += 1

    def step_duration(self, step: str, seconds: float) -> None:
        self.steps.append(step)
