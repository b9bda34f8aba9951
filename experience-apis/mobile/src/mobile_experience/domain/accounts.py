"""The rep's accounts and the customer 360: parallel reads, a short shared cache, degradation.

Cold, a 360 costs one CRM call (the System API's account overview) and three ERP calls (recent
orders, open invoices, credit), all started together when the account's ERP customer number is
known from an earlier list or view (else the ERP reads follow the CRM read). Each source's answer
is cached in Redis for `cache_ttl_seconds`, shared by every rep and replica; concurrent views of
one account in one process share one call. A source that fails or is slow leaves its sections
`unavailable`; a failure is never cached, so the next view tries again.

Visibility is owner-based, like the CRM's default sharing: a rep sees the accounts they own, and
any other account is a 404. While the CRM is down, ownership comes from the account link
remembered for `link_ttl_seconds` (owner and ERP customer number), so ERP sections are still
served for the rep's own accounts and never for anyone else's.

Each process also keeps the links it wrote (bounded): a list writes again only the links that
changed or were written more than `cache_ttl_seconds` ago, so the rep's list, read again and
again, costs no Redis write (another replica's newer link is overwritten at most that late, the
staleness the cached CRM view allows anyway); and a view starts the ERP sections' cache reads
with the CRM's, in one round trip, for an account whose ERP customer it has seen.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import TypeAdapter, ValidationError

from mobile_experience.adapters.ports import (
    Cache,
    CrmOverview,
    CrmPort,
    ErpCredit,
    ErpInvoice,
    ErpOrder,
    ErpPort,
    ViewMetrics,
)
from mobile_experience.domain.errors import (
    AccountNotFound,
    CrmUnavailable,
    UpstreamFailed,
    UpstreamUnavailable,
)
from mobile_experience.domain.models import AccountSummaryRead, Customer360Read, Rep
from mobile_experience.domain.shaping import (
    NOTHING_IN_THE_ERP,
    ErpSections,
    Fetched,
    account_row,
    customer_360,
)
from trivium.schemas import Page, UpstreamModel

log = logging.getLogger(__name__)

ResultT = TypeVar("ResultT")
# Account links a process remembers having written; more and it starts afresh.
REMEMBERED_LINKS = 50_000
ERP_SECTIONS = ("orders", "invoices", "credit")

_ORDERS = TypeAdapter(list[ErpOrder])
_INVOICES = TypeAdapter(list[ErpInvoice])
_CREDIT = TypeAdapter(ErpCredit | None)


class CrmMiss(enum.Enum):
    NOT_FOUND = "not-found"
    UNAVAILABLE = "unavailable"


class AccountLink(UpstreamModel):
    """What is remembered of an account between views: whose it is, and its ERP customer."""

    owner_username: str | None = None
    erp_customer_number: str | None = None


@dataclass(frozen=True, slots=True)
class ViewPolicy:
    cache_ttl_seconds: float = 30.0
    link_ttl_seconds: float = 86_400.0
    section_timeout_seconds: float = 3.0
    key_contacts: int = 5
    open_opportunities: int = 5
    recent_orders: int = 5
    open_invoices: int = 10


def crm_key(account_id: str) -> str:
    return f"mobile:360:crm:{account_id}"


def erp_key(customer_id: str, section: str) -> str:
    return f"mobile:360:erp:{customer_id}:{section}"


def link_key(account_id: str) -> str:
    return f"mobile:account:{account_id}"


def _parse(model: type[UpstreamModel], raw: bytes | None) -> Any:
    if raw is None:
        return None
    try:
        return model.model_validate_json(raw)
    except ValidationError:  # written by an older release: read it afresh
        return None


class CustomerViews:
    """The rep's account list and customer 360, over the CRM, the ERP and the shared cache."""

    def __init__(
        self,
        *,
        crm: CrmPort,
        erp: ErpPort,
        cache: Cache,
        policy: ViewPolicy,
        metrics: ViewMetrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.crm = crm
        self.erp = erp
        self.cache = cache
        self.policy = policy
        self.metrics = metrics
        self._clock = clock
        self._in_flight: dict[str, asyncio.Future[Any]] = {}
        # The link this process last stored per account, and when.
        self._written: dict[str, tuple[AccountLink, float]] = {}

    async def list_accounts(
        self, rep: Rep, *, search: str | None, limit: int, cursor: str | None
    ) -> Page[AccountSummaryRead]:
        """A page of the accounts the rep owns, by id."""
        page = await self.crm.search_accounts(
            owner_username=rep.username, name=search, limit=limit, cursor=cursor
        )
        await self._remember_links(
            {
                account.id: AccountLink(
                    owner_username=rep.username, erp_customer_number=account.erp_customer_number
                )
                for account in page.items
            }
        )
        return Page(items=[account_row(a) for a in page.items], next_cursor=page.next_cursor)

    async def view(self, rep: Rep, account_id: str) -> Customer360Read:
        """The customer 360 of one of the rep's accounts (every section, with its status)."""
        written = self._written.get(account_id)
        seen = written[0].erp_customer_number if written else None
        cached_crm, cached_link, *cached_erp = await self.cache.get_many(
            [crm_key(account_id), link_key(account_id), *_erp_keys(seen)]
        )
        overview: CrmOverview | None = _parse(CrmOverview, cached_crm)
        link: AccountLink | None = _parse(AccountLink, cached_link)
        known = overview.account if overview else link
        guess = known.erp_customer_number if known else None
        read, erp = await asyncio.gather(
            self._crm_overview(account_id) if overview is None else _now(overview),
            self._erp_sections(guess, cached=cached_erp if guess == seen else None),
        )
        self._record("crm", "cache" if overview is not None else "live", read)
        if read is CrmMiss.NOT_FOUND:
            raise AccountNotFound(f"No account of yours has the id {account_id!r}.")
        overview = read if isinstance(read, CrmOverview) else None
        owner = _owner(overview, link)
        if not rep.owns(owner):
            raise AccountNotFound(f"No account of yours has the id {account_id!r}.")
        customer = overview.account.erp_customer_number if overview else guess
        if customer != guess:
            erp = await self._erp_sections(customer)
        return customer_360(account_id, overview, erp)

    async def account_visible(self, rep: Rep, account_id: str) -> bool:
        """True when the rep owns the account; CrmUnavailable when nobody can tell now."""
        cached_crm, cached_link = await self.cache.get_many(
            [crm_key(account_id), link_key(account_id)]
        )
        overview: CrmOverview | None = _parse(CrmOverview, cached_crm)
        read = overview if overview is not None else await self._crm_overview(account_id)
        if read is CrmMiss.NOT_FOUND:
            return False
        return rep.owns(
            _owner(
                read if isinstance(read, CrmOverview) else None, _parse(AccountLink, cached_link)
            )
        )

    # the CRM ---------------------------------------------------------------------------------

    async def _crm_overview(self, account_id: str) -> CrmOverview | CrmMiss:
        return await self._shared(f"crm:{account_id}", lambda: self._read_crm(account_id))

    async def _read_crm(self, account_id: str) -> CrmOverview | CrmMiss:
        try:
            async with asyncio.timeout(self.policy.section_timeout_seconds):
                overview = await self.crm.get_overview(
                    account_id,
                    contact_limit=self.policy.key_contacts,
                    opportunity_limit=self.policy.open_opportunities,
                )
        except AccountNotFound:
            return CrmMiss.NOT_FOUND
        except (UpstreamUnavailable, UpstreamFailed, TimeoutError) as error:
            log.warning("view.crm_unavailable", extra={"error": _describe(error)})
            return CrmMiss.UNAVAILABLE
        await self.cache.set_many(
            {crm_key(account_id): overview.model_dump_json().encode()},
            ttl_seconds=self.policy.cache_ttl_seconds,
        )
        await self._remember_links(
            {
                account_id: AccountLink(
                    owner_username=overview.owner_username,
                    erp_customer_number=overview.account.erp_customer_number,
                )
            }
        )
        return overview

    async def _remember_links(self, links: Mapping[str, AccountLink]) -> None:
        now = self._clock()
        fresh_for = self.policy.cache_ttl_seconds
        changed = {
            account: link
            for account, link in links.items()
            if (written := self._written.get(account)) is None
            or written[0] != link
            or now - written[1] >= fresh_for
        }
        if not changed:
            return
        stored = await self.cache.set_many(
            {
                link_key(account): link.model_dump_json().encode()
                for account, link in changed.items()
            },
            ttl_seconds=self.policy.link_ttl_seconds,
        )
        if stored:
            if len(self._written) + len(changed) > REMEMBERED_LINKS:
                self._written.clear()
            self._written.update({account: (link, now) for account, link in changed.items()})

    # the ERP ---------------------------------------------------------------------------------

    async def _erp_sections(
        self, customer_id: str | None, *, cached: list[bytes | None] | None = None
    ) -> ErpSections:
        """The customer's ERP sections; `cached`: their cache entries, when already read."""
        if customer_id is None:
            return NOTHING_IN_THE_ERP
        if not cached:
            cached = await self.cache.get_many(_erp_keys(customer_id))
        cached_orders, cached_invoices, cached_credit = cached
        policy = self.policy
        orders, invoices, credit = await asyncio.gather(
            self._erp_section(
                "orders",
                customer_id,
                cached_orders,
                _ORDERS,
                lambda: self.erp.recent_orders(customer_id, limit=policy.recent_orders),
                empty=[],
            ),
            self._erp_section(
                "invoices",
                customer_id,
                cached_invoices,
                _INVOICES,
                lambda: self.erp.open_invoices(customer_id, limit=policy.open_invoices),
                empty=[],
            ),
            self._erp_section(
                "credit", customer_id, cached_credit, _CREDIT, lambda: self.erp.credit(customer_id)
            ),
        )
        return ErpSections(orders=orders, invoices=invoices, credit=credit)

    async def _erp_section(
        self,
        name: str,
        customer_id: str,
        cached: bytes | None,
        adapter: TypeAdapter[Any],
        read: Callable[[], Awaitable[Any]],
        *,
        empty: Any = None,
    ) -> Fetched[Any]:
        if cached is not None:
            try:
                fetched = Fetched(adapter.validate_json(cached))
            except ValidationError:
                pass
            else:
                self._record(name, "cache", fetched)
                return fetched

        async def live() -> Fetched[Any]:
            try:
                async with asyncio.timeout(self.policy.section_timeout_seconds):
                    value = await read()
            except (UpstreamUnavailable, UpstreamFailed, TimeoutError) as error:
                log.warning(
                    "view.erp_section_unavailable",
                    extra={"section": name, "error": _describe(error)},
                )
                return Fetched(empty, ok=False)
            await self.cache.set_many(
                {erp_key(customer_id, name): adapter.dump_json(value, by_alias=True)},
                ttl_seconds=self.policy.cache_ttl_seconds,
            )
            return Fetched(value)

        fetched = await self._shared(f"erp:{customer_id}:{name}", live)
        self._record(name, "live", fetched)
        return fetched

    def _record(self, section: str, source: str, outcome: Any) -> None:
        failed = isinstance(outcome, CrmMiss) or (isinstance(outcome, Fetched) and not outcome.ok)
        self.metrics.section_served(section, source=source, ok=not failed)

    async def _shared(self, key: str, read: Callable[[], Awaitable[ResultT]]) -> ResultT:
        """One read per key at a time in this process; concurrent callers share its result."""
        future = self._in_flight.get(key)
        if future is None:
            future = asyncio.ensure_future(read())
            self._in_flight[key] = future
            future.add_done_callback(lambda _: self._in_flight.pop(key, None))
        # A caller that gives up must not cancel the read the others wait for.
        result: ResultT = await asyncio.shield(future)
        return result


def _erp_keys(customer_id: str | None) -> list[str]:
    return [] if customer_id is None else [erp_key(customer_id, name) for name in ERP_SECTIONS]


async def _now(value: ResultT) -> ResultT:
    return value


def _owner(overview: CrmOverview | None, link: AccountLink | None) -> str | None:
    if overview is not None:
        return overview.owner_username
    if link is None:
        raise CrmUnavailable(
            "The CRM is unavailable, so it cannot be told whether this account is yours; "
            "try again shortly.",
            headers={"Retry-After": "5"},
        )
    return link.owner_username


def _describe(error: BaseException) -> str:
    return type(error).__name__ if isinstance(error, TimeoutError) else str(error)
