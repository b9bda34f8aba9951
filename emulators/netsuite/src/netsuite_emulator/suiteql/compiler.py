"""SuiteQL tree → one parameterized SQLite query over the account's tables.

Only names found in the catalog reach the SQL (quoted, tables under generated aliases);
every literal becomes a `?` parameter. Numeric columns are compared as numbers although the
account keeps them as decimal text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lark import Token, Tree

from netsuite_emulator.domain.errors import invalid_query
from netsuite_emulator.suiteql.catalog import STATUS_NAMES, TABLES, Column, Table
from netsuite_emulator.suiteql.parser import parse

SQL_OPERATORS = {"=": "=", "<>": "<>", "!=": "<>", "<": "<", ">": ">", "<=": "<=", ">=": ">="}
PASS_THROUGH = {
    "UPPER": "UPPER",
    "LOWER": "LOWER",
    "NVL": "COALESCE",
    "COALESCE": "COALESCE",
    "LENGTH": "LENGTH",
    "ABS": "ABS",
    "ROUND": "ROUND",
}
AGGREGATES = frozenset({"COUNT", "SUM", "MIN", "MAX", "AVG"})
# Oracle date formats → strptime, and whether the result keeps a time.
DATE_FORMATS = {
    "YYYY-MM-DD": ("%Y-%m-%d", False),
    "YYYY-MM-DD HH24:MI:SS": ("%Y-%m-%d %H:%M:%S", True),
    'YYYY-MM-DD"T"HH24:MI:SS': ("%Y-%m-%dT%H:%M:%S", True),
    "MM/DD/YYYY": ("%m/%d/%Y", False),
    "DD.MM.YYYY": ("%d.%m.%Y", False),
    "MM/DD/YYYY HH24:MI:SS": ("%m/%d/%Y %H:%M:%S", True),
}


@dataclass(frozen=True)
class CompiledQuery:
    sql: str
    params: tuple[Any, ...]
    columns: tuple[str, ...]


@dataclass
class _Source:
    table: Table
    alias: str


@dataclass
class _Scope:
    sources: dict[str, _Source] = field(default_factory=dict)
    params: list[Any] = field(default_factory=list)

    def add(self, table_name: str, alias: str | None) -> _Source:
        table = TABLES.get(table_name.lower())
        if table is None:
            raise invalid_query(f"Search error occurred: Record '{table_name}' was not found.")
        key = (alias or table_name).lower()
        if key in self.sources:
            raise invalid_query(f"Search error occurred: '{key}' is used twice in FROM.")
        source = _Source(table, f"t{len(self.sources)}")
        self.sources[key] = source
        return source

    def column(self, parts: list[str]) -> tuple[_Source, str, Column]:
        if len(parts) == 2:
            source = self.sources.get(parts[0].lower())
            if source is None:
                raise invalid_query(f"Search error occurred: Unknown identifier '{parts[0]}'.")
            candidates = [source]
        else:
            candidates = list(self.sources.values())
        name = parts[-1].lower()
        found = [s for s in candidates if name in s.table.columns]
        if not found:
            record = candidates[0].table.name if len(candidates) == 1 else "query"
            raise invalid_query(
                f"Search error occurred: Field '{parts[-1]}' for record '{record}' was not found."
            )
        if len(found) > 1:
            raise invalid_query(f"Search error occurred: Field '{parts[-1]}' is ambiguous.")
        return found[0], name, found[0].table.columns[name]

    def param(self, value: Any) -> str:
        self.params.append(value)
        return "?"


def _names(tree: Tree[Any]) -> list[str]:
    return [str(child.children[0]) for child in tree.children if isinstance(child, Tree)]


def _table_and_alias(table_ref: Tree[Any]) -> tuple[str, str | None]:
    names = _names(table_ref)
    return names[0], names[1] if len(names) > 1 else None


def _column_sql(source: _Source, name: str, column: Column, *, as_value: bool) -> str:
    if column.constant is not None:
        return f"'{column.constant}'"
    sql = f'"{source.alias}"."{name}"'
    return f"CAST({sql} AS NUMERIC)" if column.numeric and as_value else sql


def _string(token: Token) -> str:
    return str(token)[1:-1].replace("''", "'")


def _to_date(scope: _Scope, arguments: list[Any]) -> str:
    if len(arguments) not in (1, 2) or any(a.data != "string" for a in arguments):
        raise invalid_query("Search error occurred: TO_DATE takes a text and a format literal.")
    text = _string(arguments[0].children[0])
    pattern = _string(arguments[1].children[0]).upper() if len(arguments) == 2 else "YYYY-MM-DD"
    if pattern not in DATE_FORMATS:
        raise invalid_query(f"Search error occurred: Unsupported date format '{pattern}'.")
    python_format, with_time = DATE_FORMATS[pattern]
    try:
        moment = datetime.strptime(text, python_format)
    except ValueError:
        raise invalid_query(
            f"Search error occurred: '{text}' does not match '{pattern}'."
        ) from None
    return scope.param(
        moment.strftime("%Y-%m-%dT%H:%M:%SZ") if with_time else moment.date().isoformat()
    )


def _display(scope: _Scope, arguments: list[Any]) -> str:
    if len(arguments) != 1 or arguments[0].data != "column_ref":
        raise invalid_query("Search error occurred: BUILTIN.DF takes one field.")
    source, name, column = scope.column(_names(arguments[0]))
    own = _column_sql(source, name, column, as_value=False)
    if source.table.name == "transaction" and name in ("status", "type"):
        if name == "type":
            pairs = {
                (code, ""): label
                for code, label in (
                    ("SalesOrd", "Sales Order"),
                    ("CustInvc", "Invoice"),
                    ("ItemShip", "Item Fulfillment"),
                )
            }
            cases = " ".join(
                f"WHEN {scope.param(code)} THEN {scope.param(label)}"
                for (code, _), label in pairs.items()
            )
            return f"(CASE {own} {cases} ELSE {own} END)"
        key = f'"{source.alias}"."type" || \':\' || {own}'
        cases = " ".join(
            f"WHEN {scope.param(f'{t}:{c}')} THEN {scope.param(label)}"
            for (t, c), label in STATUS_NAMES.items()
        )
        return f"(CASE {key} {cases} ELSE {own} END)"
    if column.display is None:
        return own
    lookup = column.display
    return f'(SELECT "{lookup.column}" FROM "{lookup.table}" WHERE "id" = {own})'


def _function(scope: _Scope, tree: Tree[Any], *, as_value: bool) -> str:
    *name_trees, arguments_tree = tree.children
    name = ".".join(str(n.children[0]) for n in name_trees if n is not None).upper()
    if arguments_tree is None:
        arguments: list[Any] = []
    elif arguments_tree.data == "star_argument":
        if name != "COUNT":
            raise invalid_query(f"Search error occurred: {name}(*) is not valid.")
        return "COUNT(*)"
    else:
        arguments = list(arguments_tree.children)
    if name == "BUILTIN.DF":
        return _display(scope, arguments)
    if name == "TO_DATE":
        return _to_date(scope, arguments)
    if name in PASS_THROUGH or name in AGGREGATES:
        compiled = ", ".join(_expr(scope, a, as_value=as_value) for a in arguments)
        return f"{PASS_THROUGH.get(name, name)}({compiled})"
    raise invalid_query(f"Search error occurred: Unknown function '{name}'.")


def _expr(scope: _Scope, tree: Any, *, as_value: bool = True) -> str:
    kind = tree.data
    if kind == "column_ref":
        source, name, column = scope.column(_names(tree))
        return _column_sql(source, name, column, as_value=as_value)
    if kind == "string":
        return scope.param(_string(tree.children[0]))
    if kind == "number":
        text = str(tree.children[0])
        number = float(text) if "." in text else int(text)
        # SQLite integers are 64-bit; a longer literal compares as a real number.
        return scope.param(number if abs(number) < 2**63 else float(number))
    if kind == "null":
        return "NULL"
    if kind == "function":
        return _function(scope, tree, as_value=as_value)
    raise invalid_query(f"Search error occurred: unexpected {kind}.")


def _condition(scope: _Scope, tree: Tree[Any]) -> str:
    kind, children = tree.data, tree.children
    if kind in ("or_", "and_"):
        joiner = " OR " if kind == "or_" else " AND "
        return "(" + joiner.join(_condition(scope, child) for child in children) + ")"
    if kind == "not_":
        return f"(NOT {_condition(scope, children[0])})"
    if kind == "compare":
        left, operator, right = children
        return f"({_expr(scope, left)} {SQL_OPERATORS[str(operator)]} {_expr(scope, right)})"
    if kind in ("like", "not_like"):
        left, right = (_expr(scope, child, as_value=False) for child in children)
        return f"({left} {'NOT ' if kind == 'not_like' else ''}LIKE {right})"
    if kind in ("in_", "not_in"):
        left, *values = (_expr(scope, child) for child in children)
        return f"({left} {'NOT ' if kind == 'not_in' else ''}IN ({', '.join(values)}))"
    if kind in ("is_null", "is_not_null"):
        negation = "NOT " if kind == "is_not_null" else ""
        return f"({_expr(scope, children[0], as_value=False)} IS {negation}NULL)"
    if kind == "between":
        value, low, high = (_expr(scope, child) for child in children)
        return f"({value} BETWEEN {low} AND {high})"
    raise invalid_query(f"Search error occurred: unexpected {kind}.")


def _output_name(tree: Any, alias: Tree[Any] | None, position: int) -> str:
    if alias is not None:
        return str(alias.children[0]).lower()
    if tree.data == "column_ref":
        return _names(tree)[-1].lower()
    return f"expr{position}"


def compile_query(query: str) -> CompiledQuery:
    """Parse and compile a SuiteQL query (INVALID_PARAMETER for anything it cannot serve)."""
    try:
        return _compile(parse(query).children[0])
    except RecursionError:
        raise invalid_query("Search error occurred: the query is nested too deeply.") from None


def _compile(select: Tree[Any]) -> CompiledQuery:
    distinct, columns, table_ref, *rest = select.children
    scope = _Scope()
    scope.add(*_table_and_alias(table_ref))
    joins = [child for child in rest if isinstance(child, Tree) and child.data.endswith("_join")]
    join_sql = []
    for join in joins:
        ref, on = join.children
        source = scope.add(*_table_and_alias(ref))
        kind = "LEFT JOIN" if join.data == "left_join" else "JOIN"
        join_sql.append((kind, source, on))
    # Columns are compiled in the order their SQL is written, so parameters line up.
    names, select_sql = _select_list(scope, columns)
    base = scope.sources[next(iter(scope.sources))]
    sql = (
        f"SELECT {'DISTINCT ' if distinct else ''}{', '.join(select_sql)} "
        f'FROM "{base.table.name}" "{base.alias}"'
    )
    for kind, source, on in join_sql:
        sql += f' {kind} "{source.table.name}" "{source.alias}" ON {_condition(scope, on)}'
    where = next((c for c in rest if isinstance(c, Tree) and c.data == "where"), None)
    if where is not None:
        sql += f" WHERE {_condition(scope, where.children[0])}"
    group = next((c for c in rest if isinstance(c, Tree) and c.data == "group_by"), None)
    if group is not None:
        sql += " GROUP BY " + ", ".join(_expr(scope, key, as_value=False) for key in group.children)
    order = next((c for c in rest if isinstance(c, Tree) and c.data == "order_by"), None)
    if order is not None:
        sql += " ORDER BY " + ", ".join(_order_key(scope, key, names) for key in order.children)
    return CompiledQuery(sql, tuple(scope.params), tuple(names))


def _select_list(scope: _Scope, columns: Tree[Any]) -> tuple[list[str], list[str]]:
    if columns.data == "all_columns":
        names, sql = [], []
        for source in scope.sources.values():
            for name, column in source.table.columns.items():
                names.append(name)
                sql.append(_column_sql(source, name, column, as_value=False))
        return names, sql
    names, sql = [], []
    for position, entry in enumerate(columns.children, start=1):
        expression, alias = entry.children
        names.append(_output_name(expression, alias, position))
        sql.append(_expr(scope, expression, as_value=False))
    return names, sql


def _order_key(scope: _Scope, key: Tree[Any], names: list[str]) -> str:
    expression, direction = key.children
    suffix = " DESC" if direction is not None and str(direction).upper() == "DESC" else ""
    if expression.data == "column_ref" and len(_names(expression)) == 1:
        alias = _names(expression)[0].lower()
        if alias in names and not any(alias in s.table.columns for s in scope.sources.values()):
            return f"{names.index(alias) + 1}{suffix}"
    return f"{_expr(scope, expression)}{suffix}"
