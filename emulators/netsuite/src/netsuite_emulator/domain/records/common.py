"""What every record type shares: the clock, references, money, and checked request bodies."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from netsuite_emulator.domain.errors import invalid_content, nonexistent_id
from netsuite_emulator.domain.store import Row, Store

Clock = Callable[[], datetime]
CENT = Decimal("0.01")
# Amounts and quantities beyond this are refused (NetSuite keeps at most 15 digits).
MAX_NUMBER = Decimal(10) ** 15


def utc_now() -> datetime:
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """NetSuite's REST date-time form, which also sorts as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class RecordContext:
    """The account's data, its clock, the links' base URL and the account's preferences."""

    store: Store
    clock: Clock
    base_url: str
    enforce_credit_limit: bool = True
    number_customers: bool = False

    def now(self) -> str:
        return timestamp(self.clock())

    def today(self) -> str:
        return self.clock().astimezone(UTC).date().isoformat()

    def href(self, record_type: str, record_id: object, *rest: str) -> str:
        return "/".join((self.base_url, record_type, str(record_id), *rest))

    def self_link(self, record_type: str, record_id: object, *rest: str) -> list[dict[str, str]]:
        return [{"rel": "self", "href": self.href(record_type, record_id, *rest)}]

    def sublist_collection(
        self, record_type: str, record_id: object, sublist: str, lines: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """A record's sublist as its own resource answers it: the lines, their count, a link."""
        return {
            "links": self.self_link(record_type, record_id, sublist),
            "items": lines,
            "totalResults": len(lines),
        }

    def reference(
        self, record_type: str | None, record_id: object, name: str | None
    ) -> dict[str, Any] | None:
        """`{"links", "id", "refName"}` as a record names another one."""
        if record_id is None:
            return None
        ref: dict[str, Any] = {"id": str(record_id)}
        if record_type is not None:
            ref = {"links": self.self_link(record_type, record_id), **ref}
        if name is not None:
            ref["refName"] = name
        return ref


def money(value: object) -> float | None:
    """Amounts as REST answers them: JSON numbers."""
    return None if value is None else float(Decimal(str(value)))


def decimal_text(value: Decimal) -> str:
    return format(value.quantize(CENT) if value == value.to_integral() else value, "f")


def boolean(flag: object) -> bool:
    return flag == "T"


def require_row(store: Store, record_type: str, sql: str, record_id: str) -> Row:
    if not record_id.isdigit():
        raise nonexistent_id(record_type, record_id)
    row = store.row(sql, (int(record_id),))
    if row is None:
        raise nonexistent_id(record_type, record_id)
    return row


class Body:
    """A request body read field by field; wrong types are INVALID_CONTENT with their path."""

    def __init__(self, values: Mapping[str, Any], *, allowed: frozenset[str], path: str = ""):
        self.values = values
        self.path = path
        for name in values:
            if name not in allowed and name != "links":
                raise invalid_content(
                    f"Invalid field name '{name}'. Provide a valid field name.",
                    path=self._path(name),
                )

    def _path(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def has(self, name: str) -> bool:
        return name in self.values

    def text(self, name: str, *, max_length: int = 300, required: bool = False) -> str | None:
        value = self.values.get(name)
        if value is None:
            if required:
                raise invalid_content(f"Please enter value(s) for: {name}", path=self._path(name))
            return None
        if not isinstance(value, str) or len(value) > max_length:
            raise invalid_content(
                f"Invalid value for field '{name}': a text of at most {max_length} characters "
                "is expected.",
                path=self._path(name),
            )
        return value

    def number(self, name: str, *, minimum: Decimal | None = None) -> Decimal | None:
        value = self.values.get(name)
        if value is None:
            return None
        try:
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise InvalidOperation
            number = Decimal(str(value))
            if not number.is_finite():
                raise InvalidOperation
        except InvalidOperation:
            raise invalid_content(
                f"Invalid number for field '{name}'.", path=self._path(name)
            ) from None
        if abs(number) >= MAX_NUMBER:
            raise invalid_content(
                f"The value of field '{name}' is out of range.", path=self._path(name)
            )
        if minimum is not None and number < minimum:
            raise invalid_content(
                f"The value of field '{name}' must be at least {minimum}.", path=self._path(name)
            )
        return number

    def flag(self, name: str) -> bool | None:
        value = self.values.get(name)
        if value is None:
            return None
        if not isinstance(value, bool):
            raise invalid_content(f"Invalid boolean for field '{name}'.", path=self._path(name))
        return value

    def texts(self, columns: Iterable[tuple[str, str, int]]) -> dict[str, str | None]:
        """The given text fields as column values: (field, column, longest length) each."""
        return {
            column: self.text(field, max_length=limit)
            for field, column, limit in columns
            if self.has(field)
        }

    def amount_text(self, name: str) -> str | None:
        """A non-negative amount as the column stores it (None clears it)."""
        value = self.number(name, minimum=Decimal(0))
        return None if value is None else decimal_text(value)

    def flag_text(self, name: str) -> str:
        """A checkbox as the column stores it: "T" or "F"."""
        return "T" if self.flag(name) else "F"

    def reference_id(
        self,
        name: str,
        *,
        required: bool = False,
        by_external_id: Callable[[str], int | None] | None = None,
    ) -> int | None:
        """The internal id of `{"id": "…"}` (a bare id is accepted too), or of
        `{"externalId": "…"}` where the referenced record type can be found by external id."""
        value = self.values.get(name)
        if value is None:
            if required:
                raise invalid_content(f"Please enter value(s) for: {name}", path=self._path(name))
            return None
        if isinstance(value, Mapping) and "id" not in value and by_external_id is not None:
            external_id = value.get("externalId")
            found = by_external_id(external_id) if isinstance(external_id, str) else None
            if found is None:
                raise invalid_content(
                    f"Invalid {name} reference key {external_id!r}.", path=self._path(name)
                )
            return found
        raw = value.get("id") if isinstance(value, Mapping) else value
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = str(raw)
        if not isinstance(raw, str) or not raw.isdigit() or len(raw) > 18:
            raise invalid_content(
                f"Invalid reference for field '{name}': an object with an internal 'id' is "
                "expected.",
                path=self._path(name),
            )
        return int(raw)

    def required_id(
        self, name: str, *, by_external_id: Callable[[str], int | None] | None = None
    ) -> int:
        found = self.reference_id(name, required=True, by_external_id=by_external_id)
        assert found is not None
        return found

    def sublist(self, name: str) -> list[Body.Line] | None:
        """The lines of a sublist `{"items": [...]}`, or None when the body has none."""
        value = self.values.get(name)
        if value is None:
            return None
        items = value.get("items") if isinstance(value, Mapping) else None
        if not isinstance(items, list) or not all(isinstance(line, Mapping) for line in items):
            raise invalid_content(
                f"Invalid sublist '{name}': an object with an 'items' array is expected.",
                path=self._path(name),
            )
        return [
            Body.Line(line, index, self._path(f"{name}.items[{index}]"))
            for index, line in enumerate(items)
        ]

    @dataclass(frozen=True)
    class Line:
        values: Mapping[str, Any]
        index: int
        path: str

        def body(self, allowed: frozenset[str]) -> Body:
            return Body(self.values, allowed=allowed, path=self.path)


def read_body(raw: object) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise invalid_content("The request body must be a JSON object.")
    return raw


def select_fields(record: dict[str, Any], fields: frozenset[str] | None) -> dict[str, Any]:
    """Only the fields asked for (the id and links always stay)."""
    if fields is None:
        return record
    return {
        name: value for name, value in record.items() if name in fields or name in ("links", "id")
    }


def without_nulls(record: dict[str, Any]) -> dict[str, Any]:
    """REST leaves out fields that are empty."""
    return {name: value for name, value in record.items() if value is not None}
