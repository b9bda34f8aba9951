"""One conversation with SuiteTalk REST: SuiteQL reads in pages, record-service writes (creates
with `X-NetSuite-Idempotency-Key`), NetSuite's error bodies as this API's problems."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

from erp_system.adapters.netsuite.auth import BearerSource
from erp_system.adapters.upstream import json_object, problem_for_status, send
from erp_system.domain.errors import ErpError, RecordNotFound
from trivium.problems import FieldError, Problem

REST_ROOT = "/services/rest"
RECORDS = f"{REST_ROOT}/record/v1"
SUITEQL = f"{REST_ROOT}/query/v1/suiteql"
# SuiteQL answers at most 1,000 rows per page.
MAX_PAGE = 1_000
MAX_PAGES = 100
IDEMPOTENCY_HEADER = "X-NetSuite-Idempotency-Key"

Row = dict[str, Any]


def literal(value: str) -> str:
    """A SuiteQL text literal: quoted, embedded quotes doubled (SuiteQL over REST takes no bind
    parameters)."""
    return "'" + value.replace("'", "''") + "'"


def any_of(column: str, values: list[str]) -> str:
    """`column IN ('a', 'b')`."""
    return f"{column} IN ({', '.join(literal(value) for value in values)})"


def netsuite_problem(
    response: httpx.Response,
    *,
    what: str,
    not_found: type[Problem] = RecordNotFound,
    pointers: Mapping[str, str] | None = None,
) -> Problem:
    """What a NetSuite error answer means for our client; `pointers` map NetSuite field paths
    (`o:errorPath`) to our request's JSON pointers."""
    details = _error_details(response.content)
    codes = [code for code, _, _ in details if code]
    if "NONEXISTENT_ID" in codes and response.status_code == 400:
        return not_found(f"The {what} does not exist in the ERP.")
    text = "; ".join(detail for _, detail, _ in details if detail) if details else None
    fields = [
        FieldError(pointer=_pointer(path, pointers or {}), detail=detail or code)
        for code, detail, path in details
    ]
    return problem_for_status(
        response.status_code,
        what=what,
        text=text,
        code=codes[0] if codes else None,
        errors=fields,
        not_found=not_found,
        retry_after=response.headers.get("retry-after"),
    )


def _pointer(path: str, pointers: Mapping[str, str]) -> str:
    head = path.split("[", 1)[0].split(".", 1)[0]
    return pointers.get(path) or pointers.get(head) or "/"


def _error_details(body: bytes) -> list[tuple[str, str, str]]:
    """(code, detail, path) of each `o:errorDetails` entry of NetSuite's error body."""
    try:
        payload = json.loads(body)
    except ValueError:
        return []
    entries = payload.get("o:errorDetails") if isinstance(payload, dict) else None
    if not isinstance(entries, list):
        return []
    return [
        (
            str(entry.get("o:errorCode") or ""),
            str(entry.get("detail") or "").strip(),
            str(entry.get("o:errorPath") or ""),
        )
        for entry in entries
        if isinstance(entry, dict)
    ]


class SuiteTalkClient:
    """Calls one NetSuite account; every failure becomes a problem of this API."""

    def __init__(self, *, http: httpx.AsyncClient, auth: BearerSource) -> None:
        self._http = http
        self._auth = auth

    async def ping(self) -> None:
        """A one-row query: the account answers and accepts our logon."""
        await self.query("SELECT id FROM currency", what="account", limit=1)

    async def query(self, sql: str, *, what: str, limit: int, offset: int = 0) -> list[Row]:
        """Up to `limit` rows of a SuiteQL query from `offset`, page by page."""
        rows: list[Row] = []
        for _ in range(MAX_PAGES):
            page_size = min(MAX_PAGE, limit - len(rows))
            response = await self._call(
                "POST",
                SUITEQL,
                params={"limit": page_size, "offset": offset + len(rows)},
                body={"q": sql},
                headers={"Prefer": "transient"},
                idempotent=True,
                what=what,
            )
            payload = json_object(response, what=what, kind="a collection")
            items = payload.get("items")
            if not isinstance(items, list):
                raise ErpError(f"The ERP's answer for {what} has no items.")
            rows.extend(item for item in items if isinstance(item, dict))
            if not payload.get("hasMore") or not items or len(rows) >= limit:
                break
        return rows[:limit]

    async def query_one(self, sql: str, *, what: str, not_found: type[Problem]) -> Row:
        rows = await self.query(sql, what=what, limit=1)
        if not rows:
            raise not_found(f"The {what} does not exist in the ERP.")
        return rows[0]

    async def create(
        self,
        record_type: str,
        body: Mapping[str, Any],
        *,
        what: str,
        pointers: Mapping[str, str] | None = None,
    ) -> str:
        """POST a record; its internal id. The idempotency key makes a resent create (a retry
        after a lost answer) return the first record instead of making a second one."""
        response = await self._call(
            "POST",
            f"{RECORDS}/{record_type}",
            body=body,
            headers={IDEMPOTENCY_HEADER: str(uuid.uuid4())},
            idempotent=True,
            what=what,
            pointers=pointers,
        )
        location: str = response.headers.get("location", "")
        record_id = location.rstrip("/").rsplit("/", 1)[-1]
        if not record_id.isdigit():
            raise ErpError(f"The ERP did not say where the created {what} is.")
        return record_id

    async def update(
        self,
        record_type: str,
        record_id: str,
        body: Mapping[str, Any],
        *,
        what: str,
        not_found: type[Problem] = RecordNotFound,
        pointers: Mapping[str, str] | None = None,
    ) -> None:
        """PATCH the fields the body names (a sublist named replaces its lines)."""
        await self._call(
            "PATCH",
            f"{RECORDS}/{record_type}/{record_id}",
            body=body,
            params={"replace": ",".join(k for k, v in body.items() if _is_sublist(v)) or None},
            idempotent=True,
            what=what,
            not_found=not_found,
            pointers=pointers,
        )

    async def _call(
        self,
        method: str,
        path: str,
        *,
        what: str,
        body: Mapping[str, Any] | None = None,
        params: Mapping[str, str | int | None] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool,
        not_found: type[Problem] = RecordNotFound,
        pointers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        query = {name: value for name, value in (params or {}).items() if value is not None}
        url = str(httpx.URL(path, params=query)) if query else path
        request_headers = {"Accept": "application/json", **(headers or {})}
        if body is not None:
            request_headers["Content-Type"] = "application/json"
        content = json.dumps(body).encode() if body is not None else None
        renewed = False
        while True:
            authorization = await self._auth.authorization()
            attempt = dict(request_headers)
            if authorization is not None:
                attempt["Authorization"] = authorization
            response = await send(
                self._http, method, url, content=content, headers=attempt, idempotent=idempotent
            )
            if response.status_code == 401 and not renewed:
                renewed = True
                if await self._auth.invalidate(authorization):
                    continue
            if response.status_code == 400 and path == SUITEQL:
                # A query NetSuite cannot run is this adapter's mistake, not the client's.
                details = "; ".join(detail for _, detail, _ in _error_details(response.content))
                raise ErpError(f"The ERP refused the query for {what}: {details}")
            if response.status_code >= 400:
                raise netsuite_problem(response, what=what, not_found=not_found, pointers=pointers)
            return response


def _is_sublist(value: object) -> bool:
    return isinstance(value, dict) and isinstance(value.get("items"), list)
