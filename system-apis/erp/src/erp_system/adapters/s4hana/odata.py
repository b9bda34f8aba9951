"""One conversation with SAP Gateway: logon, `sap-client`, CSRF tokens, ETags, paging, errors.

CSRF: a token (with the session cookies it belongs to) is fetched once per service with
`X-CSRF-Token: Fetch`, reused by every write and `$batch`, and fetched again when Gateway answers
403 with `x-csrf-token: Required` (then the request is repeated once) or when it gets old.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from erp_system.adapters.s4hana.auth import Authenticator
from erp_system.adapters.s4hana.batch import (
    BatchFormatError,
    BatchPart,
    decode_batch,
    encode_read_batch,
    new_boundary,
)
from erp_system.adapters.s4hana.errors import problem_for
from erp_system.adapters.s4hana.wire import results, with_query
from erp_system.adapters.upstream import json_object, send
from erp_system.domain.errors import ErpError, RecordNotFound
from trivium.problems import Problem

log = logging.getLogger(__name__)

ODATA_ROOT = "/sap/opu/odata/sap"
CSRF_HEADER = "X-CSRF-Token"
MAX_PAGES = 100
ODATA_DOCUMENT = "an OData document"


@dataclass(frozen=True)
class Entity:
    """One entity as SAP sent it, and its ETag (None when the type has no concurrency token)."""

    data: dict[str, Any]
    etag: str | None


@dataclass(frozen=True)
class _Csrf:
    token: str
    cookies: str
    fetched_at: float


def service_root(service: str) -> str:
    """The path of an OData service, with the trailing slash SAP clients use."""
    return f"{ODATA_ROOT}/{service}/"


class ODataClient:
    """Calls OData v2 services of one S/4HANA system; translates every failure into a problem."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        auth: Authenticator,
        sap_client: str | None,
        language: str = "EN",
        csrf_ttl_seconds: float = 1_500.0,
    ) -> None:
        self._http = http
        self._auth = auth
        self._sap_client = sap_client or None
        self._language = language.lower()
        self._csrf_ttl = csrf_ttl_seconds
        self._csrf: dict[str, _Csrf] = {}
        self._csrf_locks: dict[str, asyncio.Lock] = {}
        self.round_trips = 0
        self.csrf_fetches = 0

    def _url(self, service: str, path: str) -> str:
        url = (
            path if path.startswith(("http://", "https://", "/")) else service_root(service) + path
        )
        if self._sap_client and "sap-client=" not in url:
            url += ("&" if "?" in url else "?") + f"sap-client={self._sap_client}"
        return url

    async def ping(self, service: str) -> None:
        """Read the service document: the system answers and accepts our logon."""
        await self._call("GET", service, "", what="service document")

    async def read(
        self,
        service: str,
        path: str,
        *,
        options: Mapping[str, str | int | None] | None = None,
        what: str,
        not_found: type[Problem] = RecordNotFound,
    ) -> Entity:
        """One entity (`Set('key')`, with query options)."""
        response = await self._call(
            "GET", service, with_query(path, options or {}), what=what, not_found=not_found
        )
        return _entity(response, what, missing=f"The ERP sent no {what}.")

    async def read_all(
        self,
        service: str,
        path: str,
        *,
        options: Mapping[str, str | int | None] | None = None,
        what: str,
        limit: int,
    ) -> list[dict[str, Any]]:
        """Up to `limit` entities of a collection, following the server's `__next` pages."""
        url = with_query(path, {**(options or {}), "$top": limit})
        rows: list[dict[str, Any]] = []
        for _ in range(MAX_PAGES):
            payload = json_object(
                await self._call("GET", service, url, what=what), what=what, kind=ODATA_DOCUMENT
            )
            rows.extend(results(payload))
            next_url = _next_link(payload)
            if next_url is None or len(rows) >= limit:
                break
            url = next_url
        return rows[:limit]

    async def create(
        self,
        service: str,
        path: str,
        body: Mapping[str, Any],
        *,
        what: str,
        idempotent: bool = False,
    ) -> Entity:
        """POST a (deep) insert; the created entity as SAP returns it. `idempotent` for a
        simulation, which saves nothing and may be resent."""
        response = await self._call(
            "POST", service, path, body=body, what=what, idempotent=idempotent
        )
        return _entity(response, what, missing=f"The ERP did not return the created {what}.")

    async def update(
        self,
        service: str,
        path: str,
        body: Mapping[str, Any],
        *,
        etag: str | None,
        what: str,
        not_found: type[Problem] = RecordNotFound,
    ) -> str | None:
        """PATCH the given properties, under `If-Match` when an ETag is known; the new ETag."""
        headers = {"If-Match": etag} if etag else {}
        response = await self._call(
            "PATCH", service, path, body=body, headers=headers, what=what, not_found=not_found
        )
        etag_after: str | None = response.headers.get("etag")
        return etag_after

    async def batch_read(self, service: str, paths: Sequence[str], *, what: str) -> list[BatchPart]:
        """Many GETs in one `$batch` round trip; one answer per path, in order."""
        boundary = new_boundary()
        response = await self._call(
            "POST",
            service,
            "$batch",
            content=encode_read_batch(paths, boundary=boundary),
            headers={"Content-Type": f"multipart/mixed; boundary={boundary}"},
            idempotent=True,
            what=what,
        )
        try:
            parts = decode_batch(response.headers.get("content-type", ""), response.content)
        except BatchFormatError as error:
            raise ErpError(f"The ERP's batch answer for {what} is malformed: {error}") from error
        if len(parts) != len(paths):
            raise ErpError(f"The ERP answered {len(parts)} of {len(paths)} {what} reads.")
        return parts

    async def _call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        what: str,
        body: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        not_found: type[Problem] = RecordNotFound,
    ) -> httpx.Response:
        write = method != "GET"
        payload = json.dumps(body).encode() if body is not None else content
        request_headers = {"Accept": "application/json", "Accept-Language": self._language}
        if body is not None:
            request_headers["Content-Type"] = "application/json"
        request_headers.update(headers or {})
        renewed_logon = renewed_csrf = False
        while True:
            authorization = await self._auth.authorization()
            attempt_headers = {**request_headers, "Authorization": authorization}
            csrf = await self._csrf_for(service, authorization) if write else None
            if csrf is not None:
                attempt_headers[CSRF_HEADER] = csrf.token
                # The token belongs to the session whose cookies came with it; when none came,
                # the session already in the client's cookie jar issued it.
                if csrf.cookies:
                    attempt_headers["Cookie"] = csrf.cookies
            response = await self._send(
                method,
                self._url(service, path),
                content=payload,
                headers=attempt_headers,
                idempotent=method == "GET" if idempotent is None else idempotent,
            )
            if csrf is not None and not renewed_csrf and _csrf_required(response):
                log.info("s4hana.csrf.expired", extra={"service": service})
                self._drop_csrf(service, csrf)
                renewed_csrf = True
                continue
            if response.status_code == 401 and not renewed_logon:
                renewed_logon = True
                if await self._auth.invalidate(authorization):
                    continue
            if response.status_code >= 400:
                raise problem_for(
                    response.status_code,
                    response.content,
                    what=what,
                    not_found=not_found,
                    retry_after=response.headers.get("retry-after"),
                )
            return response

    async def _send(self, method: str, url: str, **options: Any) -> httpx.Response:
        self.round_trips += 1
        return await send(self._http, method, url, **options)

    async def _csrf_for(self, service: str, authorization: str) -> _Csrf:
        current = self._csrf.get(service)
        if current is not None and time.monotonic() - current.fetched_at < self._csrf_ttl:
            return current
        lock = self._csrf_locks.setdefault(service, asyncio.Lock())
        async with lock:
            current = self._csrf.get(service)
            if current is None or time.monotonic() - current.fetched_at >= self._csrf_ttl:
                current = await self._fetch_csrf(service, authorization)
                self._csrf[service] = current
            return current

    def _drop_csrf(self, service: str, used: _Csrf) -> None:
        if self._csrf.get(service) is used:
            del self._csrf[service]

    async def _fetch_csrf(self, service: str, authorization: str) -> _Csrf:
        self.csrf_fetches += 1
        response = await self._send(
            "GET",
            self._url(service, ""),
            content=None,
            headers={
                "Accept": "application/json",
                "Authorization": authorization,
                CSRF_HEADER: "Fetch",
            },
            idempotent=True,
        )
        if response.status_code >= 400:
            raise problem_for(response.status_code, response.content, what="CSRF token")
        token = response.headers.get(CSRF_HEADER.lower(), "")
        if not token or token.lower() == "required":
            raise ErpError("The ERP issued no CSRF token.")
        cookies = "; ".join(
            raw.split(";", 1)[0].strip() for raw in response.headers.get_list("set-cookie")
        )
        log.info("s4hana.csrf.fetched", extra={"service": service})
        return _Csrf(token, cookies, time.monotonic())


def _csrf_required(response: httpx.Response) -> bool:
    return (
        response.status_code == 403
        and response.headers.get(CSRF_HEADER.lower(), "").lower() == "required"
    )


def _entity(response: httpx.Response, what: str, *, missing: str) -> Entity:
    """The one entity an answer carries (`d`), with its ETag; ErpError `missing` without one."""
    data = json_object(response, what=what, kind=ODATA_DOCUMENT).get("d")
    if not isinstance(data, dict):
        raise ErpError(missing)
    return Entity(data, _etag(response, data))


def _etag(response: httpx.Response, data: Mapping[str, Any]) -> str | None:
    header: str | None = response.headers.get("etag")
    if header:
        return header
    metadata = data.get("__metadata")
    etag = metadata.get("etag") if isinstance(metadata, Mapping) else None
    return str(etag) if etag else None


def _next_link(payload: Mapping[str, Any]) -> str | None:
    """The server's next page as a path on our configured host (credentials never follow a link
    to another host)."""
    body = payload.get("d")
    link = body.get("__next") if isinstance(body, Mapping) else None
    if not link:
        return None
    url = httpx.URL(str(link))
    return url.raw_path.decode("ascii") if url.is_absolute_url else str(link)
