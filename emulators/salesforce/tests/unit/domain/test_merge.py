from __future__ import annotations

from typing import Any

from salesforce_emulator.domain.context import WriteContext
from salesforce_emulator.domain.deletion import undelete_records
from salesforce_emulator.domain.dml import insert_records
from salesforce_emulator.domain.merge import MergeResult, merge_records
from salesforce_emulator.domain.store import fetch_dicts
from salesforce_emulator.emulator import Emulator


def insert_one(emulator: Emulator, ctx: WriteContext, name: str, body: dict[str, Any]) -> str:
    obj = emulator.org.object_or_raise(name)
    with emulator.org.store.transaction() as conn:
        result = insert_records(conn, emulator.org, obj, [body], ctx)[0]
    assert result.id is not None, result.errors
    return result.id


def row(emulator: Emulator, name: str, record_id: str) -> dict[str, Any]:
    with emulator.org.store.reading() as conn:
        return fetch_dicts(conn, f'SELECT * FROM "{name}" WHERE "Id" = ?', (record_id,))[0]


def merge(
    emulator: Emulator,
    ctx: WriteContext,
    master: str,
    *duplicates: str,
    fields: dict[str, Any] | None = None,
) -> MergeResult:
    with emulator.org.store.transaction() as conn:
        return merge_records(
            conn, emulator.org, master_id=master, duplicate_ids=list(duplicates),
            fields=fields or {}, ctx=ctx,
        )  # fmt: skip


def events_after(emulator: Emulator, replay_id: int) -> list[tuple[str, str, list[str]]]:
    """(entity, change type, record ids) of the change events after `replay_id`."""
    with emulator.org.store.reading() as conn:
        found = emulator.org.events.read_after(conn, replay_id, entities=None)
    return [
        (
            event.entity,
            event.payload["ChangeEventHeader"]["changeType"],
            event.payload["ChangeEventHeader"]["recordIds"],
        )
        for event in found
    ]


def latest_replay_id(emulator: Emulator) -> int:
    with emulator.org.store.reading() as conn:
        return emulator.org.events.latest_replay_id(conn)


class TestMergeRecords:
    def test_losers_deleted_with_their_master_and_children_moved(
        self, emulator: Emulator, ctx: WriteContext
    ) -> None:
        master = insert_one(emulator, ctx, "Account", {"Name": "Acme"})
        first = insert_one(emulator, ctx, "Account", {"Name": "Acme Inc"})
        second = insert_one(emulator, ctx, "Account", {"Name": "ACME"})
        contact = insert_one(emulator, ctx, "Contact", {"LastName": "Doe", "AccountId": first})
        result = merge(emulator, ctx, master, first, second)
        assert result.success, result.errors
        assert (result.id, result.merged_record_ids) == (master, [first, second])
        assert result.updated_related_ids == [contact]
        for loser in (first, second):
            stored = row(emulator, "Account", loser)
            assert (stored["IsDeleted"], stored["MasterRecordId"]) == (1, master)
        moved = row(emulator, "Contact", contact)
        assert (moved["AccountId"], moved["IsDeleted"]) == (master, 0)
        assert row(emulator, "Account", master)["MasterRecordId"] is None

    def test_publishes_deletes_then_the_master_update(
        self, emulator: Emulator, ctx: WriteContext
    ) -> None:
        master = insert_one(emulator, ctx, "Account", {"Name": "Acme", "Phone": "1"})
        loser = insert_one(emulator, ctx, "Account", {"Name": "Acme Inc", "Phone": "2"})
        contact = insert_one(emulator, ctx, "Contact", {"LastName": "Doe", "AccountId": loser})
        since = latest_replay_id(emulator)
        merge(emulator, ctx, master, loser, fields={"Phone": "2"})
        assert events_after(emulator, since) == [
            ("Contact", "UPDATE", [contact]),
            ("Account", "DELETE", [loser]),
            ("Account", "UPDATE", [master]),
        ]
        with emulator.org.store.reading() as conn:
            update = emulator.org.events.read_after(conn, since, entities={"Account"})[-1]
        assert update.payload["Phone"] == "2"
        assert "Phone" in update.payload["ChangeEventHeader"]["changedFields"]

    def test_master_takes_a_losers_external_id(self, emulator: Emulator, ctx: WriteContext) -> None:
        master = insert_one(emulator, ctx, "Account", {"Name": "Acme"})
        loser = insert_one(
            emulator, ctx, "Account", {"Name": "Acme Inc", "ERP_Customer_Number__c": "17100001"}
        )
        result = merge(emulator, ctx, master, loser, fields={"ERP_Customer_Number__c": "17100001"})
        assert result.success, result.errors
        assert row(emulator, "Account", master)["ERP_Customer_Number__c"] == "17100001"

    def test_a_loser_undeleted_keeps_its_master(
        self, emulator: Emulator, ctx: WriteContext
    ) -> None:
        master = insert_one(emulator, ctx, "Account", {"Name": "Acme"})
        loser = insert_one(emulator, ctx, "Account", {"Name": "Acme Inc"})
        merge(emulator, ctx, master, loser)
        with emulator.org.store.transaction() as conn:
            assert undelete_records(conn, emulator.org, [loser], ctx)[0].success
        restored = row(emulator, "Account", loser)
        assert (restored["IsDeleted"], restored["MasterRecordId"]) == (0, master)


class TestMergeRefused:
    def test_nothing_changes_when_the_master_update_fails(
        self, emulator: Emulator, ctx: WriteContext
    ) -> None:
        master = insert_one(emulator, ctx, "Account", {"Name": "Acme"})
        loser = insert_one(emulator, ctx, "Account", {"Name": "Acme Inc"})
        contact = insert_one(emulator, ctx, "Contact", {"LastName": "Doe", "AccountId": loser})
        since = latest_replay_id(emulator)
        result = merge(emulator, ctx, master, loser, fields={"Name": None})
        assert not result.success
        assert row(emulator, "Account", loser)["IsDeleted"] == 0
        assert row(emulator, "Contact", contact)["AccountId"] == loser
        assert events_after(emulator, since) == []

    def test_reasons(self, emulator: Emulator, ctx: WriteContext) -> None:
        master = insert_one(emulator, ctx, "Account", {"Name": "Acme"})
        loser = insert_one(emulator, ctx, "Account", {"Name": "Acme Inc"})
        gone = insert_one(emulator, ctx, "Account", {"Name": "Gone"})
        merge(emulator, ctx, master, gone)
        contact = insert_one(emulator, ctx, "Contact", {"LastName": "Doe"})
        opportunity = insert_one(
            emulator, ctx, "Opportunity",
            {"Name": "D", "StageName": "Prospecting", "CloseDate": "2030-01-01"},
        )  # fmt: skip
        other_opportunity = insert_one(
            emulator, ctx, "Opportunity",
            {"Name": "E", "StageName": "Prospecting", "CloseDate": "2030-01-01"},
        )  # fmt: skip

        def code(result: MergeResult) -> str:
            return result.errors[0].error_code

        assert code(merge(emulator, ctx, master, master)) == "MERGE_FAILED"
        assert code(merge(emulator, ctx, master, contact)) == "MERGE_FAILED"
        assert code(merge(emulator, ctx, master, loser, loser)) == "MERGE_FAILED"
        assert code(merge(emulator, ctx, master, "nope")) == "MALFORMED_ID"
        assert code(merge(emulator, ctx, master, gone)) == "ENTITY_IS_DELETED"
        assert code(merge(emulator, ctx, opportunity, other_opportunity)) == (
            "INVALID_TYPE_FOR_OPERATION"
        )
        assert row(emulator, "Account", loser)["IsDeleted"] == 0
