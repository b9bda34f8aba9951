"""Syntax tree + catalog -> plans (parameterised SQL and record shapes), see plans.py."""

from __future__ import annotations

import datetime as dt

from salesforce_emulator.soql import nodes
from salesforce_emulator.soql.aggregates import compile_aggregate
from salesforce_emulator.soql.catalog import Catalog, ObjectInfo
from salesforce_emulator.soql.conditions import (
    ConditionCompiler,
    Params,
    Resolve,
    Typed,
    category_of,
)
from salesforce_emulator.soql.errors import (
    INVALID_FIELD,
    INVALID_TYPE,
    MALFORMED_QUERY,
    unknown_child_relationship,
)
from salesforce_emulator.soql.plans import (
    ChildPlan,
    ChildSlot,
    CountPlan,
    FieldSlot,
    ObjectShape,
    Plan,
    RecordPlan,
    decoder_for,
    order_term,
)
from salesforce_emulator.soql.scope import Column, Context, Scope, quote

FIELDS_LIMIT = 200
_EXPANDED = nodes.Position(0, 0)  # marks fields added by FIELDS(), which may repeat explicit ones


def compile_query(
    select: nodes.Select,
    *,
    catalog: Catalog,
    text: str,
    include_deleted: bool,
    today: dt.date,
) -> Plan:
    """Compile a parsed query against the catalog; raises SoqlError for unknown names/types."""
    context = Context(catalog, text)
    compiler = _Compiler(context, include_deleted=include_deleted, today=today)
    obj = context.object_or_raise(select.object_name, select.object_position)
    return compiler.top_level(select, obj)


class _Compiler:
    def __init__(self, context: Context, *, include_deleted: bool, today: dt.date) -> None:
        self.context = context
        self.include_deleted = include_deleted
        self.today = today

    def top_level(self, select: nodes.Select, obj: ObjectInfo) -> Plan:
        calls = [
            item
            for item in select.items
            if isinstance(item, nodes.FunctionCall) and item.name != "FIELDS"
        ]
        if any(call.name == "COUNT" and call.argument is None for call in calls):
            return self._count(select, obj)
        if calls or select.group_by:
            scope = Scope(self.context, obj, soql_alias=select.alias)
            where_sql, params = self._where_sql(select, scope)
            return compile_aggregate(
                select,
                scope=scope,
                where_sql=where_sql,
                where_params=params,
                conditions=self.conditions,
            )
        return self.records(select, obj)

    def records(
        self, select: nodes.Select, obj: ObjectInfo, *, foreign_key: str | None = None
    ) -> RecordPlan:
        scope = Scope(self.context, obj, soql_alias=select.alias)
        columns = [scope.id_sql]
        shape = ObjectShape(obj.name, 0)
        children: list[ChildPlan] = []
        parents: dict[tuple[str, ...], ObjectShape] = {}
        selected: set[tuple[str, ...]] = set()
        for item in self._expand(select, obj):
            if isinstance(item, nodes.SubQuery):
                relationship = self._child(item.select, obj, children)
                shape.entries.append((relationship, ChildSlot(len(children) - 1)))
                continue
            if isinstance(item, nodes.FunctionCall):
                raise self.context.error(
                    MALFORMED_QUERY, item.position, f"unexpected token: '{item.name}'"
                )
            column = scope.resolve(item)
            if column.key in selected:
                if item.position == _EXPANDED:
                    continue
                raise self.context.error(
                    MALFORMED_QUERY, item.position, f"duplicate field selected: {item.text}"
                )
            selected.add(column.key)
            target = _parent_shape(column, shape, parents, columns)
            slot = FieldSlot(len(columns), decoder_for(column.field.type))
            target.entries.append((column.field.name, slot))
            columns.append(column.sql)
        foreign_key_sql = foreign_key_index = None
        if foreign_key is not None:
            foreign_key_sql, foreign_key_index = f"{scope.alias}.{quote(foreign_key)}", len(columns)
            columns.append(foreign_key_sql)
        where_sql, params = self._where_sql(select, scope)
        order_sql = self._order_sql(select, scope)
        return RecordPlan(
            object_name=obj.name,
            select_sql=f"SELECT {', '.join(columns)} FROM {scope.from_sql()}",
            where_sql=where_sql,
            params=params,
            order_sql=order_sql,
            limit=select.limit,
            offset=select.offset,
            shape=shape,
            children=children,
            foreign_key_sql=foreign_key_sql,
            foreign_key_index=foreign_key_index,
        )

    def conditions(self, resolve: Resolve) -> ConditionCompiler:
        return ConditionCompiler(
            resolve=resolve, semi_join=self._semi_join, error=self.context.error, today=self.today
        )

    def _expand(self, select: nodes.Select, obj: ObjectInfo) -> list[nodes.SelectItem]:
        items: list[nodes.SelectItem] = []
        for item in select.items:
            if not (isinstance(item, nodes.FunctionCall) and item.name == "FIELDS"):
                items.append(item)
                continue
            kind = item.argument.parts[0] if item.argument else "ALL"
            if kind != "STANDARD" and (select.limit is None or select.limit > FIELDS_LIMIT):
                raise self.context.error(
                    MALFORMED_QUERY,
                    item.position,
                    f"The SOQL FIELDS function must have a LIMIT of at most {FIELDS_LIMIT}",
                )
            for name in obj.field_names():
                if kind == "ALL" or name.endswith("__c") == (kind == "CUSTOM"):
                    items.append(nodes.FieldPath((name,), _EXPANDED))
        return items

    def _child(self, select: nodes.Select, parent: ObjectInfo, children: list[ChildPlan]) -> str:
        relationship = parent.child_relationship(select.object_name)
        child = self.context.catalog.object(relationship.child_object) if relationship else None
        foreign_key = child.field(relationship.field) if child and relationship else None
        if relationship is None or child is None or foreign_key is None:
            raise self.context.error(
                INVALID_TYPE, select.object_position, unknown_child_relationship(select.object_name)
            )
        if any(isinstance(i, nodes.FunctionCall) and i.name != "FIELDS" for i in select.items):
            raise self.context.error(
                MALFORMED_QUERY,
                select.object_position,
                "Aggregate functions are not supported in relationship subqueries",
            )
        plan = self.records(select, child, foreign_key=foreign_key.name)
        children.append(ChildPlan(relationship.name, plan))
        return relationship.name

    def _count(self, select: nodes.Select, obj: ObjectInfo) -> CountPlan:
        if len(select.items) != 1 or select.group_by:
            raise self.context.error(
                MALFORMED_QUERY,
                select.object_position,
                "COUNT() must be the only element in the SELECT list",
            )
        scope = Scope(self.context, obj, soql_alias=select.alias)
        where_sql, params = self._where_sql(select, scope)
        inner = f"SELECT 1 FROM {scope.from_sql()}{where_sql}"
        if select.limit is not None or select.offset:
            inner += " LIMIT ? OFFSET ?"
            params = [*params, -1 if select.limit is None else select.limit, select.offset or 0]
        return CountPlan(obj.name, f"SELECT COUNT(*) FROM ({inner})", params)

    def _where_sql(self, select: nodes.Select, scope: Scope) -> tuple[str, Params]:
        clauses: list[str] = []
        params: Params = []
        if not self.include_deleted:
            clauses.append(f"{scope.alias}.{quote('IsDeleted')} = 0")
        if select.where is not None:
            sql, params = self.conditions(self._field_resolver(scope)).compile(select.where)
            clauses.append(f"({sql})")
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def _field_resolver(self, scope: Scope) -> Resolve:
        def resolve(operand: nodes.Operand) -> Typed:
            if isinstance(operand, nodes.FunctionCall):
                raise self.context.error(
                    MALFORMED_QUERY,
                    operand.position,
                    "Aggregate functions are only allowed in the HAVING clause",
                )
            column = scope.resolve(operand)
            return Typed(column.sql, column.field.type, column.label)

        return resolve

    def _semi_join(self, select: nodes.Select) -> tuple[str, Params]:
        obj = self.context.object_or_raise(select.object_name, select.object_position)
        scope = Scope(self.context, obj, soql_alias=select.alias)
        item = select.items[0]
        if len(select.items) != 1 or not isinstance(item, nodes.FieldPath):
            raise self.context.error(
                MALFORMED_QUERY,
                select.object_position,
                "The inner select field must be a single id field",
            )
        column = scope.resolve(item)
        if category_of(column.field.type) != "id":
            raise self.context.error(
                INVALID_FIELD,
                item.position,
                f"The selected field '{item.text}' in the subquery must be an id field",
            )
        where_sql, params = self._where_sql(select, scope)
        glue = " AND " if where_sql else " WHERE "
        sql = (
            f"SELECT {column.sql} FROM {scope.from_sql()}{where_sql}{glue}{column.sql} IS NOT NULL"
        )
        if select.limit is not None:
            sql += " LIMIT ?"
            params = [*params, select.limit]
        return sql, params

    def _order_sql(self, select: nodes.Select, scope: Scope) -> str:
        terms = []
        for key in select.order_by:
            if isinstance(key.target, nodes.FunctionCall):
                raise self.context.error(
                    MALFORMED_QUERY, key.target.position, f"unexpected token: '{key.target.name}'"
                )
            column = scope.resolve(key.target)
            terms.append(order_term(Typed(column.sql, column.field.type, column.label), key))
        return " ORDER BY " + ", ".join(terms) if terms else ""


def _parent_shape(
    column: Column,
    shape: ObjectShape,
    parents: dict[tuple[str, ...], ObjectShape],
    columns: list[str],
) -> ObjectShape:
    """The nested shape a parent field goes into, adding each parent's hidden Id column once."""
    target = shape
    for join in column.joins:
        parent = parents.get(join.key)
        if parent is None:
            parent = ObjectShape(join.object.name, len(columns))
            columns.append(join.id_sql)
            parents[join.key] = parent
            target.entries.append((join.relationship, parent))
        target = parent
    return target
