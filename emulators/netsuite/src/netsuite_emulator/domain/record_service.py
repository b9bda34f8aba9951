"""The record service's operations: get, list, create (idempotent), update, upsert, delete."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import quote

from netsuite_emulator.domain.errors import NetSuiteError, invalid_content, nonexistent_id
from netsuite_emulator.domain.records import (
    RECORD_TYPES,
    TRANSFORMS,
    Json,
    RecordType,
    record_type_or_error,
)
from netsuite_emulator.domain.records.common import RecordContext, read_body, select_fields

MAX_PAGE = 1000
MAX_OFFSET = 2**31 - 1
EXTERNAL_ID_PREFIX = "eid:"


def _resolve_id(ctx: RecordContext, kind: RecordType, key: str) -> str:
    """An internal id, or `eid:{externalId}` looked up."""
    if key.startswith(EXTERNAL_ID_PREFIX):
        found = kind.find_by_external_id(ctx.store, key[len(EXTERNAL_ID_PREFIX) :])
        if found is None:
            raise nonexistent_id(kind.name, key)
        return str(found)
    return key


def get_record(
    ctx: RecordContext, type_name: str, key: str, *, expand: bool, fields: frozenset[str] | None
) -> Json:
    kind = record_type_or_error(type_name)
    record_id = _resolve_id(ctx, kind, key)
    record = kind.read_expanded(ctx, record_id) if expand else kind.read(ctx, record_id)
    return select_fields(record, fields)


def get_sublist(ctx: RecordContext, type_name: str, key: str, sublist: str) -> Json:
    kind = record_type_or_error(type_name)
    record_id = _resolve_id(ctx, kind, key)
    if sublist not in kind.sublists:
        raise NetSuiteError(404, "NONEXISTENT_ID", f"Sublist '{sublist}' does not exist.")
    kind.read(ctx, record_id)
    return kind.sublist(ctx, int(record_id), sublist)


def list_records(
    ctx: RecordContext, type_name: str, *, limit: int, offset: int, query: str | None = None
) -> Json:
    """A page of a record type's ids, those the `q` filter selects when there is one."""
    kind = record_type_or_error(type_name)
    check_paging(limit, offset)
    ids, total = kind.list_ids(ctx.store, limit=limit, offset=offset, query=query)
    base = f"{ctx.base_url}/{kind.name}"
    if query:
        base += f"?q={quote(query)}"
    return page(
        [{"links": ctx.self_link(kind.name, record_id), "id": str(record_id)} for record_id in ids],
        total=total,
        limit=limit,
        offset=offset,
        base=base,
    )


def check_paging(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise invalid_content(f"The limit must be between 1 and {MAX_PAGE}.", path="limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise invalid_content(f"The offset must be between 0 and {MAX_OFFSET}.", path="offset")


def page(items: list[Json], *, total: int, limit: int, offset: int, base: str) -> Json:
    """A collection as NetSuite pages it, with first/prev/next/last/self links."""
    has_more = offset + len(items) < total
    last = max((total - 1) // limit * limit, 0)
    base += "&" if "?" in base else "?"
    links = [{"rel": "self", "href": f"{base}limit={limit}&offset={offset}"}]
    if offset > 0:
        links.append({"rel": "first", "href": f"{base}limit={limit}&offset=0"})
        links.append(
            {"rel": "previous", "href": f"{base}limit={limit}&offset={max(offset - limit, 0)}"}
        )
    if has_more:
        links.append({"rel": "next", "href": f"{base}limit={limit}&offset={offset + limit}"})
        links.append({"rel": "last", "href": f"{base}limit={limit}&offset={last}"})
    return {
        "links": links,
        "count": len(items),
        "hasMore": has_more,
        "items": items,
        "offset": offset,
        "totalResults": total,
    }


def _fingerprint(type_name: str, body: object) -> str:
    canonical = json.dumps([type_name, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def create_record(
    ctx: RecordContext, type_name: str, raw: object, *, idempotency_key: str | None
) -> str:
    """Create a record; returns its URL. A repeated idempotency key returns the first record."""
    kind = record_type_or_error(type_name)
    body = dict(read_body(raw))
    return _idempotent(ctx, kind.name, body, idempotency_key, lambda: kind.create(ctx, body))


def transform_record(
    ctx: RecordContext,
    type_name: str,
    key: str,
    target: str,
    raw: object,
    *,
    idempotency_key: str | None,
) -> str:
    """`salesOrder/{id}/!transform/{itemFulfillment|invoice}`: a record made from an order."""
    source = record_type_or_error(type_name)
    if source.name != "salesOrder" or target not in TRANSFORMS:
        raise NetSuiteError(
            400, "INVALID_TRNFRM", f"Transforming {type_name} into {target} is not supported."
        )
    record_id = _resolve_id(ctx, source, key)
    source.read(ctx, record_id)
    order_id = int(record_id)
    body = dict(read_body(raw))
    create = TRANSFORMS[target]
    return _idempotent(
        ctx,
        f"{target}<-{order_id}",
        body,
        idempotency_key,
        lambda: create(ctx, body, order_id=order_id),
        target=target,
    )


def _idempotent(
    ctx: RecordContext,
    scope: str,
    body: Json,
    key: str | None,
    create: Any,
    *,
    target: str | None = None,
) -> str:
    if key is None:
        return ctx.href(target or scope, create())
    fingerprint = _fingerprint(scope, body)
    with ctx.store.transaction():
        seen = ctx.store.row("SELECT * FROM idempotency WHERE key = ?", (key,))
        if seen is not None:
            if seen["fingerprint"] != fingerprint:
                raise NetSuiteError(
                    400,
                    "IDEMPOTENCY_ERROR",
                    "The idempotency key was already used for a different request.",
                )
            return str(seen["location"])
        location = ctx.href(target or scope, create())
        ctx.store.execute(
            "INSERT INTO idempotency (key, fingerprint, location) VALUES (?, ?, ?)",
            (key, fingerprint, location),
        )
    return location


def update_record(ctx: RecordContext, type_name: str, key: str, raw: object) -> None:
    kind = record_type_or_error(type_name)
    kind.update(ctx, _resolve_id(ctx, kind, key), dict(read_body(raw)))


def upsert_record(ctx: RecordContext, type_name: str, key: str, raw: object) -> str | None:
    """`PUT {type}/eid:{externalId}`: update the record with that external id, or create it.
    Returns the new record's URL when one was created."""
    kind = record_type_or_error(type_name)
    if not key.startswith(EXTERNAL_ID_PREFIX) or len(key) == len(EXTERNAL_ID_PREFIX):
        raise NetSuiteError(
            405, "INVALID_REQUEST", "PUT is only supported on an external id (eid:…)."
        )
    external_id = key[len(EXTERNAL_ID_PREFIX) :]
    body = dict(read_body(raw))
    if body.get("externalId") not in (None, external_id):
        raise invalid_content("The body's externalId differs from the URL's.", path="externalId")
    body.pop("externalId", None)
    with ctx.store.transaction():
        found = kind.find_by_external_id(ctx.store, external_id)
        if found is not None:
            kind.update(ctx, str(found), body)
            return None
        return ctx.href(kind.name, kind.create(ctx, body, external_id=external_id))


def delete_record(ctx: RecordContext, type_name: str, key: str) -> None:
    kind = record_type_or_error(type_name)
    kind.delete(ctx, _resolve_id(ctx, kind, key))


def record_type_names() -> list[str]:
    return list(RECORD_TYPES)
