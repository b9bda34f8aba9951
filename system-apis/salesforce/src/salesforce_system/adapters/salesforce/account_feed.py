"""`AccountChangesPort` on Change Data Capture: account change events read through CometD,
as this API's neutral account changes.

Event types map to `created` (CREATE, and UNDELETE: the account exists again with all its
values), `updated`, `deleted`, and `resync` for every gap event (the org lost the event's
values: re-read its records) and for overflow events (too many changes in one transaction: the
event names no records, so everything changed since its commit must be re-read).

Positions (see `positions`) name a replay id, or a subscription opened at `now` or `earliest`
that has not delivered an event yet and so has no replay id to name; a replica that does not
hold that subscription answers that the position is unavailable, and so does the org for a
replay id past its retention window. Subscribed clients are kept per position, so that a
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
from salesforce_system.adapters.salesforce.positions import (
    KeptSubscription,
    ReplayFrom,
    UnreadablePosition,
    read_position,
    replay_position,
    subscription_position,
)
from salesforce_system.adapters.salesforce.session import SessionProvider
from salesforce_system.domain.errors import CrmUnavailable
from salesforce_system.domain.sync_models import (
    AccountChange,
    AccountChangePage,
    ChangeOrigin,
    ChangeType,
    PositionUnavailable,
)
from trivium.problems import FieldError, ValidationFailed

log = logging.getLogger(__name__)

ACCOUNT_CHANNEL = "/data/AccountChangeEvent"
CLIENT_IDLE_SECONDS = 90.0
MAX_KEPT_CLIENTS = 64
CHANGE_TYPES = {
    "CREATE": ChangeType.CREATED,
    "UNDELETE": ChangeType.CREATED,
    "UPDATE": ChangeType.UPDATED,
    "DELETE": ChangeType.DELETED,
}
OVERFLOW = "GAP_OVERFLOW"
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


def change_type(event_type: str) -> ChangeType:
    """The neutral change type of a CDC change type; every gap type (`GAP_UPDATE`, ...,
    `GAP_OVERFLOW`) is a `resync`, and so is a type this adapter does not know yet."""
    return CHANGE_TYPES.get(event_type.upper(), ChangeType.RESYNC)


def account_change(message: dict[str, Any], *, suite_client: str) -> AccountChange:
    """A CometD change event message as this API's account change."""
    data = message["data"]
    payload: dict[str, Any] = dict(data.get("payload") or {})
    header: dict[str, Any] = payload.pop("ChangeEventHeader", {})
    event_type = str(header.get("changeType", "UPDATE")).upper()
    kind = change_type(event_type)
    content = kind is not ChangeType.RESYNC
    changed = [_field_name(str(name)) for name in header.get("changedFields") or []]
    # An overflow event names no account (or a placeholder id): all of them must be re-read.
    account_ids = [] if event_type == OVERFLOW else header.get("recordIds") or []
    return AccountChange(
        position=replay_position(int(data["event"]["replayId"])),
        change_type=kind,
        account_ids=[str(item) for item in account_ids],
        changed_fields=[name for name in changed if name is not None] if content else [],
        values=_values(payload) if content else {},
        commit_timestamp=datetime.fromtimestamp(
            int(header.get("commitTimestamp") or 0) / 1000, tz=UTC
        ),
        commit_user=header.get("commitUser"),
        transaction_key=header.get("transactionKey"),
        sequence_number=header.get("sequenceNumber"),
        origin=_origin(header.get("changeOrigin"), suite_client=suite_client),
    )


class SalesforceAccountChanges:
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

    async def read_changes(self, position: str, *, wait_seconds: float) -> AccountChangePage:
        """The changes after `position` (waiting up to `wait_seconds` for the first), and the
        position to read on from."""
        start = _start(position)
        client = self._take(position)
        if client is None:
            client = await self._open(start)
        try:
            messages = await client.poll(wait_seconds=wait_seconds)
        except CometdSessionLost:
            client = await self._open(start)
            messages = await client.poll(wait_seconds=wait_seconds)
        except CrmUnavailable:
            # The answer may have been lost after the server moved its cursor: never reuse it.
            await client.close()
            raise
        changes = [account_change(m, suite_client=self._suite_client) for m in messages]
        if changes:
            position = changes[-1].position
        elif isinstance(start, ReplayFrom) and start.replay_id < 0:
            position = subscription_position(secrets.token_hex(16))
        elif isinstance(start, ReplayFrom):
            # A bare replay id of an older answer is answered in today's spelling.
            position = replay_position(start.replay_id)
        self._keep(position, client)
        return AccountChangePage(items=changes, position=position, system_id=client.org_id)

    async def _open(self, start: ReplayFrom | KeptSubscription) -> CometdClient:
        if isinstance(start, KeptSubscription):
            raise PositionUnavailable(
                "The subscription this position names is gone (another replica held it, or it "
                "expired). Re-read what changed and start again from `now` or `earliest`.",
            )
        client = CometdClient(
            http=self._http, sessions=self._sessions, api_version=self._api_version
        )
        for attempt in (1, 2):
            try:
                await client.open(ACCOUNT_CHANNEL, start.replay_id)
                return client
            except ReplayIdInvalid as error:
                raise PositionUnavailable(
                    "The CRM no longer holds the changes after this position (older than its "
                    "retention, or unknown). Re-read what changed and start again from `now` or "
                    "`earliest`.",
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


def _start(position: str) -> ReplayFrom | KeptSubscription:
    try:
        return read_position(position)
    except UnreadablePosition:
        raise ValidationFailed(
            "The position is not one this API issued.",
            errors=[FieldError(pointer="/position", detail="now, earliest or a returned position")],
        ) from None
