"""One API call: who calls, through which version, and the response it gets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from salesforce_emulator.domain.auth import Session
from salesforce_emulator.domain.context import WriteContext, change_origin
from salesforce_emulator.domain.errors import json_parser_error

if TYPE_CHECKING:
    from salesforce_emulator.emulator import Emulator


@dataclass
class RestResponse:
    """Status, JSON body (None for an empty body) and extra headers of one resource call."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class CallContext:
    """Everything a resource needs about the call it serves."""

    emulator: Emulator
    session: Session
    version: str  # "62.0"
    client: str | None = None  # Sforce-Call-Options: client=
    batch_size: int | None = None  # Sforce-Query-Options: batchSize=
    api: str = "rest"
    _write: WriteContext | None = None

    @property
    def base(self) -> str:
        """The data API base path of this version: `/services/data/v62.0`."""
        return f"/services/data/v{self.version}"

    @property
    def write(self) -> WriteContext:
        """The write context of this call (one transaction key for everything it writes)."""
        if self._write is None:
            self._write = WriteContext(
                self.session.user.id,
                change_origin(api=self.api, api_version=self.version, client=self.client),
            )
        return self._write


def parse_call_options(header: str | None, name: str) -> str | None:
    """The value of `name=` in a `Sforce-Call-Options`-style header."""
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == name.lower() and value.strip():
            return value.strip()
    return None


def parse_json_body(raw: bytes) -> Any:
    """The request body as JSON, or 400 JSON_PARSER_ERROR in Salesforce's wording."""
    if not raw.strip():
        raise json_parser_error("No content to map due to end-of-input at [line:1, column:0]")
    try:
        return json.loads(raw)
    except UnicodeDecodeError as error:
        raise json_parser_error("Invalid UTF-8 start byte") from error
    except RecursionError as error:
        raise json_parser_error("JSON nesting too deep") from error
    except json.JSONDecodeError as error:
        char = error.doc[error.pos] if error.pos < len(error.doc) else ""
        shown = f"('{char}' (code {ord(char)}))" if char else "(end-of-input)"
        raise json_parser_error(
            f"Unexpected character {shown}: expected a valid value (number, String, array, "
            f"object, 'true', 'false' or 'null') at [line:{error.lineno}, column:{error.colno}]"
        ) from error


def expect_object(value: Any, type_name: str) -> dict[str, Any]:
    """The body as a JSON object, or JSON_PARSER_ERROR naming what came instead."""
    if isinstance(value, dict):
        return value
    token = "START_ARRAY" if isinstance(value, list) else "VALUE_STRING"
    raise json_parser_error(
        f"Cannot deserialize instance of {type_name} from {token} value "
        f"{'[' if isinstance(value, list) else value} or request may be missing a required field"
    )
