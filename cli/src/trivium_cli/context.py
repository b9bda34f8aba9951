"""What every command reads from the command line's context (the settings), and the usual way a
command runs: one exchange with the services as the operator, then its result printed."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import typer

from trivium_cli.client import OperatorClient, operator_client
from trivium_cli.output import confirm_or_abort, emit
from trivium_cli.settings import CliSettings


def cli_settings(ctx: typer.Context) -> CliSettings:
    """The settings the root command put on the context (tests pass their own as `obj`)."""
    settings = ctx.find_root().obj
    if not isinstance(settings, CliSettings):
        raise RuntimeError("the trivium root command sets CliSettings on the context")
    return settings


def operate(
    ctx: typer.Context,
    exchange: Callable[[OperatorClient], Any],
    *,
    as_json: bool,
    render: Callable[[Any], Iterable[str]],
) -> None:
    """Run `exchange` with an operator client, then print what it returned."""
    with operator_client(cli_settings(ctx)) as client:
        result = exchange(client)
    emit(result, as_json=as_json, render=render)


def delete_confirmed(
    ctx: typer.Context,
    service: str,
    path: str,
    *,
    question: str,
    yes: bool,
    as_json: bool,
    outcome: dict[str, str],
    said: str,
) -> None:
    """Ask `question` (unless `--yes`), delete `path` of `service`, then print `outcome`, or as
    text its `said` entry after that word ("discarded dl-1")."""
    confirm_or_abort(question, yes=yes)

    def delete(client: OperatorClient) -> dict[str, str]:
        client.delete(service, path)
        return outcome

    operate(ctx, delete, as_json=as_json, render=lambda r: [f"{said} {r[said]}"])
