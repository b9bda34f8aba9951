"""Name resolution for one SELECT: field paths -> SQL columns, parent relationships -> LEFT JOINs.

Every identifier written into SQL comes from the catalog (canonical API names), never from the
query text, so the text can only ever choose among known tables and columns.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from salesforce_emulator.soql import nodes
from salesforce_emulator.soql.catalog import Catalog, FieldInfo, ObjectInfo
from salesforce_emulator.soql.errors import (
    INVALID_FIELD,
    INVALID_TYPE,
    MALFORMED_QUERY,
    SoqlError,
    located_error,
    no_such_column,
    unknown_relationship,
    unsupported_object,
)

MAX_PARENT_DEPTH = 5


def quote(identifier: str) -> str:
    """An SQL identifier for a catalog name."""
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class Join:
    """One parent reached through a relationship path from the scope's base object."""

    key: tuple[str, ...]  # lower-cased relationship names from the base object
    relationship: str  # canonical relationship name ("Account")
    object: ObjectInfo
    alias: str

    @property
    def id_sql(self) -> str:
        return f"{self.alias}.{quote('Id')}"


@dataclass(frozen=True, slots=True)
class Column:
    """A resolved field: its SQL, its describe info and the parents traversed to reach it."""

    sql: str
    field: FieldInfo
    joins: tuple[Join, ...]
    label: str  # as written in the query, for messages

    @property
    def key(self) -> tuple[str, ...]:
        return (*(j.key[-1] for j in self.joins), self.field.name.lower())


@dataclass
class Context:
    """What all scopes of one query share: catalog, query text (for errors), alias numbering."""

    catalog: Catalog
    text: str
    _aliases: itertools.count[int] = field(default_factory=itertools.count)

    def new_alias(self) -> str:
        return f"t{next(self._aliases)}"

    def error(self, code: str, where: nodes.Position | None, detail: str) -> SoqlError:
        return located_error(code, self.text, where, detail)

    def object_or_raise(self, name: str, where: nodes.Position) -> ObjectInfo:
        obj = self.catalog.object(name)
        if obj is None:
            raise self.error(INVALID_TYPE, where, unsupported_object(name))
        return obj


class Scope:
    """The FROM object of one SELECT and the parent joins its field paths need."""

    def __init__(self, context: Context, obj: ObjectInfo, *, soql_alias: str | None) -> None:
        self.context = context
        self.object = obj
        self.soql_alias = soql_alias.lower() if soql_alias else None
        self.alias = context.new_alias()
        self._joins: dict[tuple[str, ...], Join] = {}

    @property
    def id_sql(self) -> str:
        return f"{self.alias}.{quote('Id')}"

    def from_sql(self) -> str:
        parts = [f"{quote(self.object.name)} AS {self.alias}"]
        for join in self._joins.values():
            parent_alias = self._joins[join.key[:-1]].alias if len(join.key) > 1 else self.alias
            fk = self._lookup_field(join)
            parts.append(
                f"LEFT JOIN {quote(join.object.name)} AS {join.alias} "
                f"ON {join.id_sql} = {parent_alias}.{quote(fk)}"
            )
        return " ".join(parts)

    def resolve(self, path: nodes.FieldPath) -> Column:
        """Resolve a field path, adding LEFT JOINs for parent relationships it walks through."""
        parts = path.parts
        if len(parts) > 1 and self.soql_alias is not None and parts[0].lower() == self.soql_alias:
            parts = parts[1:]
        if len(parts) - 1 > MAX_PARENT_DEPTH:
            raise self.context.error(
                MALFORMED_QUERY,
                path.position,
                f"SOQL statements cannot query more than {MAX_PARENT_DEPTH} levels of "
                "relationships",
            )
        obj, alias = self.object, self.alias
        joins: list[Join] = []
        for part in parts[:-1]:
            join = self._join(obj, part, prefix=tuple(j.key[-1] for j in joins), path=path)
            joins.append(join)
            obj, alias = join.object, join.alias
        info = obj.field(parts[-1])
        if info is None:
            raise self.context.error(
                INVALID_FIELD, path.position, no_such_column(parts[-1], obj.name)
            )
        return Column(f"{alias}.{quote(info.name)}", info, tuple(joins), path.text)

    def _join(
        self, obj: ObjectInfo, name: str, *, prefix: tuple[str, ...], path: nodes.FieldPath
    ) -> Join:
        lookup = obj.relationship(name)
        target = None
        if lookup is not None and lookup.reference_to:
            # Polymorphic lookups (Owner: User or Group) resolve to their first target.
            target = self.context.catalog.object(lookup.reference_to[0])
        if lookup is None or target is None:
            raise self.context.error(INVALID_FIELD, path.position, unknown_relationship(name))
        relationship = lookup.relationship_name or name
        key = (*prefix, relationship.lower())
        join = self._joins.get(key)
        if join is None:
            join = Join(key, relationship, target, self.context.new_alias())
            self._joins[key] = join
        return join

    def _lookup_field(self, join: Join) -> str:
        owner = self._joins[join.key[:-1]].object if len(join.key) > 1 else self.object
        lookup = owner.relationship(join.relationship)
        assert lookup is not None  # resolved when the join was created
        return lookup.name
