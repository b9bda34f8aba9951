"""`trivium trace ID`: the whole trace of an order, a customer request, a correlation id or a
trace id, across every service, as a waterfall."""

from __future__ import annotations

from typing import Annotated

import typer

from trivium.span_files import SpanRecord, read_span_files
from trivium_cli.context import cli_settings
from trivium_cli.output import JsonOutput, emit
from trivium_cli.settings import CliSettings
from trivium_cli.trace_query import TraceQueryError, query_spans
from trivium_cli.traces import Trace, find_traces, trace_document, waterfall

IdArgument = Annotated[
    str,
    typer.Argument(
        help="An order id, a customer request id, a correlation id (X-Correlation-ID) or a "
        "trace id (32 hex digits, as in traceparent)."
    ),
]


def trace(ctx: typer.Context, identifier: IdArgument, as_json: JsonOutput = False) -> None:
    """Every span of the traces ID names, as a tree across services: service, operation, start
    offset, duration and status. Read from the span files (`.run/traces/` under `make run`,
    `TRIVIUM_CLI_TRACES_DIR`), or from a trace store (`TRIVIUM_CLI_TRACE_QUERY_URL`)."""
    settings = cli_settings(ctx)
    traces = find_traces(identifier, _spans(settings, identifier))
    if not traces:
        typer.echo(f"error: no trace names {identifier!r} in {_source(settings)}", err=True)
        raise typer.Exit(1)
    emit(
        {"traces": [trace_document(found) for found in traces]},
        as_json=as_json,
        render=lambda _: _render(traces),
    )


def _spans(settings: CliSettings, identifier: str) -> list[SpanRecord]:
    if settings.trace_query_url:
        try:
            return query_spans(
                settings.trace_query_url, identifier, timeout=settings.timeout_seconds
            )
        except TraceQueryError as error:
            typer.echo(f"error: {error}", err=True)
            raise typer.Exit(1) from error
    files = read_span_files(settings.traces_path())
    if files.unreadable_lines:
        typer.echo(
            f"note: skipped {files.unreadable_lines} lines of the span files that are no spans",
            err=True,
        )
    return files.spans


def _source(settings: CliSettings) -> str:
    return settings.trace_query_url or str(settings.traces_path())


def _render(traces: list[Trace]) -> list[str]:
    lines: list[str] = []
    for found in traces:
        if lines:
            lines.append("")
        lines.extend(waterfall(found))
    return lines
