"""The ports the customer saga depends on, and the few fields it reads from each System API.

The read models keep only what the saga uses (unknown fields are ignored), so the System APIs
may grow without touching this service; the contract between the tiers is their OpenAPI.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from create_customer_process.domain.models import RequestState
from trivium.locks import Held
from trivium.schemas import UpstreamModel


class CrmAddress(UpstreamModel):
    postal_code: str | None = None
    country: str | None = None


class CrmAccount(UpstreamModel):
    id: str
    name: str
    erp_customer_number: str | None = None
    website: str | None = None
    billing_address: CrmAddress | None = None
    owner_username: str | None = None


class ErpAddress(UpstreamModel):
    postal_code: str | None = None
    country: str | None = None


class ErpCustomer(UpstreamModel):
    id: str
    name: str
    external_id: str | None = None
    website: str | None = None
    vat_id: str | None = None
    address: ErpAddress | None = None


@dataclass(frozen=True, slots=True)
class AccountDraft:
    """A new CRM account; country and region as the CRM keeps them (names)."""

    name: str
    street: str
    city: str
    postal_code: str
    country: str
    region: str | None = None
    phone: str | None = None
    website: str | None = None
    industry: str | None = None
    # The CRM user (username) who owns the new account: the rep who asked for it.
    owner_username: str | None = None


@dataclass(frozen=True, slots=True)
class CustomerDraft:
    """A new ERP customer; country and region as the ERP keeps them (codes)."""

    name: str
    external_id: str
    street: str
    city: str
    postal_code: str
    country: str
    language: str
    house_number: str | None = None
    region: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    vat_id: str | None = None
    sales_area: dict[str, str] | None = None


RecordT = TypeVar("RecordT")


@dataclass(frozen=True, slots=True)
class Written(Generic[RecordT]):
    """A record a write returned, and whether this write created it (False: it existed)."""

    record: RecordT
    created: bool


class CrmPort(Protocol):
    """The CRM (the Salesforce System API)."""

    async def search_accounts(
        self,
        *,
        name: str | None = None,
        postal_code: str | None = None,
        website_domain: str | None = None,
    ) -> list[CrmAccount]:
        """Candidate accounts (name matches anywhere, the domain anywhere in the website)."""
        ...

    async def get_account(self, account_id: str) -> CrmAccount | None: ...

    async def create_account(self, draft: AccountDraft, *, idempotency_key: str) -> CrmAccount:
        """Create the account; a repeated key returns the account the first call created."""
        ...

    async def upsert_account_for_customer(
        self, erp_customer_number: str, draft: AccountDraft
    ) -> Written[CrmAccount]:
        """The account linked to the ERP customer, created unless one exists."""
        ...

    async def link_account(self, account_id: str, erp_customer_number: str) -> None:
        """Record the ERP customer number on the account."""
        ...

    async def delete_account(self, account_id: str) -> None:
        """Delete the account; one that is gone already is fine."""
        ...


class ErpPort(Protocol):
    """The ERP (the ERP System API)."""

    async def search_customers(
        self,
        *,
        name: str | None = None,
        postal_code: str | None = None,
        website_domain: str | None = None,
        vat_id: str | None = None,
    ) -> list[ErpCustomer]:
        """Candidate customers matching every criterion given."""
        ...

    async def get_customer(self, customer_number: str) -> ErpCustomer | None: ...

    async def create_customer(
        self, draft: CustomerDraft, *, idempotency_key: str
    ) -> Written[ErpCustomer]:
        """Create the customer once per external id: when one already carries it, that one
        is returned (created False)."""
        ...

    async def link_customer(self, customer_number: str, account_id: str) -> None:
        """Record the CRM account id on the customer."""
        ...


class RequestStore(Protocol):
    """Saga states, the claims that keep two requests from creating one customer, wake-ups."""

    async def create(
        self, state: RequestState, *, claims: Sequence[str], wake_at: datetime
    ) -> str | None:
        """Save a new request holding `claims`, unless a request that has not failed holds one
        of them: then nothing is saved and that request's id is returned."""
        ...

    async def get(self, request_id: str) -> RequestState | None: ...

    async def save(
        self, state: RequestState, *, wake_at: datetime | None, held: Held | None = None
    ) -> None:
        """Save the state; wake the request at `wake_at`, or never again when None. With `held`
        (the request's lock), only while the lock is still the holder's: LeaseLost otherwise."""
        ...

    async def release_claims(self, request_id: str, claims: Sequence[str]) -> None:
        """Give up the claims this request still holds."""
        ...

    async def take_due(self, *, now: datetime, limit: int, recheck_at: datetime) -> list[str]:
        """Requests whose wake-up is due; each is re-armed at `recheck_at` in the same step."""
        ...

    async def list_needing_attention(
        self, *, limit: int, after: str | None
    ) -> tuple[list[RequestState], str | None]:
        """Requests that need attention, newest first after the id `after`, and the id to
        continue from (None: end)."""
        ...


class RequestLocks(Protocol):
    def hold(self, request_id: str) -> AbstractAsyncContextManager[Held]:
        """Hold the request's lock for the block; yields a false `Held` when another holds it."""
        ...


class RequestQueue(Protocol):
    async def enqueue(self, request_id: str, *, correlation_id: str | None = None) -> None:
        """Hand the request to the workers."""
        ...


class EventPublisher(Protocol):
    async def publish(self, event_type: str, state: RequestState) -> None:
        """Emit `customer.created`, `customer.linked` or `customer.failed` (at least once)."""
        ...


class CustomerMetrics(Protocol):
    """Where the flow records what became of requests, what they matched and how long steps
    took."""

    def request_outcome(self, outcome: str) -> None:
        """A request reached `outcome` (created, linked, accepted, duplicate, failed, ...)."""
        ...

    def duplicate_found(self, system: str, criterion: str) -> None:
        """An existing record of `system` (crm, erp) matched a new customer on `criterion`."""
        ...

    def compensation(self, action: str) -> None:
        """A record was removed again (`action`) because the other system refused the customer."""
        ...

    def step_duration(self, step: str, seconds: float) -> None:
        """One step (duplicate_check, account, erp_customer, ...) took `seconds`."""
        ...
