"""How commands print: a readable view for people, or with `--json` the data itself for
scripts (one JSON document on stdout)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Annotated, Any

import typer


def command_group(description: str) -> typer.Typer:
    """A command group (`trivium <group> <command>`) that shows its help when called bare."""
    return typer.Typer(help=description, no_args_is_help=True)


JsonOutput = Annotated[
    bool, typer.Option("--json", help="Print the result as one JSON document (for scripts).")
]

Confirmed = Annotated[bool, typer.Option("--yes", "-y", help="Do it without asking (for scripts).")]


def confirm_or_abort(question: str, *, yes: bool) -> None:
    """Ask before a change that cannot be undone, unless `--yes` was given."""
    if not yes:
        typer.confirm(question, abort=True)


def emit(data: Any, *, as_json: bool, render: Callable[[Any], Iterable[str]]) -> None:
    """Print `data` as JSON, or as the lines `render` makes of it."""
    if as_json:
        typer.echo(json.dumps(data, indent=2, sort_keys=True, default=str))
        return
    for line in render(data):
        typer.echo(line)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """A plain text table, columns as wide as their widest cell."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
