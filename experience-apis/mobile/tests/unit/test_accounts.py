"""The views over fakes: fan-out, degradation, caching, shared reads and owner visibility."""

from __future__ import annotations

import asyncio

import pytest

from mobile_experience.adapters.fake import FakeCrm, FakeErp, MemoryCache, RecordingViewMetrics
from mobile_experience.domain.accounts import AccountLink, CustomerViews, ViewPolicy, link_key
from mobile_experience.domain.errors import AccountNotFound, CrmUnavailable
from mobile_experience.domain.models import Rep

pytestmark = pytest.mark.asyncio

ANNA = Rep(username="anna.becker@trivium.demo")
LUKAS = Rep(username="Lukas.Schmidt@trivium.demo")
PARTNER, PROSPECT, OTHERS = "001000000000001AAA", "001000000000004AAA", "001000000000003AAA"


def statuses(view: object) -> dict[str, str]:
    document = view.model_dump()  # type: ignore[attr-defined]
    return {name: section["status"] for name, section in document.items() if name != "accountId"}


class TestView:
    async def test_every_section_of_a_linked_account(
        self, views: CustomerViews, crm: FakeCrm, erp: FakeErp
    ) -> None:
        view = await views.view(ANNA, PARTNER)
        assert set(statuses(view).values()) == {"ok"}
        assert view.account.data is not None
        assert view.account.data.city == "Hamburg"
        assert [contact.name for contact in view.contacts.items] == ["Lena Koch", "Weber"]
        assert view.credit.data is not None
        assert str(view.credit.data.available.amount) == "48799.5"
        assert view.invoices.items[0].amount.amount == 119
        assert (crm.calls, erp.calls) == (1, 3)

    async def test_erp_down_leaves_the_crm_sections(
        self, views: CustomerViews, erp: FakeErp
    ) -> None:
        erp.down = True
        view = await views.view(ANNA, PARTNER)
        assert statuses(view) == {
            "account": "ok",
            "contacts": "ok",
            "opportunities": "ok",
            "orders": "unavailable",
            "invoices": "unavailable",
            "credit": "unavailable",
        }

    async def test_a_slow_erp_is_unavailable_after_the_timeout(
        self, views: CustomerViews, erp: FakeErp
    ) -> None:
        erp.delay_seconds = 1.0
        view = await asyncio.wait_for(views.view(ANNA, PARTNER), timeout=0.8)
        assert view.credit.status == "unavailable"

    async def test_an_unlinked_account_has_empty_erp_sections(
        self, views: CustomerViews, erp: FakeErp
    ) -> None:
        view = await views.view(ANNA, PROSPECT)
        assert set(statuses(view).values()) == {"ok"}
        assert view.credit.data is None
        assert erp.calls == 0

    async def test_a_repeated_view_is_served_from_the_cache(
        self, views: CustomerViews, crm: FakeCrm, erp: FakeErp
    ) -> None:
        first = await views.view(ANNA, PARTNER)
        second = await views.view(ANNA, PARTNER)
        assert first == second
        assert (crm.calls, erp.calls) == (1, 3)

    async def test_a_failed_section_is_not_cached(self, views: CustomerViews, erp: FakeErp) -> None:
        erp.down = True
        await views.view(ANNA, PARTNER)
        erp.down = False
        view = await views.view(ANNA, PARTNER)
        assert view.orders.status == "ok"

    async def test_concurrent_views_share_one_crm_call(
        self, views: CustomerViews, crm: FakeCrm
    ) -> None:
        crm.delay_seconds = 0.05
        await asyncio.gather(*(views.view(ANNA, PARTNER) for _ in range(10)))
        assert crm.calls == 1

    async def test_another_reps_account_is_not_found(self, views: CustomerViews) -> None:
        with pytest.raises(AccountNotFound):
            await views.view(ANNA, OTHERS)

    async def test_owner_usernames_compare_without_case(self, views: CustomerViews) -> None:
        view = await views.view(LUKAS, OTHERS)
        assert view.account.status == "ok"

    async def test_crm_down_still_shows_the_erp_of_a_known_own_account(
        self, views: CustomerViews, crm: FakeCrm
    ) -> None:
        await views.list_accounts(ANNA, search=None, limit=10, cursor=None)
        crm.down = True
        view = await views.view(ANNA, PARTNER)
        assert view.account.status == "unavailable"
        assert view.credit.status == "ok"
        with pytest.raises(AccountNotFound):
            await views.view(LUKAS, PARTNER)

    async def test_crm_down_and_an_unknown_account_is_unavailable(
        self, views: CustomerViews, crm: FakeCrm
    ) -> None:
        crm.down = True
        with pytest.raises(CrmUnavailable):
            await views.view(ANNA, PARTNER)


class TestViewMetrics:
    async def test_each_source_is_recorded_live_then_from_the_cache(
        self, views: CustomerViews, metrics: RecordingViewMetrics
    ) -> None:
        await views.view(ANNA, PARTNER)
        await views.view(ANNA, PARTNER)
        sources = ("crm", "orders", "invoices", "credit")
        assert sorted(metrics.served) == sorted(
            [(source, "live", True) for source in sources]
            + [(source, "cache", True) for source in sources]
        )

    async def test_an_unavailable_source_is_recorded_as_not_served(
        self, views: CustomerViews, erp: FakeErp, metrics: RecordingViewMetrics
    ) -> None:
        erp.down = True
        await views.view(ANNA, PARTNER)
        assert sorted(metrics.served) == [
            ("credit", "live", False),
            ("crm", "live", True),
            ("invoices", "live", False),
            ("orders", "live", False),
        ]


class TestListAccounts:
    async def test_pages_cover_the_reps_accounts_once(self, views: CustomerViews) -> None:
        seen: list[str] = []
        cursor = None
        while True:
            page = await views.list_accounts(ANNA, search=None, limit=1, cursor=cursor)
            seen += [row.id for row in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert seen == [PARTNER, PROSPECT]


class TestViewCacheReads:
    async def test_a_view_of_a_known_account_reads_the_cache_once(
        self, views: CustomerViews, cache: MemoryCache, crm: FakeCrm, erp: FakeErp
    ) -> None:
        await views.view(ANNA, PARTNER)
        before = cache.round_trips
        view = await views.view(ANNA, PARTNER)
        assert set(statuses(view).values()) == {"ok"}
        assert (cache.round_trips - before, crm.calls, erp.calls) == (1, 1, 3)

    async def test_a_changed_erp_customer_is_read_from_the_cache_for_its_own_number(
        self, views: CustomerViews, cache: MemoryCache, crm: FakeCrm
    ) -> None:
        await views.view(ANNA, PARTNER)
        # Another replica learned that the account now belongs to another ERP customer.
        moved = AccountLink(owner_username=ANNA.username, erp_customer_number="1000003")
        await cache.set_many({link_key(PARTNER): moved.model_dump_json().encode()}, ttl_seconds=60)
        await cache.set_many({f"mobile:360:crm:{PARTNER}": b"{}"}, ttl_seconds=60)  # unreadable
        crm.overviews[PARTNER] = crm.overviews[PARTNER].model_copy(
            update={
                "account": crm.overviews[PARTNER].account.model_copy(
                    update={"erp_customer_number": "1000003"}
                )
            }
        )
        view = await views.view(ANNA, PARTNER)
        assert view.credit.status == "ok"
        assert view.credit.data is None  # the fake ERP knows no credit of 1000003


class TestRememberedLinks:
    async def test_a_list_read_again_writes_no_link(
        self, views: CustomerViews, cache: MemoryCache
    ) -> None:
        await views.list_accounts(ANNA, search=None, limit=10, cursor=None)
        before = cache.round_trips
        await views.list_accounts(ANNA, search=None, limit=10, cursor=None)
        assert cache.round_trips == before

    async def test_links_are_written_again_once_the_cache_lifetime_has_passed(
        self, crm: FakeCrm, erp: FakeErp, cache: MemoryCache, metrics: RecordingViewMetrics
    ) -> None:
        now = [100.0]
        views = CustomerViews(
            crm=crm,
            erp=erp,
            cache=cache,
            policy=ViewPolicy(cache_ttl_seconds=30),
            metrics=metrics,
            clock=lambda: now[0],
        )
        await views.list_accounts(ANNA, search=None, limit=10, cursor=None)
        cache.entries.clear()
        now[0] += 29.9
        await views.list_accounts(ANNA, search=None, limit=10, cursor=None)
        assert cache.entries == {}
        now[0] += 0.1
        await views.list_accounts(ANNA, search=None, limit=10, cursor=None)
        assert set(cache.entries) == {link_key(PARTNER), link_key(PROSPECT)}

    async def test_a_changed_link_is_written_at_once(
        self, views: CustomerViews, cache: MemoryCache, crm: FakeCrm
    ) -> None:
        await views.list_accounts(ANNA, search=None, limit=10, cursor=None)
        crm.overviews[PROSPECT] = crm.overviews[PROSPECT].model_copy(
            update={
                "account": crm.overviews[PROSPECT].account.model_copy(
                    update={"erp_customer_number": "1000009"}
                )
            }
        )
        await views.list_accounts(ANNA, search=None, limit=10, cursor=None)
        link = AccountLink.model_validate_json(cache.entries[link_key(PROSPECT)][0])
        assert link.erp_customer_number == "1000009"

    async def test_a_link_the_cache_did_not_take_is_written_again(
        self, views: CustomerViews, cache: MemoryCache
    ) -> None:
        cache.down = True
        await views.list_accounts(ANNA, search=None, limit=10, cursor=None)
        cache.down = False
        await views.list_accounts(ANNA, search=None, limit=10, cursor=None)
        assert set(cache.entries) == {link_key(PARTNER), link_key(PROSPECT)}
