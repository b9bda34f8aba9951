"""Condition records: numbered on creation; validities inherit the record's condition type."""

from __future__ import annotations

from datetime import date

from s4hana_emulator.odata.errors import business_error
from s4hana_emulator.odata.rules import Draft, EntityRules, WriteContext
from s4hana_emulator.odata.store import Row
from s4hana_emulator.odata.values import date_to_ms

RECORD_NUMBERS_FROM = 1
OPEN_END = date_to_ms(date(9999, 12, 31))


class ConditionRecordRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        values = draft.values
        if not values.get("ConditionType"):
            raise business_error("VK/027", "Enter a condition type", target="ConditionType")
        if not values.get("ConditionRecord"):
            values["ConditionRecord"] = ctx.next_number(
                "A_SlsPrcgConditionRecord", "ConditionRecord", start=RECORD_NUMBERS_FROM
            )
        values["ConditionApplication"] = values.get("ConditionApplication") or "V"
        values["ConditionCalculationType"] = values.get("ConditionCalculationType") or "C"
        if values.get("ConditionQuantity") in (None, "0"):
            values["ConditionQuantity"] = "1"
        values.setdefault("ConditionValidityStartDate", date_to_ms(ctx.clock.now().date()))
        values.setdefault("ConditionValidityEndDate", OPEN_END)


class ValidityRules(EntityRules):
    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        values = draft.values
        record = parent or ctx.get(
            "A_SlsPrcgConditionRecord", {"ConditionRecord": values.get("ConditionRecord") or ""}
        )
        if record is None:
            raise business_error("VK/028", "The condition record does not exist")
        values.setdefault("ConditionValidityEndDate", record["ConditionValidityEndDate"])
        values.setdefault("ConditionValidityStartDate", record["ConditionValidityStartDate"])
        values["ConditionType"] = values.get("ConditionType") or record["ConditionType"]
        values["ConditionApplication"] = record["ConditionApplication"]


def build_rules() -> dict[str, EntityRules]:
    return {
        "A_SlsPrcgConditionRecord": ConditionRecordRules(),
        "A_SlsPrcgCndnRecdValidity": ValidityRules(),
    }
