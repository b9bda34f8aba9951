"""CSV as Bulk API 2.0 reads and writes it: delimiters, line endings, `#N/A`, result files."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

DELIMITERS = {
    "COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`",
}  # fmt: skip
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
NULL_MARKER = "#N/A"


def read_csv(data: bytes, *, delimiter: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of an uploaded file; raises ValueError when it is not valid CSV."""
    text = data.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[delimiter], strict=True)
    try:
        rows = [row for row in reader if row]
    except csv.Error as error:
        raise ValueError(f"InvalidBatch : {error}") from error
    if not rows:
        raise ValueError("InvalidBatch : The file is empty")
    header = [name.strip() for name in rows[0]]
    width = len(header)
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise ValueError(
                f"ClientInputError : LineEnding is invalid on user data. Current LineEnding "
                f"setting is LF or row {number} has {len(row)} columns instead of {width}"
            )
    return header, rows[1:]


def row_values(header: Sequence[str], row: Sequence[str]) -> dict[str, Any]:
    """A CSV row as a record body: empty cells are left out, `#N/A` sets null."""
    values: dict[str, Any] = {}
    for name, cell in zip(header, row, strict=True):
        if cell == "":
            continue
        values[name] = None if cell == NULL_MARKER else cell
    return values


def write_csv(
    header: Sequence[str], rows: Iterable[Sequence[Any]], *, delimiter: str, line_ending: str
) -> bytes:
    """A CSV file with the job's delimiter and line ending."""
    buffer = io.StringIO()
    writer = csv.writer(
        buffer, delimiter=DELIMITERS[delimiter], lineterminator=LINE_ENDINGS[line_ending]
    )
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def cell(value: Any) -> str:
    """A JSON value as a Bulk API result cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def flatten(record: Mapping[str, Any], columns: Sequence[Sequence[str]]) -> list[str]:
    """Cells of a query record for column paths like ("Account", "Name"), case-insensitively."""
    cells = []
    for path in columns:
        value: Any = record
        for part in path:
            if not isinstance(value, Mapping):
                value = None
                break
            lowered = part.lower()
            value = next((item for key, item in value.items() if key.lower() == lowered), None)
        cells.append(cell(value))
    return cells
