"""`trivium dead-letters`: work that failed for good in a process API, listed, shown, replayed
or discarded."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from trivium_cli.client import operator_client
from trivium_cli.context import cli_settings
from trivium_cli.output import JsonOutput, emit, table

app = typer.Typer(
    help="Dead letters of the process APIs' work queues (quote-to-order's orders, "
    "create-customer's customer requests).",
    no_args_is_help=True,
)


class QueueOwner(StrEnum):
    """The process APIs whose work queues dead-letter."""

    QUOTE_TO_ORDER = "quote-to-order"
    CREATE_CUSTOMER = "create-customer"


ServiceArgument = Annotated[QueueOwner, typer.Argument(help="The process API.")]
DeadLetterIdArgument = Annotated[str, typer.Argument(help="The dead letter's id.")]


def render_letters(letters: list[dict[str, Any]]) -> list[str]:
    if not letters:
        return ["no dead letters"]
    rows = [
        (
            letter["service"],
            letter["id"],
            letter.get("orderId") or letter.get("requestId"),
            letter["attempts"],
            letter["deadLetteredAt"],
            f"{letter['errorType']}: {letter['errorMessage']}",
        )
        for letter in letters
    ]
    return table(("SERVICE", "ID", "WORK", "ATTEMPTS", "DEAD SINCE", "LAST ERROR"), rows)


@app.command("list")
def list_dead_letters(
    ctx: typer.Context,
    service: Annotated[
        QueueOwner | None, typer.Argument(help="Only this process API (default: all).")
    ] = None,
    as_json: JsonOutput = False,
) -> None:
    """Every dead letter, oldest first per service, with its last error."""
    owners = [service] if service else list(QueueOwner)
    letters: list[dict[str, Any]] = []
    with operator_client(cli_settings(ctx)) as client:
        for owner in owners:
            cursor = None
            while True:
                page = client.get(owner.value, "/dead-letters", limit=100, cursor=cursor)
                letters.extend({"service": owner.value, **item} for item in page["items"])
                cursor = page.get("nextCursor")
                if not cursor:
                    break
    emit(letters, as_json=as_json, render=render_letters)


@app.command()
def replay(
    ctx: typer.Context,
    service: ServiceArgument,
    dead_letter_id: DeadLetterIdArgument,
    as_json: JsonOutput = False,
) -> None:
    """Queue one dead letter's work again with fresh retries, once its cause is fixed."""
    with operator_client(cli_settings(ctx)) as client:
        path = f"/dead-letters/{dead_letter_id}/replay"
        result = client.request("POST", service.value, path).json()
    emit(
        result,
        as_json=as_json,
        render=lambda r: [f"replayed {r['deadLetterId']} as message {r['messageId']}"],
    )
