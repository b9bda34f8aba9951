from __future__ import annotations

from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.domain.dml import insert_records
from salesforce_emulator.domain.events import entity_channel, schema_id
from salesforce_emulator.emulator import Emulator


def create_accounts(emulator: Emulator, ctx: WriteContext, *names: str) -> None:
    obj = emulator.org.object_or_raise("Account")
    with emulator.org.store.transaction() as conn:
        insert_records(conn, emulator.org, obj, [{"Name": name} for name in names], ctx)


class TestChannels:
    def test_names(self) -> None:
        assert entity_channel("Account") == "/data/AccountChangeEvent"
        assert entity_channel("Widget__c") == "/data/Widget__ChangeEvent"
        assert len(schema_id("Account")) == 22
        assert schema_id("Account") == schema_id("Account") != schema_id("Contact")


class TestChangeEventLog:
    def test_only_enabled_entities_publish(self, emulator: Emulator, ctx: WriteContext) -> None:
        create_accounts(emulator, ctx, "A")
        obj = emulator.org.object_or_raise("Opportunity")
        with emulator.org.store.transaction() as conn:
            insert_records(
                conn, emulator.org, obj,
                [{"Name": "D", "StageName": "Prospecting", "CloseDate": "2030-01-01"}], ctx,
            )  # fmt: skip
        with emulator.org.store.reading() as conn:
            found = emulator.org.events.read_after(conn, 0, entities=None)
        assert [event.entity for event in found] == ["Account"]

    def test_seed_context_publishes_nothing(self, emulator: Emulator, ctx: WriteContext) -> None:
        quiet = WriteContext(ctx.user_id, ctx.origin, publish_events=False)
        create_accounts(emulator, quiet, "A")
        with emulator.org.store.reading() as conn:
            assert emulator.org.events.read_after(conn, 0, entities=None) == []

    def test_rolled_back_writes_leave_no_events(
        self, emulator: Emulator, ctx: WriteContext
    ) -> None:
        try:
            with emulator.org.store.transaction():
                create_accounts(emulator, ctx, "A")
                raise RuntimeError("abort")
        except RuntimeError:
            pass
        with emulator.org.store.reading() as conn:
            assert emulator.org.events.read_after(conn, 0, entities=None) == []

    def test_purge_keeps_the_replay_sequence(self, emulator: Emulator, ctx: WriteContext) -> None:
        create_accounts(emulator, ctx, "A", "B")
        events = emulator.org.events
        with emulator.org.store.transaction() as conn:
            assert events.oldest_replay_id(conn) == 1
            far_future = 10**15
            assert events.purge(conn, now_ms=far_future) == 2
            assert events.oldest_replay_id(conn) is None
            assert events.latest_replay_id(conn) == 2
        create_accounts(emulator, ctx, "C")
        with emulator.org.store.reading() as conn:
            assert [event.replay_id for event in events.read_after(conn, 2, entities=None)] == [3]

    def test_commit_wakes_listeners(self, emulator: Emulator, ctx: WriteContext) -> None:
        woken: list[str] = []
        emulator.org.events.add_listener(lambda: woken.append("woken"))
        create_accounts(emulator, ctx, "A")
        assert woken
