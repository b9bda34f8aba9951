"""Run a SuiteQL query page by page, answering as the query service does."""

from __future__ import annotations

import sqlite3
from typing import Any

from netsuite_emulator.domain.errors import invalid_query
from netsuite_emulator.domain.record_service import check_paging, page
from netsuite_emulator.domain.store import Store
from netsuite_emulator.suiteql.compiler import compile_query


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def run_suiteql(store: Store, query: str, *, limit: int, offset: int, url: str) -> dict[str, Any]:
    """One page of the query's rows: values as text, empty values left out (as NetSuite does)."""
    check_paging(limit, offset)
    compiled = compile_query(query)
    try:
        total = int(store.scalar(f"SELECT COUNT(*) FROM ({compiled.sql})", compiled.params))
        rows = store.rows(f"{compiled.sql} LIMIT ? OFFSET ?", (*compiled.params, limit, offset))
    except sqlite3.Error as error:
        # What the grammar lets through but the database cannot run (a function given the
        # wrong number of arguments, say) is the query's fault, not the server's.
        raise invalid_query(f"Search error occurred: {error}.") from None
    items = []
    for row in rows:
        values = list(row.values())
        item: dict[str, Any] = {"links": []}
        for name, value in zip(compiled.columns, values, strict=True):
            if value is not None:
                item[name] = _text(value)
        items.append(item)
    return page(items, total=total, limit=limit, offset=offset, base=url)
