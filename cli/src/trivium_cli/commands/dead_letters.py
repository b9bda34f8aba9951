"""`trivium dead-letters`: work that failed for good in a process API, listed, shown, replayed
or discarded."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer

from trivium_cli.client import OperatorClient, operator_client, segment
from trivium_cli.context import cli_settings, delete_confirmed, operate
from trivium_cli.output import Confirmed, JsonOutput, command_group, emit, table

app = command_group(
    "Dead letters of the process APIs' work queues: quote-to-order's orders and "
    "create-customer's customer requests that failed for good."
)


class QueueOwner(StrEnum):
    """The process APIs whose work queues dead-letter."""

    QUOTE_TO_ORDER = "quote-to-order"
    CREATE_CUSTOMER = "create-customer"


ServiceArgument = Annotated[QueueOwner, typer.Argument(help="The process API.")]
OptionalServiceArgument = Annotated[
    QueueOwner | None, typer.Argument(help="Only this process API (default: both).")
]
DeadLetterIdArgument = Annotated[
    str, typer.Argument(help="The dead letter's id (as `list` shows it).")
]


def list_letters(client: OperatorClient, owner: QueueOwner) -> list[dict[str, Any]]:
    """Every dead letter of one service, each with the service's name."""
    letters: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.get(owner.value, "/dead-letters", limit=100, cursor=cursor)
        letters.extend({"service": owner.value, **item} for item in page["items"])
        cursor = page.get("nextCursor")
        if not cursor:
            return letters


def work_id(letter: dict[str, Any]) -> str | None:
    """The id of the work a dead letter carries (an order or a customer request)."""
    found = letter.get("orderId") or letter.get("requestId")
    return str(found) if found else None


def render_letters(letters: list[dict[str, Any]]) -> list[str]:
    if not letters:
        return ["no dead letters"]
    rows = [
        (
            letter["service"],
            letter["id"],
            work_id(letter),
            letter["attempts"],
            letter["deadLetteredAt"],
            f"{letter['errorType']}: {letter['errorMessage']}",
        )
        for letter in letters
    ]
    return table(("SERVICE", "ID", "WORK", "ATTEMPTS", "DEAD SINCE", "LAST ERROR"), rows)


def render_letter(letter: dict[str, Any]) -> list[str]:
    return [
        f"dead letter     {letter['id']} ({letter['service']})",
        f"work            {work_id(letter)}",
        f"attempts        {letter['attempts']}",
        f"dead since      {letter['deadLetteredAt']}",
        f"last error      {letter['errorType']}: {letter['errorMessage']}",
        f"correlation id  {letter.get('correlationId')}",
    ]


@app.command("list")
def list_dead_letters(
    ctx: typer.Context,
    service: OptionalServiceArgument = None,
    as_json: JsonOutput = False,
) -> None:
    """Every dead letter, oldest first per service, with its last error."""
    with operator_client(cli_settings(ctx)) as client:
        letters = [
            letter
            for owner in ([service] if service else list(QueueOwner))
            for letter in list_letters(client, owner)
        ]
    emit(letters, as_json=as_json, render=render_letters)


@app.command()
def show(
    ctx: typer.Context,
    service: ServiceArgument,
    dead_letter_id: DeadLetterIdArgument,
    as_json: JsonOutput = False,
) -> None:
    """One dead letter: the work it carries, its attempts and last error."""
    path = f"/dead-letters/{segment(dead_letter_id)}"
    operate(
        ctx,
        lambda client: {"service": service.value, **client.get(service.value, path)},
        as_json=as_json,
        render=render_letter,
    )


@app.command()
def replay(
    ctx: typer.Context,
    service: ServiceArgument,
    dead_letter_id: DeadLetterIdArgument,
    as_json: JsonOutput = False,
) -> None:
    """Queue one dead letter's work again with fresh retries, once its cause is fixed; it goes
    on from the step it reached."""
    path = f"/dead-letters/{segment(dead_letter_id)}/replay"
    operate(
        ctx,
        lambda client: client.post(service.value, path),
        as_json=as_json,
        render=lambda r: [f"replayed {r['deadLetterId']} as message {r['messageId']}"],
    )


@app.command("replay-all")
def replay_all(ctx: typer.Context, service: ServiceArgument, as_json: JsonOutput = False) -> None:
    """Queue every dead letter of the service again, once their common cause is fixed; each
    goes on from the step it reached, so nothing is done twice."""
    operate(
        ctx,
        lambda client: client.post(service.value, "/dead-letters/replay"),
        as_json=as_json,
        render=lambda r: [f"replayed {r['replayed']} dead letters"],
    )


@app.command()
def discard(
    ctx: typer.Context,
    service: ServiceArgument,
    dead_letter_id: DeadLetterIdArgument,
    yes: Confirmed = False,
    as_json: JsonOutput = False,
) -> None:
    """Delete a dead letter whose work must not be done; nothing of it is tried again."""
    delete_confirmed(
        ctx,
        service.value,
        f"/dead-letters/{segment(dead_letter_id)}",
        question=f"Discard dead letter {dead_letter_id} of {service.value}?",
        yes=yes,
        as_json=as_json,
        outcome={"service": service.value, "discarded": dead_letter_id},
        said="discarded",
    )
