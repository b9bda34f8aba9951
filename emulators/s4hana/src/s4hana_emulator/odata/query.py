"""Resource paths and system query options of an OData v2 request."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from s4hana_emulator.odata.errors import bad_request
from s4hana_emulator.odata.expressions import (
    ExpressionError,
    Literal,
    Node,
    OrderItem,
    parse_filter,
    parse_key_predicate,
    parse_orderby,
)

_SEGMENT = re.compile(r"^(?P<name>\$?[A-Za-z_][A-Za-z0-9_]*|\$\d+)(?P<key>\(.*\))?$", re.DOTALL)
SYSTEM_OPTIONS = frozenset(
    {
        "$filter", "$select", "$expand", "$orderby", "$top", "$skip", "$skiptoken",
        "$inlinecount", "$format",
    }
)  # fmt: skip
PAGING_OPTIONS = frozenset({"$top", "$skip", "$skiptoken"})


@dataclass(frozen=True)
class Segment:
    """One path segment: a name and, when it addresses one entity, its key predicate."""

    name: str
    key: list[tuple[str | None, Literal]] | None = None


def parse_segments(raw: list[str]) -> list[Segment]:
    """Segments of a percent-decoded resource path (`A_SalesOrder('1')`, `to_Item`, `$count`)."""
    segments = []
    for text in raw:
        match = _SEGMENT.match(text)
        if match is None:
            raise bad_request(f"Invalid URI segment '{text}'", kind="syntax")
        key = None
        if match["key"] is not None:
            try:
                key = parse_key_predicate(match["key"])
            except ExpressionError as error:
                raise bad_request(
                    f"Invalid key predicate in '{text}': {error}", kind="syntax"
                ) from error
        segments.append(Segment(match["name"], key))
    return segments


@dataclass
class Shape:
    """Which properties and navigations of an entity to write, and which to expand."""

    props: set[str] | None = None
    navs: set[str] | None = None
    expand: dict[str, Shape] = field(default_factory=dict)

    def child(self, name: str) -> Shape:
        return self.expand.setdefault(name, Shape())


@dataclass
class QueryOptions:
    """The system query options that matter to the emulator, validated."""

    filter: Node | None = None
    orderby: list[OrderItem] = field(default_factory=list)
    top: int | None = None
    skip: int = 0
    skiptoken: int = 0
    inlinecount: bool = False
    format: str | None = None
    shape: Shape = field(default_factory=Shape)
    custom: list[tuple[str, str]] = field(default_factory=list)
    raw: list[tuple[str, str]] = field(default_factory=list)


def _non_negative(name: str, value: str) -> int:
    if not value.isdigit():
        raise bad_request(f"Invalid value '{value}' for system query option '{name}'")
    return int(value)


def parse_options(pairs: list[tuple[str, str]]) -> QueryOptions:
    """Query options from form-decoded pairs (`%24top` → `$top`, `+` → space)."""
    options = QueryOptions(raw=list(pairs))
    seen: dict[str, str] = {}
    for name, value in pairs:
        if not name.startswith("$"):
            options.custom.append((name, value))
            continue
        if name not in SYSTEM_OPTIONS:
            raise bad_request(f"System query option '{name}' is not supported")
        if name in seen:
            raise bad_request(f"System query option '{name}' is given twice")
        seen[name] = value
    try:
        if "$filter" in seen:
            options.filter = parse_filter(seen["$filter"])
        if seen.get("$orderby", "").strip():
            options.orderby = parse_orderby(seen["$orderby"])
    except ExpressionError as error:
        raise bad_request(str(error), kind="syntax") from error
    if "$top" in seen:
        options.top = _non_negative("$top", seen["$top"])
    options.skip = _non_negative("$skip", seen.get("$skip", "0") or "0")
    options.skiptoken = _non_negative("$skiptoken", seen.get("$skiptoken", "0") or "0")
    inlinecount = seen.get("$inlinecount", "none")
    if inlinecount not in ("allpages", "none"):
        raise bad_request(f"Invalid value '{inlinecount}' for system query option '$inlinecount'")
    options.inlinecount = inlinecount == "allpages"
    options.format = seen.get("$format")
    if options.format not in (None, "json", "xml", "atom"):
        raise bad_request(f"Format '{options.format}' is not supported")
    options.shape = parse_shape(seen.get("$select"), seen.get("$expand"))
    return options


def _paths(text: str | None) -> list[list[str]]:
    if not text or not text.strip():
        return []
    return [[part.strip() for part in item.split("/")] for item in text.split(",") if item.strip()]


def parse_shape(select: str | None, expand: str | None) -> Shape:
    """The shape of `$select` and `$expand` (checked against the model when serialising)."""
    shape = Shape()
    for path in _paths(expand):
        node = shape
        for name in path:
            node = node.child(name)
    selected = _paths(select)
    if not selected:
        return shape
    shape.props, shape.navs = set(), set()
    for path in selected:
        first, *rest = path
        _select(shape, first, rest)
    return shape


def _select(shape: Shape, name: str, rest: list[str]) -> None:
    if shape.props is None or shape.navs is None:
        return
    if not rest:
        if name == "*":
            shape.props = None
        else:
            shape.props.add(name)
            shape.navs.add(name)
        return
    if name not in shape.expand:
        raise bad_request(f"Navigation '{name}' in $select must also be in $expand")
    shape.navs.add(name)
    child = shape.expand[name]
    if child.props is None and child.navs is None:
        child.props, child.navs = set(), set()
    _select(child, rest[0], rest[1:])


def next_link(
    base_url: str, path: str, options: QueryOptions, *, offset: int, remaining: int | None
) -> str:
    """A same-origin `__next` URL: the request's options, paged on by `$skiptoken`."""
    pairs = [(name, value) for name, value in options.raw if name not in PAGING_OPTIONS]
    if remaining is not None:
        pairs.append(("$top", str(remaining)))
    pairs.append(("$skiptoken", str(offset)))
    query = "&".join(
        f"{quote(name, safe='$-')}={quote(value, safe=chr(39) + '$,()=:/*@-')}"
        for name, value in pairs
    )
    return f"{base_url}{path}?{query}"
