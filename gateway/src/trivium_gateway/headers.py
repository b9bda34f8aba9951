"""A small case-insensitive, ordered, multi-valued header collection."""

from __future__ import annotations

from collections.abc import Iterable, Iterator


class Headers:
    """Header values by lower-cased name, in arrival order, keeping the first spelling seen."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: dict[str, tuple[str, list[str]]] = {}
        for name, value in items:
            self.add(name, value)

    @classmethod
    def from_asgi(cls, raw: Iterable[tuple[bytes, bytes]]) -> Headers:
        """Headers of an ASGI scope or message (names are already lower case there)."""
        headers = cls()
        items = headers._items
        for raw_name, raw_value in raw:
            name = raw_name.decode("latin-1").lower()
            value = raw_value.decode("latin-1")
            entry = items.get(name)
            if entry is None:
                items[name] = (name, [value])
            else:
                entry[1].append(value)
        return headers

    def get(self, name: str) -> str | None:
        """The first value of a header, if present."""
        entry = self._items.get(name.lower())
        return entry[1][0] if entry else None

    def get_all(self, name: str) -> list[str]:
        """Every value of a header, in order."""
        entry = self._items.get(name.lower())
        return list(entry[1]) if entry else []

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def set(self, name: str, value: str) -> None:
        """Replace every value of a header with one."""
        self._items[name.lower()] = (name, [value])

    def add(self, name: str, value: str) -> None:
        """Add a value to a header, keeping the ones it has."""
        entry = self._items.get(name.lower())
        if entry is None:
            self._items[name.lower()] = (name, [value])
        else:
            entry[1].append(value)

    def remove(self, name: str) -> None:
        """Drop a header entirely."""
        self._items.pop(name.lower(), None)

    def items(self) -> Iterator[tuple[str, str]]:
        """(name, value) pairs, one per value, with each header's first spelling."""
        for name, values in self._items.values():
            for value in values:
                yield name, value

    def multimap(self) -> dict[str, list[str]]:
        """Lower-cased name → values, as Kong hands headers to external plugins."""
        return {name: list(values) for name, (_, values) in self._items.items()}

    def copy(self) -> Headers:
        """An independent copy."""
        clone = Headers()
        clone._items = {key: (name, list(values)) for key, (name, values) in self._items.items()}
        return clone

    def to_asgi(self) -> list[tuple[bytes, bytes]]:
        """The headers as an ASGI response header list."""
        return [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in self.items()
        ]
