"""Business behaviour plugged into the generic OData engine, one `EntityRules` per entity set.

The engine stores what the client sent; rules number new entities, validate them the way the
real system does, derive values (prices, totals, statuses) and keep related sets consistent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from s4hana_emulator.odata.model import EntitySet
from s4hana_emulator.odata.sql import quote
from s4hana_emulator.odata.store import Row, Store, key_of
from s4hana_emulator.odata.values import (
    date_to_ms,
    datetime_to_us,
    default_value,
    us_to_datetime,
)


@dataclass
class Draft:
    """An entity about to be created, with the children of a deep insert."""

    entity_set: EntitySet
    values: dict[str, Any]
    children: dict[str, list[Draft]] = field(default_factory=dict)


class Clock:
    """Change timestamps that never repeat, so every change gives a new ETag."""

    def __init__(self, now: Callable[[], datetime] | None = None) -> None:
        self._now = now or (lambda: datetime.now(UTC))
        self._last = 0
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now()

    def stamp(self) -> int:
        """Microseconds since the epoch, strictly increasing."""
        with self._lock:
            self._last = max(datetime_to_us(self._now()), self._last + 1)
            return self._last


@dataclass
class WriteContext:
    """What rules may use while a write is in progress (inside its transaction)."""

    store: Store
    lookup: Callable[[str], EntitySet]
    clock: Clock
    user: str
    # What rules tell each other during one write (e.g. which documents are being deep-inserted).
    notes: dict[str, set[str]] = field(default_factory=dict)
    # The rules of every entity set, for rules that create entities of other sets with theirs.
    rules_of: Callable[[str], EntityRules] = field(default=lambda name: EntityRules())

    def entity_set(self, name: str) -> EntitySet:
        return self.lookup(name)

    def get(self, set_name: str, key: Mapping[str, Any]) -> Row | None:
        return self.store.get(self.lookup(set_name), key)

    def select(self, set_name: str, where: str = "", params: tuple[Any, ...] = ()) -> list[Row]:
        return self.store.select(self.lookup(set_name), where=where, params=params)

    def insert(self, set_name: str, values: Mapping[str, Any]) -> Row:
        """Insert a complete row (defaults and change fields filled in)."""
        entity_set = self.lookup(set_name)
        row = complete_row(entity_set, values)
        stamp_created(entity_set, row, clock=self.clock, user=self.user)
        self.store.insert(entity_set, row)
        return row

    def next_number(
        self,
        set_name: str,
        prop: str,
        *,
        start: int,
        where: str = "",
        params: tuple[Any, ...] = (),
        step: int = 1,
    ) -> str:
        """The next number of a number range: one step above the highest in use, from `start`."""
        condition = f"t.{quote(prop)} NOT GLOB '*[^0-9]*' AND t.{quote(prop)} <> ''"
        if where:
            condition += f" AND {where}"
        column = f"CAST(t.{quote(prop)} AS INTEGER)"
        sql = f"SELECT MAX({column}) FROM {quote(set_name)} t WHERE {condition}"
        highest = self.store.scalar(sql, params)
        return str(start if highest is None or highest < start else int(highest) + step)

    def update(self, set_name: str, row: Row, changes: Mapping[str, Any]) -> Row:
        """Change a row and stamp its change fields (a new ETag)."""
        entity_set = self.lookup(set_name)
        values = dict(changes)
        stamp_changed(entity_set, values, clock=self.clock, user=self.user)
        self.store.update(entity_set, key_of(entity_set, row), values)
        return {**row, **values}


class EntityRules:
    """The default behaviour: store what was sent."""

    def before_create(self, ctx: WriteContext, draft: Draft, parent: Row | None) -> None:
        """Number the entity, validate it, derive values (children are not created yet)."""

    def after_create(self, ctx: WriteContext, row: Row) -> None:
        """React once the entity and its deep-insert children exist."""

    def before_update(self, ctx: WriteContext, row: Row, changes: dict[str, Any]) -> None:
        """Validate or adjust `changes` to `row`."""

    def after_update(self, ctx: WriteContext, row: Row) -> None:
        """React to a stored change (`row` is the new state)."""

    def before_delete(self, ctx: WriteContext, row: Row) -> None:
        """Refuse or prepare a deletion."""

    def after_delete(self, ctx: WriteContext, row: Row) -> None:
        """React to a deletion (`row` is the state before it)."""


def complete_row(entity_set: EntitySet, values: Mapping[str, Any]) -> Row:
    """`values` plus the initial value of every property not given."""
    return {
        prop.name: values[prop.name] if prop.name in values else default_value(prop)
        for prop in entity_set.properties
    }


def _today_ms(moment: datetime) -> int:
    return date_to_ms(date(moment.year, moment.month, moment.day))


def _time_of_day(moment: datetime) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def stamp_created(entity_set: EntitySet, row: Row, *, clock: Clock, user: str) -> None:
    """Fill the creation and change fields SAP maintains itself (unless already set)."""
    stamp = clock.stamp()
    moment = us_to_datetime(stamp)
    fields = {
        "CreationDate": _today_ms(moment),
        "CreationTime": _time_of_day(moment),
        "CreatedByUser": user,
    }
    for name, value in fields.items():
        prop = entity_set.get_property(name)
        if prop is not None and row.get(name) in (None, ""):
            row[name] = value
    stamp_changed(entity_set, row, clock=clock, user=user, stamp=stamp, only_empty=True)


def stamp_changed(
    entity_set: EntitySet,
    row: dict[str, Any],
    *,
    clock: Clock,
    user: str,
    stamp: int | None = None,
    only_empty: bool = False,
) -> None:
    """Set LastChangeDateTime (the ETag), LastChangeDate, -Time and -ByUser where they exist."""
    stamp = stamp if stamp is not None else clock.stamp()
    moment = us_to_datetime(stamp)
    fields: dict[str, Any] = {
        "LastChangeDate": _today_ms(moment),
        "LastChangeTime": _time_of_day(moment),
        "LastChangedByUser": user,
    }
    etag = entity_set.etag_property
    if etag is not None:
        fields[etag.name] = stamp
    elif entity_set.get_property("LastChangeDateTime") is not None:
        fields["LastChangeDateTime"] = stamp
    for name, value in fields.items():
        prop = entity_set.get_property(name)
        if prop is None or (only_empty and row.get(name) not in (None, "")):
            continue
        row[name] = value
