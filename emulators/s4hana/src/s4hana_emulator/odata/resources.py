"""Resolve a resource path (`A_SalesOrder('1')/to_Item`, `A_Product/$count`) against the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from s4hana_emulator.odata.errors import bad_request, not_found
from s4hana_emulator.odata.expressions import Literal
from s4hana_emulator.odata.model import EntitySet, Navigation, Property, ServiceModel
from s4hana_emulator.odata.query import Segment
from s4hana_emulator.odata.sql import FilterError, literal_to_storage, quote
from s4hana_emulator.odata.store import Row, Store


@dataclass
class Resolved:
    """What a path addresses: a collection (maybe reached by navigation), one entity, or a
    property of one entity; plus `$count` / `$value`."""

    entity_set: EntitySet
    row: Row | None = None
    constraint: dict[str, Any] = field(default_factory=dict)
    parent: tuple[EntitySet, Row, Navigation] | None = None
    prop: Property | None = None
    count: bool = False
    raw_value: bool = False

    @property
    def is_collection(self) -> bool:
        return self.row is None and self.prop is None

    def where(self, alias: str = "t") -> tuple[str, list[Any]]:
        """The condition of a navigation's collection (empty for a whole set)."""
        names = list(self.constraint)
        sql = " AND ".join(f"{alias}.{quote(name)} = ?" for name in names)
        return sql, [self.constraint[name] for name in names]


def key_values(
    entity_set: EntitySet, predicate: list[tuple[str | None, Literal]]
) -> dict[str, Any]:
    """The storage values of a key predicate; 400 when it does not name the set's key."""
    keys = entity_set.keys
    if len(predicate) == 1 and predicate[0][0] is None:
        if len(keys) != 1:
            raise bad_request(f"The key of '{entity_set.name}' has {len(keys)} properties")
        named = {keys[0].name: predicate[0][1]}
    else:
        named = {name: literal for name, literal in predicate if name is not None}
    if set(named) != {prop.name for prop in keys} or len(named) != len(predicate):
        raise bad_request(f"Invalid key predicate for '{entity_set.name}'")
    try:
        return {prop.name: literal_to_storage(named[prop.name], prop) for prop in keys}
    except FilterError as error:
        raise bad_request(str(error)) from error


def related_rows(store: Store, target: EntitySet, row: Row, nav: Navigation) -> list[Row]:
    """The rows a navigation of `row` leads to."""
    where = " AND ".join(f"t.{quote(t)} = ?" for _, t in nav.join)
    return store.select(target, where=where, params=[row[s] for s, _ in nav.join])


def resolve(store: Store, model: ServiceModel, segments: list[Segment]) -> Resolved:
    """Follow the path segment by segment; 404 for a name or key that does not exist."""
    first, *rest = segments
    entity_set = model.get_entity_set(first.name)
    if entity_set is None:
        raise not_found(first.name)
    current = Resolved(entity_set)
    if first.key is not None:
        current.row = _load(store, entity_set, key_values(entity_set, first.key))
    for position, segment in enumerate(rest):
        last = position == len(rest) - 1
        current = _step(store, model, current, segment, last=last)
    return current


def _load(store: Store, entity_set: EntitySet, key: dict[str, Any]) -> Row:
    row = store.get(entity_set, key)
    if row is None:
        raise not_found(entity_set.type_name)
    return row


def _step(
    store: Store, model: ServiceModel, current: Resolved, segment: Segment, *, last: bool
) -> Resolved:
    name = segment.name
    if name == "$count":
        if not (current.is_collection and last):
            raise bad_request("$count is only allowed at the end of a collection path")
        current.count = True
        return current
    if name == "$value":
        if current.prop is None or not last:
            raise bad_request("$value is only allowed after a property")
        current.raw_value = True
        return current
    if current.row is None or current.prop is not None:
        raise bad_request(f"Segment '{name}' must follow a single entity")
    entity_set, row = current.entity_set, current.row
    prop = entity_set.get_property(name)
    if prop is not None and segment.key is None:
        return Resolved(entity_set, row=row, prop=prop)
    nav = entity_set.get_navigation(name)
    target = model.get_entity_set(nav.target) if nav else None
    if nav is None or target is None:
        raise not_found(name)
    constraint = {t: row[s] for s, t in nav.join}
    following = Resolved(target, constraint=constraint, parent=(entity_set, row, nav))
    if segment.key is not None:
        if not nav.many:
            raise bad_request(f"'{name}' is single-valued and takes no key")
        key = key_values(target, segment.key)
        if any(key.get(t, value) != value for t, value in constraint.items()):
            raise not_found(target.type_name)
        following.row = _load(store, target, key)
    elif not nav.many:
        rows = related_rows(store, target, row, nav)
        if not rows:
            raise not_found(name)
        following.row = rows[0]
    return following
