"""Salesforce → ERP: account changes applied to the ERP customer, under the ownership rules,
exactly once per change.

Each change is applied, then its position is committed together with an "applied" marker and
the audit entries, in one fenced write. A change delivered again (after a crash between the two)
finds its marker and is skipped; one whose ERP write happened but whose commit did not finds
the intent it saved before writing, so its audit entry keeps the value the ERP had before.
A `resync` carries no values: the accounts it names are re-read, or, when it names none, every
account changed since its commit time; so is everything changed since the last commit when the
CRM no longer holds the changes after the stored position.

Positions mean something within one CRM system (org) only: a new org, or a sandbox refresh,
issues the same positions again. So the position is stored with the system it belongs to,
markers and intents are kept per system, and when another system answers than the position came
from, its page is not applied: the flow starts anew from `now` and re-reads what changed since
the last commit, as for a lost position.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from customer_sync_process.adapters.ports import AccountChange, CrmAccountProfile
from customer_sync_process.domain.errors import (
    CustomerOfAnotherAccount,
    PositionUnavailable,
    UnknownErpCustomer,
)
from customer_sync_process.domain.failures import Failure
from customer_sync_process.domain.flow import MARKER_DAYS, SyncFlow, subset
from customer_sync_process.domain.models import ParkedRead
from customer_sync_process.domain.ownership import Owner, System
from customer_sync_process.domain.parking import apply_record
from customer_sync_process.domain.positions import NOW, START_POSITIONS
from customer_sync_process.domain.values import (
    Values,
    crm_values,
    crm_write,
    erp_values,
    erp_write,
    writable_values,
)
from trivium.write_batch import WriteBatch

log = logging.getLogger(__name__)

# Changed field names (the Salesforce System API's) -> this flow's fields.
EVENT_FIELDS = {
    "name": "name",
    "phone": "phone",
    "billingAddress": "billingAddress",
    "creditLimit": "creditLimit",
    "paymentTerms": "paymentTerms",
    "erpBlocked": "blocked",
    "erpCustomerNumber": "customerNumber",
}
# Fields whose new value the change itself carries in a form we can use as it is.
PLAIN_FIELDS = frozenset({"name", "phone"})
CREATED = "created"
UPDATED = "updated"
RESYNC = "resync"
# Key part of the state of a CRM system that did not name itself.
UNNAMED_SYSTEM = "-"


def event_fields(change: AccountChange) -> list[str]:
    """This flow's fields among the change's changed fields (`billingAddress.city` counts as
    `billingAddress`)."""
    names = {EVENT_FIELDS.get(name.split(".", 1)[0]) for name in change.changed_fields}
    if change.change_type == CREATED:
        names |= {EVENT_FIELDS.get(name) for name in change.values}
    return sorted(name for name in names if name is not None)


def reset_reason(cdc: Mapping[str, str], *, position: str, system_id: str | None) -> str | None:
    """Why a page read at `position` must not be applied: `system_changed` when another CRM
    system answered than the stored position came from, `system_unknown` when the position was
    stored without its system; None when the page follows the position."""
    if system_id is None or position in START_POSITIONS:
        return None
    known = cdc.get("systemId")
    if not known:
        return "system_unknown"
    return "system_changed" if known != system_id else None


async def process_change(
    flow: SyncFlow, fence: int, change: AccountChange, *, system_id: str | None
) -> str:
    """Apply one change of the CRM system `system_id` (unless it was applied before) and commit
    its position; the outcome."""
    key = change.position
    system = system_id or UNNAMED_SYSTEM
    writes = WriteBatch()
    if await flow.state.exists("applied", system, key):
        outcome = "duplicate"
    elif change.change_type == RESYNC and not change.account_ids:
        outcome = "resync_all"
        since = change.commit_timestamp - flow.policy.reread_overlap
        await reread_since(flow, writes, since=since, reason="resync_all", correlation_id=key)
    elif change.change_type == RESYNC:
        outcome = "resync"
        flow.metrics.reread("resync")
        flow.count(writes, "rereads")
        profiles = await flow.crm.list_profiles(ids=change.account_ids)
        await reconcile_profiles(flow, writes, profiles, reason="resync", correlation_id=key)
    elif change.origin.from_suite:
        # After resyncs: those carry no values, so whoever made the change, the records are
        # read again (applying what already agrees changes nothing).
        outcome = "echo"
        flow.count(writes, "echoes")
    elif change.change_type in (CREATED, UPDATED):
        outcome = await _apply_content(flow, fence, writes, change, intent=f"{system}:{key}")
    else:
        outcome = "skipped"
    flow.metrics.change_event(outcome)
    commit_position(
        flow, writes, position=key, committed_at=change.commit_timestamp, system_id=system_id
    )
    writes.set(flow.state.key("applied", system, key), outcome, ttl_seconds=MARKER_DAYS * 86_400)
    writes.delete(flow.state.key("intent", system, key))
    await flow.state.write(fence, flow.loops["cdc"].save(writes, flow.state))
    return outcome


def commit_position(
    flow: SyncFlow,
    writes: WriteBatch,
    *,
    position: str,
    committed_at: datetime | None,
    system_id: str | None,
) -> None:
    """Store the position with the CRM system it belongs to (when that system named itself)."""
    writes.hset(
        flow.state.key("cdc"),
        {"position": position}
        | ({"committedAt": committed_at.isoformat()} if committed_at else {})
        | ({"systemId": system_id} if system_id else {}),
    )


async def _apply_content(
    flow: SyncFlow, fence: int, writes: WriteBatch, change: AccountChange, *, intent: str
) -> str:
    """Apply the change to each of its accounts on its own: an account that fails is parked
    (see `parking`), the others go on."""
    fields = event_fields(change)
    applied = False

    async def apply(account_id: str, parked: ParkedRead | None) -> None:
        nonlocal applied
        # A parked account's fields still wait: they go with this change, read afresh.
        wanted = sorted(set(fields) | set(parked.fields if parked else ()))
        if not wanted:
            return
        values = await _crm_values(flow, account_id, change, wanted, fresh=parked is not None)
        if values is None:
            return
        applied |= await reconcile_account(
            flow,
            writes,
            account_id=account_id,
            crm=values,
            fields=wanted,
            committed_at=change.commit_timestamp,
            reason="change_event",
            correlation_id=change.position,
            fence=fence,
            intent=intent,
        )

    for account_id in change.account_ids:
        await apply_record(
            flow, writes, record_type="account", record_id=account_id, fields=fields,
            event=change.model_dump(mode="json", by_alias=True),
            apply=functools.partial(apply, account_id), on_retry=_tracked(flow),
        )  # fmt: skip
    return "applied" if applied else "unchanged"


def _tracked(flow: SyncFlow) -> Callable[[Failure], None]:
    """Show the CDC loop as retrying while one record's transient failure is tried again."""

    def retrying(failure: Failure) -> None:
        flow.loops["cdc"].failed(flow.clock(), failure.detail)

    return retrying


async def _crm_values(
    flow: SyncFlow, account_id: str, change: AccountChange, fields: Sequence[str], *, fresh: bool
) -> Values | None:
    """The account's values: from the change alone when it carries them all and the account's
    customer is known (unless `fresh` values are asked for), else read from the CRM (one
    call)."""
    linked = await flow.state.get_text("link", "crm", account_id)
    carried = set(fields) <= PLAIN_FIELDS and all(f in change.values for f in fields)
    if linked and carried and not fresh:
        return {"customerNumber": linked, **{f: change.values[f] or None for f in fields}}
    profile = await flow.crm.get_profile(account_id)
    return crm_values(profile) if profile is not None else None


async def reconcile_account(
    flow: SyncFlow,
    writes: WriteBatch,
    *,
    account_id: str,
    crm: Values,
    fields: Sequence[str],
    committed_at: datetime,
    reason: str,
    correlation_id: str,
    fence: int | None = None,
    intent: str | None = None,
) -> bool:
    """Bring the ERP customer in line with the account's changed `fields`, by the ownership
    rules; a change of a field the ERP owns is a conflict and the ERP's value is written back
    to the CRM. True when something was written. A change being applied passes its
    `fence` and the `intent` key its values before an ERP write are kept under."""
    customer = await flow.customer_of(account_id, known=crm.get("customerNumber"))
    if not customer:
        flow.count(writes, "not_linked")
        return False
    async with flow.customer_lock(customer):
        return await _reconcile_customer(
            flow, writes, customer=customer, account_id=account_id, crm=crm, fields=fields,
            committed_at=committed_at, reason=reason, correlation_id=correlation_id, fence=fence,
            intent=intent,
        )  # fmt: skip


async def _reconcile_customer(
    flow: SyncFlow,
    writes: WriteBatch,
    *,
    account_id: str,
    crm: Values,
    fields: Sequence[str],
    committed_at: datetime,
    reason: str,
    correlation_id: str,
    fence: int | None,
    intent: str | None,
    customer: str,
) -> bool:
    profile = await flow.erp.get_profile(customer)
    if profile is None:
        raise UnknownErpCustomer(
            f"Account {account_id} names ERP customer {customer!r}, which the ERP does not have."
        )
    if profile.external_id and profile.external_id[:15] != account_id[:15]:
        raise CustomerOfAnotherAccount(
            f"Account {account_id} names ERP customer {customer}, which belongs to account "
            f"{profile.external_id}."
        )
    erp = erp_values(profile)
    seen = await flow.erp_seen(customer)
    to_erp: Values = {}
    to_crm: Values = {}
    for field in fields:
        if field not in crm or crm.get(field) == erp.get(field):
            continue
        owner = flow.ownership.owner(field)
        erp_changed = seen is not None and seen.get(field) != erp.get(field)
        if owner is Owner.CRM or (
            owner is Owner.LATEST and not (erp_changed and profile.changed_at > committed_at)
        ):
            if erp_changed:
                why = "the CRM owns it" if owner is Owner.CRM else "the CRM's change is newer"
                flow.conflict(writes, field=field, winner=System.CRM, customer_id=customer, why=why)
            to_erp[field] = crm[field]
            continue
        why = "erp owns it" if owner is Owner.ERP else "the ERP's change is more recent"
        flow.conflict(writes, field=field, winner=System.ERP, customer_id=customer, why=why)
        to_crm[field] = erp.get(field)
    if fence is not None and intent is not None:
        # A write made before a crash, not committed: done again (same value) and audited.
        saved: dict[str, Any] | None = await flow.state.get_json("intent", intent)
        for field in (saved or {}).get("before", {}):
            if field in fields and field not in to_erp and crm.get(field) == erp.get(field):
                to_erp[field] = crm[field]
    flow.remember_link(writes, account_id, customer)
    flow.remember_crm_change(writes, customer, [f for f in fields if f in crm], committed_at)
    written = False
    if to_erp:
        written |= await _write_erp(
            flow, writes, customer=customer, account_id=account_id, erp=erp, seen=seen,
            changes=to_erp, reason=reason, correlation_id=correlation_id, fence=fence,
            intent=intent, committed_at=committed_at,
        )  # fmt: skip
    if to_crm:
        updated = await flow.crm.update_profile(account_id, crm_write(to_crm))
        flow.audit(
            writes, source=System.ERP, target=System.CRM, entity="account", entity_id=account_id,
            before=subset(crm, to_crm), after=subset(crm_values(updated), to_crm),
            reason="ownership", correlation_id=correlation_id, source_id=customer,
        )  # fmt: skip
        flow.metrics.change_written("erp_to_crm", "crm")
        flow.count(writes, "erp_to_crm")
        written = True
    return written


async def _write_erp(
    flow: SyncFlow,
    writes: WriteBatch,
    *,
    customer: str,
    account_id: str,
    erp: Values,
    seen: Values | None,
    changes: Values,
    reason: str,
    correlation_id: str,
    fence: int | None,
    intent: str | None,
    committed_at: datetime,
) -> bool:
    body = erp_write(changes)
    changes = writable_values(changes, body, target="erp")
    if not body or not changes:
        return False
    before = subset(erp, changes)
    if fence is not None and intent is not None:
        # Saved before the write: a crash before the commit must not lose the value before.
        saved: dict[str, Any] | None = await flow.state.get_json("intent", intent)
        if saved is None:
            intent_writes = WriteBatch().set(
                flow.state.key("intent", intent),
                _json({"before": before}),
                ttl_seconds=MARKER_DAYS * 86_400,
            )
            await flow.state.write(fence, intent_writes)
        else:
            before = saved["before"]
    updated = erp_values(await flow.erp.update_profile(customer, body))
    flow.metrics.propagation(max(0.0, (flow.clock() - committed_at).total_seconds()))
    if seen is not None:
        flow.remember_erp(writes, customer, {**seen, **subset(updated, changes)})
    flow.audit(
        writes, source=System.CRM, target=System.ERP, entity="customer", entity_id=customer,
        before=before, after=subset(updated, changes), reason=reason,
        correlation_id=correlation_id, source_id=account_id,
    )  # fmt: skip
    flow.metrics.change_written("crm_to_erp", "erp")
    flow.count(writes, "crm_to_erp")
    return True


async def reconcile_profiles(
    flow: SyncFlow,
    writes: WriteBatch,
    profiles: Sequence[CrmAccountProfile],
    *,
    reason: str,
    correlation_id: str,
) -> None:
    """Treat each re-read account as changed in every field the CRM may set; an account that
    fails is parked, the others go on."""
    fields = list(flow.ownership.rules)
    for profile in profiles:
        await apply_record(
            flow, writes, record_type="account", record_id=profile.id, fields=fields,
            event={"reread": reason, "correlationId": correlation_id},
            apply=functools.partial(_reconcile_profile, flow, writes, profile, fields=fields,
                                    reason=reason, correlation_id=correlation_id),
            on_retry=_tracked(flow),
        )  # fmt: skip


async def _reconcile_profile(
    flow: SyncFlow,
    writes: WriteBatch,
    profile: CrmAccountProfile,
    parked: ParkedRead | None,
    *,
    fields: Sequence[str],
    reason: str,
    correlation_id: str,
) -> None:
    await reconcile_account(
        flow,
        writes,
        account_id=profile.id,
        crm=crm_values(profile),
        fields=fields,
        committed_at=profile.last_modified_at or flow.clock(),
        reason=reason,
        correlation_id=correlation_id,
    )


async def retry_parked_account(flow: SyncFlow, writes: WriteBatch, item: ParkedRead) -> bool:
    """Apply a parked account's waiting fields from its current values (parked again when it
    still fails); True when it applied. An account deleted meanwhile has nothing to apply."""

    async def apply(parked: ParkedRead | None) -> None:
        profile = await flow.crm.get_profile(item.record_id)
        if profile is None:
            return
        await reconcile_account(
            flow, writes, account_id=profile.id, crm=crm_values(profile), fields=item.fields,
            committed_at=profile.last_modified_at or flow.clock(), reason="parked_retry",
            correlation_id=item.id,
        )  # fmt: skip

    return await apply_record(
        flow, writes, record_type="account", record_id=item.record_id, fields=item.fields,
        event=item.event, apply=apply,
    )  # fmt: skip


async def reread_since(
    flow: SyncFlow, writes: WriteBatch, *, since: datetime, reason: str, correlation_id: str
) -> None:
    flow.metrics.reread(reason)
    flow.count(writes, "rereads")
    profiles = await flow.crm.list_profiles(modified_since=since)
    log.info("sync.reread", extra={"reason": reason, "since": since.isoformat(),
                                   "accounts": len(profiles)})  # fmt: skip
    await reconcile_profiles(flow, writes, profiles, reason=reason, correlation_id=correlation_id)


async def recover_position(flow: SyncFlow, fence: int, *, position: str, reason: str) -> str:
    """The position cannot be read on from (`reason`: the CRM lost it, or another CRM system
    answers): start anew from `now` first (so nothing after now is missed), then re-read every
    account changed since the last commit; returns the new position."""
    cdc = await flow.state.get_hash("cdc")
    last = cdc.get("committedAt") or cdc.get("startedAt")
    since = (datetime.fromisoformat(last) if last else flow.clock()) - flow.policy.reread_overlap
    page = await flow.crm.read_changes(NOW, wait_seconds=0)
    previous = cdc.get("systemId")
    if previous and page.system_id and page.system_id != previous:
        reason = "system_changed"
    log.warning(
        "sync.position_reset",
        extra={"reason": reason, "position": position, "previous_system_id": previous,
               "system_id": page.system_id, "reread_since": since.isoformat()},
    )  # fmt: skip
    writes = WriteBatch()
    await reread_since(flow, writes, since=since, reason=reason, correlation_id="reread")
    commit_position(
        flow, writes, position=page.position, committed_at=None, system_id=page.system_id
    )
    writes.hset(
        flow.state.key("cdc"),
        {"lastResetAt": flow.clock().isoformat(), "lastResetReason": reason,
         "previousSystemId": previous or ""},
    )  # fmt: skip
    await flow.state.write(fence, writes)
    for change in page.items:
        await process_change(flow, fence, change, system_id=page.system_id or previous)
    return page.position


async def consume_once(flow: SyncFlow, fence: int, position: str) -> str:
    """One long poll of account changes after `position`, each applied and committed; the
    position to read on from."""
    try:
        page = await flow.crm.read_changes(position, wait_seconds=flow.policy.cdc_wait_seconds)
    except PositionUnavailable:
        return await recover_position(flow, fence, position=position, reason="position_lost")
    cdc = await flow.state.get_hash("cdc")
    reason = reset_reason(cdc, position=position, system_id=page.system_id)
    if reason is not None:
        # The page holds what follows our position's spelling in another system: not ours.
        return await recover_position(flow, fence, position=position, reason=reason)
    system_id = page.system_id or cdc.get("systemId")
    tracker = flow.loops["cdc"]
    for index, change in enumerate(page.items):
        tracker.behind(flow.clock(), len(page.items) - index, change.commit_timestamp)
        await process_change(flow, fence, change, system_id=system_id)
    recovered = tracker.succeeded(flow.clock())
    tracker.behind(flow.clock(), 0, None)
    if page.items or page.position != position or recovered:
        writes = WriteBatch()
        commit_position(
            flow, writes, position=page.position, committed_at=None, system_id=system_id
        )
        await flow.state.write(fence, tracker.save(writes, flow.state))
    return page.position


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
