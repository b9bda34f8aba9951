"""Lookups: external-id references resolved to ids, and references checked to exist (cached)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from salesforce_emulator.domain.errors import ErrorItem
from salesforce_emulator.domain.ids import normalize_id
from salesforce_emulator.domain.org import Org
from salesforce_emulator.domain.schema import FieldDef, ObjectDef
from salesforce_emulator.domain.store import fetch_dicts, quote_name
from salesforce_emulator.domain.validation import ExternalRef
from salesforce_emulator.domain.values import FieldValueError, encode_value, malformed_id


def find_by_external_id(
    conn: sqlite3.Connection, obj: ObjectDef, ext_field: FieldDef, value: Any, *, limit: int = 2
) -> list[str]:
    """Ids of live records whose external id equals `value` (case-insensitive)."""
    if ext_field.name == "Id":
        record_id = normalize_id(str(value))
        if record_id is None:
            return []
        row = conn.execute(
            f'SELECT "Id" FROM {quote_name(obj.name)} WHERE "Id" = ? AND "IsDeleted" = 0',
            (record_id,),
        ).fetchone()
        return [row[0]] if row else []
    stored = encode_value(ext_field, value)
    if stored is None:
        return []
    rows = conn.execute(
        f'SELECT "Id" FROM {quote_name(obj.name)} WHERE {quote_name(ext_field.name)} = ? '
        f'COLLATE NOCASE AND "IsDeleted" = 0 ORDER BY "Id" LIMIT ?',
        (stored, limit),
    ).fetchall()
    return [row[0] for row in rows]


class ReferenceChecker:
    """Checks lookups for one batch of records, remembering what it has already read."""

    def __init__(self, conn: sqlite3.Connection, org: Org) -> None:
        self.conn = conn
        self.org = org
        self._rows: dict[str, dict[str, Any] | None] = {}
        self._external: dict[tuple[str, str, str], list[str]] = {}
        # Keys a batch has already taken (price definitions, standard prices), so two rows
        # of one batch conflict the way two separate saves would.
        self.claims: set[tuple[str, ...]] = set()

    def row(self, obj: ObjectDef, record_id: str) -> dict[str, Any] | None:
        """The stored row of `record_id` (deleted rows too), or None."""
        if record_id not in self._rows:
            rows = fetch_dicts(
                self.conn, f'SELECT * FROM {quote_name(obj.name)} WHERE "Id" = ?', (record_id,)
            )
            self._rows[record_id] = rows[0] if rows else None
        return self._rows[record_id]

    def forget(self, record_ids: Iterable[str]) -> None:
        """Drop cached rows that a write changed."""
        for record_id in record_ids:
            self._rows.pop(record_id, None)

    def resolve(self, refs: list[ExternalRef], values: dict[str, Any]) -> None:
        """Turn each external-id reference into the lookup's id."""
        for ref in refs:
            key = (ref.target.name, ref.ext_field.name, str(ref.value).lower())
            if key not in self._external:
                self._external[key] = find_by_external_id(
                    self.conn, ref.target, ref.ext_field, ref.value
                )
            matches = self._external[key]
            if len(matches) != 1:
                outcome = "not found" if not matches else "matched more than one record"
                raise FieldValueError(
                    ErrorItem(
                        "INVALID_FIELD",
                        f"Foreign key external ID: {ref.value} {outcome} for field "
                        f"{ref.ext_field.name} in entity {ref.target.name}",
                        (ref.field.name,),
                    )
                )
            values[ref.field.name] = matches[0]

    def check(self, obj: ObjectDef, values: dict[str, Any]) -> None:
        """MALFORMED_ID, INVALID_CROSS_REFERENCE_KEY or ENTITY_IS_DELETED for a bad lookup."""
        for name, value in values.items():
            item = obj.field(name)
            if item is None or item.type != "reference" or value is None:
                continue
            target = next(
                (
                    target
                    for target_name in item.reference_to
                    if (target := self.org.catalog.object(target_name)) is not None
                    and value.startswith(target.key_prefix)
                ),
                None,
            )
            if target is None:
                raise malformed_id(item, value)
            row = self.row(target, value)
            if row is None:
                raise FieldValueError(
                    ErrorItem("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", (name,))
                )
            if row["IsDeleted"]:
                raise FieldValueError(ErrorItem("ENTITY_IS_DELETED", "entity is deleted", (name,)))
