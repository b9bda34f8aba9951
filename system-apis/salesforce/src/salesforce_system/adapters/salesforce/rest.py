"""One authenticated, budget-aware REST conversation with a Salesforce org."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import httpx

from salesforce_system.adapters.salesforce.budget import BudgetTracker
from salesforce_system.adapters.salesforce.composite import (
    raise_for_results,
    reads_as_reference,
    result_body,
    subrequest,
)
from salesforce_system.adapters.salesforce.errors import TRANSIENT_CODES, first_code, problem_for
from salesforce_system.adapters.salesforce.session import SessionProvider
from salesforce_system.domain.errors import CrmAuthenticationFailed, CrmTimeout, CrmUnavailable
from trivium.http_client import IDEMPOTENT_EXTENSION, NOT_SENT_ERRORS

log = logging.getLogger(__name__)

# How an identity URL refuses a token it does not know (or one of another org): Salesforce
# answers 403, the REST API's 401 elsewhere, 404 for an identity the org does not hold.
_UNCONFIRMED = frozenset({401, 403, 404})


def is_transient_salesforce_answer(response: httpx.Response) -> bool:
    """Row locks and server-unavailable answers are worth another attempt."""
    if response.status_code not in (400, 500, 503):
        return False
    try:
        return first_code(response.json()) in TRANSIENT_CODES
    except ValueError:
        return False


class SalesforceRest:
    """Calls the org's REST API: session, call options, budget reading, error translation."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        sessions: SessionProvider,
        budget: BudgetTracker,
        api_version: str,
        call_options_client: str,
    ) -> None:
        self._http = http
        self._sessions = sessions
        self.budget = budget
        self.data_path = f"/services/data/v{api_version}"
        self._call_options = f"client={call_options_client}"
        self.calls = 0

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = False,
        what: str = "record",
    ) -> httpx.Response:
        """One API call (path relative to `/services/data/vXX.X` unless it starts there)."""
        url_path = path if path.startswith("/services/") else self.data_path + path
        for attempt in (1, 2):
            session = await self._sessions.current()
            response = await self._send(
                method,
                session.instance_url + url_path,
                token=session.access_token,
                json=json,
                params=params,
                content=content,
                headers=headers,
                idempotent=idempotent,
            )
            await self.budget.observe(response.headers.get("sforce-limit-info"))
            if response.status_code == 401 and attempt == 1 and _session_expired(response):
                log.info("salesforce.session.expired")
                await self._sessions.invalidate(session)
                continue
            if response.status_code >= 400 or response.status_code == 300:
                body = _json_or_none(response)
                if first_code(body) == "REQUEST_LIMIT_EXCEEDED":
                    await self.budget.mark_exhausted()
                raise problem_for(response.status_code, body, what=what)
            return response
        raise AssertionError("unreachable: the second attempt always returns or raises")

    async def signed_in_org(self) -> str | None:
        """The org the session belongs to, confirmed by the org's identity URL (not a REST API
        call); a session the org behind the login URL no longer knows (another org there, e.g.
        after a sandbox refresh) is replaced by a new login first. None when the login did not
        name the org."""
        for attempt in (1, 2):
            session = await self._sessions.current()
            if session.identity_url is None:
                return session.org_id  # nothing to confirm it with
            response = await self._send(
                "GET", session.identity_url, token=session.access_token, idempotent=True
            )
            if response.status_code in _UNCONFIRMED:
                if attempt == 1:
                    log.info("salesforce.session.expired")
                    await self._sessions.invalidate(session)
                    continue
                raise CrmAuthenticationFailed("The CRM does not confirm Trivium's new session.")
            if response.status_code >= 400:
                raise problem_for(response.status_code, _json_or_none(response), what="identity")
            return session.org_id
        raise AssertionError("unreachable: the second attempt always returns or raises")

    async def _send(
        self,
        method: str,
        url: str,
        *,
        token: str,
        idempotent: bool,
        json: Any = None,
        params: Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        request_headers = {
            "Authorization": f"Bearer {token}",
            "Sforce-Call-Options": self._call_options,
            **(headers or {}),
        }
        self.calls += 1
        try:
            return await self._http.request(
                method,
                url,
                json=json,
                params=params,
                content=content,
                headers=request_headers,
                extensions={IDEMPOTENT_EXTENSION: idempotent},
            )
        except NOT_SENT_ERRORS as error:
            raise CrmUnavailable(
                "The CRM cannot be reached.", headers={"Retry-After": "30"}
            ) from error
        except httpx.TimeoutException as error:
            raise CrmTimeout("The CRM did not answer in time.") from error
        except httpx.TransportError as error:
            raise CrmUnavailable(
                "The CRM cannot be reached.", headers={"Retry-After": "30"}
            ) from error

    async def query(self, soql: str, *, what: str = "record") -> dict[str, Any]:
        """The first page of a SOQL query (one API call)."""
        response = await self.call("GET", "/query", params={"q": soql}, idempotent=True, what=what)
        result: dict[str, Any] = response.json()
        return result

    async def query_all_pages(self, soql: str) -> list[dict[str, Any]]:
        """Every record of a query, following `nextRecordsUrl` (one call per 2,000 rows)."""
        page = await self.query(soql)
        records: list[dict[str, Any]] = list(page.get("records", []))
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            response = await self.call("GET", str(page["nextRecordsUrl"]), idempotent=True)
            page = response.json()
            records.extend(page.get("records", []))
        return records

    async def composite(
        self, subrequests: list[dict[str, Any]], *, all_or_none: bool = True
    ) -> list[dict[str, Any]]:
        """Several subrequests in one API call; returns the per-subrequest results in order."""
        for request in subrequests:
            if not request["url"].startswith("/services/"):
                request["url"] = self.data_path + request["url"]
        response = await self.call(
            "POST",
            "/composite",
            json={"allOrNone": all_or_none, "compositeRequest": subrequests},
        )
        results: list[dict[str, Any]] = response.json()["compositeResponse"]
        return results

    async def update_and_read(
        self, path: str, fields: dict[str, Any], *, read_fields: str, what: str
    ) -> dict[str, Any]:
        """PATCH a record and read it back (`read_fields`, comma-separated): one composite call,
        or a plain write and a read (two calls) when a value would read as a composite
        reference."""
        if reads_as_reference(fields):
            await self.call("PATCH", path, json=fields, idempotent=True, what=what)
            response = await self.call(
                "GET", path, params={"fields": read_fields}, idempotent=True, what=what
            )
            record: dict[str, Any] = response.json()
            return record
        results = await self.composite(
            [
                subrequest("PATCH", path, "updated", fields),
                subrequest("GET", f"{path}?fields={read_fields}", "read"),
            ]
        )
        raise_for_results(results, what=what)
        read: dict[str, Any] = result_body(results, "read")
        return read


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _session_expired(response: httpx.Response) -> bool:
    return first_code(_json_or_none(response)) == "INVALID_SESSION_ID"
