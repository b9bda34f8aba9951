"""Account change events (Change Data Capture) read through CometD, as this API's resources.

Positions are what callers keep between reads: a replay id (`"7234"`), `"-1"` (only new
events) or `"-2"` (everything retained). A subscription opened at `-1` or `-2` that has not
delivered an event yet has no replay id to name, so it is kept here under a `live:` position;
a replica that does not hold it answers that the position is unavailable, and so does the org
for a replay id past its retention window. Subscribed clients are kept per position, so that a
caller reading on from where it stopped costs one long poll, not a new handshake. Every page
names the org it was read from: replay ids mean something in one org only, and a new org (a
sandbox refresh) numbers its events from 1 again.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from salesforce_system.adapters.salesforce.cometd import (
    CometdClient,
    CometdSessionLost,
    ReplayIdInvalid,
)
from salesforce_system.adapters.salesforce.session import SessionProvider
from salesforce_system.domain.errors import CrmUnavailable
from salesforce_system.domain.sync_models import (
    AccountChange,
    AccountChangePage,
    ChangeOrigin,
    ChangeType,
    ReplayPositionUnavailable,
)

log = logging.getLogger(__name__)

ACCOUNT_CHANNEL = "/data/AccountChangeEvent"
LIVE_PREFIX = "live:"
CLIENT_IDLE_SECONDS = 90.0
MAX_KEPT_CLIENTS = 64
_POSITION = re.compile(r"^(-1|-2|\d{1,19}|live:[0-9a-f]{32})$")
_ORIGIN = re.compile(r"^com/salesforce/api/(?P<api>[^/;]+)(?:/[^;]*)?(?:;client=(?P<client>.+))?$")

FIELD_NAMES = {
    "Name": "name",
    "AccountNumber": "accountNumber",
    "Phone": "phone",
    "Website": "website",
    "Industry": "industry",
    "OwnerId": "ownerId",
    "BillingAddress": "billingAddress",
    "ERP_Customer_Number__c": "erpCustomerNumber",
    "ERP_Credit_Limit__c": "creditLimit",
    "ERP_Payment_Terms__c": "paymentTerms",
    "ERP_Blocked__c": "erpBlocked",
    "LastModifiedDate": "lastModifiedAt",
}
ADDRESS_KEYS = {
    "Street": "street",
    "City": "city",
    "PostalCode": "postalCode",
    "State": "region",
    "Country": "country",
}


def is_position(value: str) -> bool:
    return bool(_POSITION.match(value))


def _field_name(name: str) -> str | None:
    """`billingAddress.city` for `BillingAddress.City`; None for fields this API does not show."""
    head, _, tail = name.partition(".")
    mapped = FIELD_NAMES.get(head)
    if mapped is None:
        return None
    if not tail:
        return mapped
    key = ADDRESS_KEYS.get(tail)
    return f"{mapped}.{key}" if key else None


def _values(payload: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, value in payload.items():
        mapped = FIELD_NAMES.get(name)
        if mapped is None:
            continue
        if isinstance(value, dict):
            value = {ADDRESS_KEYS[k]: v for k, v in value.items() if k in ADDRESS_KEYS}
        values[mapped] = value
    return values


def _origin(text: str | None, *, suite_client: str) -> ChangeOrigin:
    match = _ORIGIN.match(text or "")
    api = match.group("api") if match else None
    client = match.group("client") if match else None
    return ChangeOrigin(api=api, client=client, from_suite=client == suite_client)


def account_change(message: dict[str, Any], *, suite_client: str) -> AccountChange:
    """A CometD change event message as this API's account change."""
    data = message["data"]
    payload: dict[str, Any] = dict(data.get("payload") or {})
    header: dict[str, Any] = payload.pop("ChangeEventHeader", {})
    changed = [_field_name(str(name)) for name in header.get("changedFields") or []]
    return AccountChange(
        replay_id=int(data["event"]["replayId"]),
        change_type=ChangeType(str(header.get("changeType", "UPDATE")).lower()),
        account_ids=[str(item) for item in header.get("recordIds") or []],
        changed_fields=[name for name in changed if name is not None],
        values=_values(payload),
        commit_timestamp=datetime.fromtimestamp(
            int(header.get("commitTimestamp") or 0) / 1000, tz=UTC
        ),
        commit_user=header.get("commitUser"),
        transaction_key=header.get("transactionKey"),
        sequence_number=header.get("sequenceNumber"),
        origin=_origin(header.get("changeOrigin"), suite_client=suite_client),
    )


class AccountChangeFeed:
    """Reads account change events from a position; keeps subscribed clients for reuse."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        sessions: SessionProvider,
        api_version: str,
        suite_client: str,
    ) -> None:
        self._http = http
        self._sessions = sessions
        self._api_version = api_version
        self._suite_client = suite_client
        self._kept: dict[str, tuple[CometdClient, float]] = {}

    async def read(self, position: str, *, wait_seconds: float) -> AccountChangePage:
        """The events after `position` (waiting up to `wait_seconds` for the first), and the
        position to read on from."""
        client = self._take(position)
        if client is None:
            client = await self._open(position)
        try:
            messages = await client.poll(wait_seconds=wait_seconds)
        except CometdSessionLost:
            client = await self._open(position)
            messages = await client.poll(wait_seconds=wait_seconds)
        except CrmUnavailable:
            # The answer may have been lost after the server moved its cursor: never reuse it.
            await client.close()
            raise
        changes = [account_change(m, suite_client=self._suite_client) for m in messages]
        if changes:
            position = str(changes[-1].replay_id)
        elif position in ("-1", "-2"):
            position = f"{LIVE_PREFIX}{secrets.token_hex(16)}"
        self._keep(position, client)
        return AccountChangePage(items=changes, position=position, system_id=client.org_id)

    async def _open(self, position: str) -> CometdClient:
        if position.startswith(LIVE_PREFIX):
            raise ReplayPositionUnavailable(
                "The subscription this position names is gone (another replica held it, or it "
                "expired). Re-read what changed and start again from -1 or -2.",
            )
        client = CometdClient(
            http=self._http, sessions=self._sessions, api_version=self._api_version
        )
        for attempt in (1, 2):
            try:
                await client.open(ACCOUNT_CHANNEL, int(position))
                return client
            except ReplayIdInvalid as error:
                raise ReplayPositionUnavailable(
                    f"The CRM no longer holds change events after {position} (older than its "
                    "retention, or unknown). Re-read what changed and start again from -1 or -2.",
                    position=position,
                ) from error
            except CometdSessionLost as error:
                if attempt == 2:
                    raise CrmUnavailable(
                        "The CRM's streaming endpoint refused our session."
                    ) from error
        raise AssertionError("unreachable")

    def _take(self, position: str) -> CometdClient | None:
        kept = self._kept.pop(position, None)
        return kept[0] if kept else None

    def _keep(self, position: str, client: CometdClient) -> None:
        now = time.monotonic()
        for stale in [k for k, (_, used) in self._kept.items() if now - used > CLIENT_IDLE_SECONDS]:
            del self._kept[stale]
        while len(self._kept) >= MAX_KEPT_CLIENTS:
            del self._kept[next(iter(self._kept))]
        self._kept[position] = (client, now)
