"""Create (with deep insert), update (PATCH/MERGE/PUT) and delete, with ETag preconditions."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from s4hana_emulator.odata.errors import PROTOCOL_CODES, ODataError, bad_request, invalid_value
from s4hana_emulator.odata.model import EntitySet, Navigation, ServiceModel
from s4hana_emulator.odata.resources import related_rows
from s4hana_emulator.odata.rules import (
    Draft,
    EntityRules,
    WriteContext,
    complete_row,
    stamp_changed,
    stamp_created,
)
from s4hana_emulator.odata.serialize import row_etag
from s4hana_emulator.odata.store import DuplicateKey, Row, key_of
from s4hana_emulator.odata.values import ValueProblem, default_value, from_json

RulesFor = Callable[[str], EntityRules]


@dataclass
class Created:
    """A created entity and the deep-insert children created with it."""

    entity_set: EntitySet
    row: Row
    children: dict[str, list[Created]] = field(default_factory=dict)


def parse_body(body: bytes) -> dict[str, Any]:
    """The JSON object of a write request (`{"d": {...}}` is unwrapped)."""
    try:
        document = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError) as error:
        raise bad_request("The request body is not valid JSON", kind="syntax") from error
    if isinstance(document, dict) and set(document) == {"d"} and isinstance(document["d"], dict):
        document = document["d"]
    if not isinstance(document, dict):
        raise bad_request("The request body must be a JSON object", kind="syntax")
    return document


def _convert(entity_set: EntitySet, name: str, value: Any) -> Any:
    prop = entity_set.get_property(name)
    assert prop is not None
    try:
        return from_json(prop, value)
    except ValueProblem as problem:
        raise invalid_value(name, str(problem)) from problem


def _unknown(entity_set: EntitySet, name: str) -> ODataError:
    return bad_request(
        f"Property '{name}' is invalid for type '{entity_set.type_name}'",
        kind="invalid_property",
        target=name,
    )


def build_draft(entity_set: EntitySet, body: Mapping[str, Any], model: ServiceModel) -> Draft:
    """A draft from a create body; read-only properties are ignored, as Gateway does."""
    draft = Draft(entity_set, {})
    for name, value in body.items():
        if name == "__metadata":
            continue
        prop = entity_set.get_property(name)
        if prop is not None:
            if prop.creatable or prop.key:
                draft.values[name] = _convert(entity_set, name, value)
            continue
        nav = entity_set.get_navigation(name)
        if nav is None:
            raise _unknown(entity_set, name)
        items = _nested_items(nav, value)
        if items is None:
            continue
        target = model.get_entity_set(nav.target)
        assert target is not None
        draft.children[name] = [build_draft(target, item, model) for item in items]
    return draft


def _nested_items(nav: Navigation, value: Any) -> list[Mapping[str, Any]] | None:
    """Deep-insert children: a bare array or `{"results": [...]}`; an object for 0..1."""
    if value is None or (isinstance(value, dict) and "__deferred" in value):
        return None
    if not nav.owned:
        raise bad_request(f"Deep insert is not supported for navigation '{nav.name}'")
    if nav.many:
        if isinstance(value, dict) and isinstance(value.get("results"), list):
            value = value["results"]
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise bad_request(f"Navigation '{nav.name}' needs an array of entities")
        return value
    if not isinstance(value, dict):
        raise bad_request(f"Navigation '{nav.name}' needs an entity")
    return [value]


class Unsaved:
    """Takes the rows of a write that saves nothing (a simulation): keys are still unique."""

    def __init__(self) -> None:
        self._keys: set[tuple[str, tuple[Any, ...]]] = set()

    def insert(self, entity_set: EntitySet, row: Row) -> None:
        key = (entity_set.name, tuple(row[name] for name in entity_set.key_names))
        if key in self._keys:
            raise DuplicateKey(entity_set.name)
        self._keys.add(key)


def create_tree(
    ctx: WriteContext,
    rules: RulesFor,
    draft: Draft,
    *,
    parent: Row | None = None,
    via: Navigation | None = None,
    unsaved: Unsaved | None = None,
) -> Created:
    """Insert the draft and its children (children after their parent, rules around each);
    with `unsaved`, the rows are built the same way and not stored."""
    entity_set = draft.entity_set
    if parent is not None and via is not None:
        for source, target in via.join:
            draft.values[target] = parent[source]
    entity_rules = rules(entity_set.name)
    entity_rules.before_create(ctx, draft, parent)
    missing = [prop.name for prop in entity_set.keys if draft.values.get(prop.name) is None]
    if missing:
        raise bad_request(f"Key property '{missing[0]}' is missing", target=missing[0])
    row = complete_row(entity_set, draft.values)
    stamp_created(entity_set, row, clock=ctx.clock, user=ctx.user)
    try:
        if unsaved is None:
            ctx.store.insert(entity_set, row)
        else:
            unsaved.insert(entity_set, row)
    except DuplicateKey as error:
        raise ODataError(
            400, PROTOCOL_CODES["duplicate"], f"Entity '{entity_set.name}' with this key exists"
        ) from error
    children: dict[str, list[Created]] = {}
    for nav_name, drafts in draft.children.items():
        nav = entity_set.get_navigation(nav_name)
        assert nav is not None
        children[nav_name] = [
            create_tree(ctx, rules, child, parent=row, via=nav, unsaved=unsaved) for child in drafts
        ]
    entity_rules.after_create(ctx, row)
    return Created(entity_set, row, children)


def reload(ctx: WriteContext, created: Created) -> Created:
    """The created tree as finally stored (rules of later children may change earlier rows)."""
    row = ctx.store.get(created.entity_set, key_of(created.entity_set, created.row))
    assert row is not None
    children = {
        name: [reload(ctx, child) for child in items] for name, items in created.children.items()
    }
    return Created(created.entity_set, row, children)


def check_precondition(entity_set: EntitySet, row: Row, if_match: str | None) -> None:
    """428 without If-Match on an entity with a concurrency token, 412 when it is stale."""
    current = row_etag(entity_set, row)
    if current is None:
        return
    if not if_match or not if_match.strip():
        raise ODataError(
            428,
            PROTOCOL_CODES["precondition_required"],
            f"Precondition required for entity '{entity_set.type_name}' (If-Match missing)",
        )
    sent = [tag.strip() for tag in if_match.split(",")]
    if "*" in sent or _bare(current) in {_bare(tag) for tag in sent}:
        return
    raise ODataError(
        412,
        PROTOCOL_CODES["precondition_failed"],
        "The entity was changed by another user; read it again (ETag does not match)",
    )


def _bare(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def update_entity(
    ctx: WriteContext,
    rules: RulesFor,
    entity_set: EntitySet,
    row: Row,
    body: Mapping[str, Any],
    *,
    replace: bool,
) -> Row:
    """Apply a PATCH/MERGE (only the given properties) or a PUT (the rest reset)."""
    changes: dict[str, Any] = {}
    for name, value in body.items():
        if name == "__metadata":
            continue
        prop = entity_set.get_property(name)
        if prop is None:
            if entity_set.get_navigation(name) is None:
                raise _unknown(entity_set, name)
            continue
        if prop.key or not prop.updatable:
            continue
        changes[name] = _convert(entity_set, name, value)
    if replace:
        for prop in entity_set.properties:
            if not prop.key and prop.updatable and prop.name not in changes:
                changes[prop.name] = default_value(prop)
    entity_rules = rules(entity_set.name)
    entity_rules.before_update(ctx, row, changes)
    stamp_changed(entity_set, changes, clock=ctx.clock, user=ctx.user)
    ctx.store.update(entity_set, key_of(entity_set, row), changes)
    updated = {**row, **changes}
    entity_rules.after_update(ctx, updated)
    return updated


def delete_entity(
    ctx: WriteContext, rules: RulesFor, model: ServiceModel, entity_set: EntitySet, row: Row
) -> None:
    """Delete the entity and, first, the children it owns."""
    rules(entity_set.name).before_delete(ctx, row)
    for nav in entity_set.navigations:
        target = model.get_entity_set(nav.target)
        if not nav.owned or not nav.many or target is None:
            continue
        for child in related_rows(ctx.store, target, row, nav):
            delete_entity(ctx, rules, model, target, child)
    ctx.store.delete(entity_set, key_of(entity_set, row))
    rules(entity_set.name).after_delete(ctx, row)
