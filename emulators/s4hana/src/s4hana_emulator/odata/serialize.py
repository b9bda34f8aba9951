"""Entities as OData v2 verbose JSON: `__metadata`, typed values, `__deferred` and expansions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from s4hana_emulator.odata.errors import bad_request
from s4hana_emulator.odata.model import EntitySet, Navigation, ServiceModel
from s4hana_emulator.odata.query import Shape
from s4hana_emulator.odata.store import Row
from s4hana_emulator.odata.values import (
    JSON_CONVERTED_TYPES,
    etag_of,
    to_json,
    to_uri_literal,
)

# Loads the rows a navigation of a row leads to.
RelatedLoader = Callable[[EntitySet, Row, Navigation], list[Row]]


def key_predicate(entity_set: EntitySet, row: Row) -> str:
    """`('4711')` for a single key, `(SalesOrder='4711',SalesOrderItem='10')` for a compound."""
    keys = entity_set.keys
    if len(keys) == 1:
        return f"({to_uri_literal(keys[0], row[keys[0].name])})"
    return "(" + ",".join(f"{p.name}={to_uri_literal(p, row[p.name])}" for p in keys) + ")"


def entity_path(entity_set: EntitySet, row: Row) -> str:
    """The entity's path relative to the service root."""
    return entity_set.name + key_predicate(entity_set, row)


def row_etag(entity_set: EntitySet, row: Row) -> str | None:
    prop = entity_set.etag_property
    return etag_of(row.get(prop.name)) if prop is not None else None


def check_shape(shape: Shape, entity_set: EntitySet, model: ServiceModel) -> None:
    """400 for a `$select` or `$expand` that names nothing on the entity set."""
    for name in shape.expand:
        nav = entity_set.get_navigation(name)
        target = model.get_entity_set(nav.target) if nav else None
        if target is None:
            raise bad_request(f"Navigation property '{name}' not found in '{entity_set.type_name}'")
        check_shape(shape.expand[name], target, model)
    for name in shape.props or ():
        if entity_set.get_property(name) is None and entity_set.get_navigation(name) is None:
            raise bad_request(f"Property '{name}' not found in type '{entity_set.type_name}'")


class Serializer:
    """Writes rows of one service as JSON, loading expanded navigations on the way."""

    def __init__(self, model: ServiceModel, base_url: str, load: RelatedLoader) -> None:
        self.model = model
        self.base_url = base_url
        self.load = load

    def entity(self, entity_set: EntitySet, row: Row, shape: Shape | None = None) -> dict[str, Any]:
        shape = shape or Shape()
        uri = self.base_url + entity_path(entity_set, row)
        metadata: dict[str, Any] = {
            "id": uri,
            "uri": uri,
            "type": self.model.qualified_type(entity_set),
        }
        etag = row_etag(entity_set, row)
        if etag is not None:
            metadata["etag"] = etag
        body: dict[str, Any] = {"__metadata": metadata}
        wanted = shape.props
        for prop in entity_set.properties:
            if wanted is None or prop.name in wanted:
                value = row.get(prop.name)
                # Most properties are strings, sent as stored: no call for each of them.
                if value is not None and prop.type in JSON_CONVERTED_TYPES:
                    value = to_json(prop, value)
                body[prop.name] = value
        for nav in entity_set.navigations:
            if nav.name in shape.expand:
                body[nav.name] = self.expanded(entity_set, row, nav, shape.expand[nav.name])
            elif shape.navs is None or nav.name in shape.navs:
                body[nav.name] = {"__deferred": {"uri": f"{uri}/{nav.name}"}}
        return body

    def expanded(self, entity_set: EntitySet, row: Row, nav: Navigation, shape: Shape) -> Any:
        target = self.model.get_entity_set(nav.target)
        assert target is not None
        rows = self.load(entity_set, row, nav)
        if nav.many:
            return {"results": [self.entity(target, child, shape) for child in rows]}
        return self.entity(target, rows[0], shape) if rows else None

    def collection(
        self,
        entity_set: EntitySet,
        rows: list[Row],
        shape: Shape,
        *,
        count: int | None = None,
        next_url: str | None = None,
    ) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if count is not None:
            body["__count"] = str(count)
        body["results"] = [self.entity(entity_set, row, shape) for row in rows]
        if next_url is not None:
            body["__next"] = next_url
        return {"d": body}
