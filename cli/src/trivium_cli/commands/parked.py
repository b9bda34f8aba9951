"""`trivium parked`: records customer-sync set aside because a system refused them, listed,
shown, retried or dropped."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from trivium_cli.client import segment
from trivium_cli.context import delete_confirmed, operate
from trivium_cli.output import Confirmed, JsonOutput, command_group, table

CUSTOMER_SYNC = "customer-sync"

app = command_group(
    "Records customer-sync parked: changes a system refused for good (or past the retry "
    "budget), set aside so that the others go on."
)


class SyncLoop(StrEnum):
    CDC = "cdc"
    ERP_POLL = "erpPoll"


ParkedIdArgument = Annotated[
    str,
    typer.Argument(help="`crm-account:<id>`, `erp-customer:<id>` or `erp-order:<id>`."),
]
OptionalParkedIdArgument = Annotated[
    str | None, typer.Argument(help="The parked record (default: every one).")
]


def render_parked_page(page: dict[str, Any]) -> list[str]:
    items = page["items"]
    if not items:
        return ["nothing is parked"]
    rows = [
        (
            item["id"],
            item["loop"],
            item["attempts"],
            item["lastSeenAt"],
            f"{item['error']['kind']} {item['error']['reason']}: {item['error']['detail']}",
        )
        for item in items
    ]
    shown = [] if page["total"] == len(items) else [f"({len(items)} of {page['total']} shown)"]
    return table(("ID", "LOOP", "ATTEMPTS", "LAST SEEN", "ERROR"), rows) + shown


def render_parked(item: dict[str, Any]) -> list[str]:
    error = item["error"]
    status = f" (HTTP {error['status']})" if error.get("status") else ""
    return [
        f"parked          {item['id']} ({item['recordType']} {item['recordId']}, loop "
        f"{item['loop']})",
        f"fields          {', '.join(item['fields']) or '-'}",
        f"error           {error['kind']} {error['reason']}{status}: {error['detail']}",
        f"attempts        {item['attempts']}, first seen {item['firstSeenAt']}, last seen "
        f"{item['lastSeenAt']}",
        f"retry asked at  {item.get('retryRequestedAt')}",
    ]


@app.command("list")
def list_parked(
    ctx: typer.Context,
    loop: Annotated[
        SyncLoop | None, typer.Option(help="Only this loop: cdc (CRM to ERP) or erpPoll.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many.")] = 100,
    as_json: JsonOutput = False,
) -> None:
    """Parked records, oldest first, with the error that parked each."""
    operate(
        ctx,
        lambda client: client.get(CUSTOMER_SYNC, "/parked", loop=loop and loop.value, limit=limit),
        as_json=as_json,
        render=render_parked_page,
    )


@app.command()
def show(ctx: typer.Context, item_id: ParkedIdArgument, as_json: JsonOutput = False) -> None:
    """One parked record: the change that failed, the error, attempts."""
    operate(
        ctx,
        lambda client: client.get(CUSTOMER_SYNC, f"/parked/{segment(item_id)}"),
        as_json=as_json,
        render=render_parked,
    )


@app.command()
def retry(
    ctx: typer.Context,
    item_id: OptionalParkedIdArgument = None,
    as_json: JsonOutput = False,
) -> None:
    """Ask customer-sync to apply a parked record again (after it was set right in its
    system), or all of them; one that applies leaves the list."""
    path = "/parked/retry" if item_id is None else f"/parked/{segment(item_id)}/retry"
    operate(
        ctx,
        lambda client: client.post(CUSTOMER_SYNC, path),
        as_json=as_json,
        render=lambda r: [
            f"retry requested for {r['requested']} parked records"
            if item_id is None
            else f"retry requested for {r['id']}: `trivium parked show {r['id']}` until it is gone"
        ],
    )


@app.command()
def drop(
    ctx: typer.Context,
    item_id: ParkedIdArgument,
    yes: Confirmed = False,
    as_json: JsonOutput = False,
) -> None:
    """Drop a parked record that must not be applied; a later change of it applies anew."""
    delete_confirmed(
        ctx,
        CUSTOMER_SYNC,
        f"/parked/{segment(item_id)}",
        question=f"Drop parked record {item_id}?",
        yes=yes,
        as_json=as_json,
        outcome={"dropped": item_id},
        said="dropped",
    )
