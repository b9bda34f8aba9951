"""The EDM model of a service: entity types, sets and navigations, written as compact specs.

One model feeds both `$metadata` (edmx.py) and the SQLite tables (store.py). Properties are
declared one per line, in the shape of SAP's field catalogues:

    SalesOrder          String(10)          key alpha upper        [Sales Order]
    TotalNetAmount      Decimal(16,3)       ro unit=TransactionCurrency
    LastChangeDateTime  DateTimeOffset(7)   ro etag

Flags: `key` (part of the key, never null), `notnull`, `ro` (neither creatable nor updatable),
`nocreate`, `noupdate`, `etag` (ConcurrencyMode="Fixed"), `upper` (display-format UpperCase),
`alpha` (numeric-looking key that SAP sorts as a zero-padded number), `currency` and `uom`
(sap:semantics), `unit=<property>` (sap:unit), `nofilter`; a trailing `[Label]`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

EDM_TYPES = frozenset(
    {
        "String", "Boolean", "Byte", "Int16", "Int32", "Int64", "Decimal", "Double",
        "DateTime", "DateTimeOffset", "Time", "Guid",
    }
)  # fmt: skip
_LINE = re.compile(r"^(?P<name>\w+)\s+(?P<type>\w+)(?:\((?P<args>[\d,\s]+)\))?(?P<rest>.*)$")


class ModelError(ValueError):
    """A model spec that cannot be right (caught when the service is built)."""


@dataclass(frozen=True)
class Property:
    """One structural property of an entity type."""

    name: str
    type: str
    max_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    nullable: bool = True
    key: bool = False
    creatable: bool = True
    updatable: bool = True
    concurrency: bool = False
    label: str | None = None
    unit: str | None = None
    semantics: str | None = None
    upper: bool = False
    alpha: bool = False
    filterable: bool = True

    @property
    def edm_type(self) -> str:
        return f"Edm.{self.type}"


@dataclass(frozen=True)
class Navigation:
    """A navigation property: the target set, its multiplicity and the join that finds it.

    `join` pairs a property of this entity with the matching property of the target.
    `owned` children are created by deep insert and deleted with their parent.
    """

    name: str
    target: str
    many: bool
    join: tuple[tuple[str, str], ...]
    owned: bool = False
    required: bool = False

    @property
    def multiplicity(self) -> str:
        if self.many:
            return "*"
        return "1" if self.required else "0..1"


@dataclass(frozen=True)
class EntitySet:
    """An entity set and its entity type (one type per set, as in SAP's A2X services)."""

    name: str
    type_name: str
    properties: tuple[Property, ...]
    navigations: tuple[Navigation, ...] = ()
    label: str | None = None
    creatable: bool = True
    updatable: bool = True
    deletable: bool = True
    view_sql: str | None = None
    _by_name: dict[str, Property] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )
    _navigation_by_name: dict[str, Navigation] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        self._by_name.update({prop.name: prop for prop in self.properties})
        self._navigation_by_name.update({nav.name: nav for nav in self.navigations})
        if not self.keys:
            raise ModelError(f"{self.name} has no key")
        names = [nav.name for nav in self.navigations]
        clashes = set(names) & set(self._by_name)
        if clashes or len(set(names)) != len(names):
            raise ModelError(f"{self.name}: navigation names clash: {sorted(clashes)}")

    # Asked for several times per row written or read; the set never changes, so worked out once.
    @cached_property
    def keys(self) -> tuple[Property, ...]:
        return tuple(prop for prop in self.properties if prop.key)

    @cached_property
    def key_names(self) -> tuple[str, ...]:
        return tuple(prop.name for prop in self.keys)

    @cached_property
    def initial_values(self) -> dict[str, Any]:
        """Every property's initial value, in property order (each is immutable)."""
        from s4hana_emulator.odata.values import default_value  # values imports this module

        return {prop.name: default_value(prop) for prop in self.properties}

    @cached_property
    def etag_property(self) -> Property | None:
        return next((prop for prop in self.properties if prop.concurrency), None)

    def get_property(self, name: str) -> Property | None:
        return self._by_name.get(name)

    def get_navigation(self, name: str) -> Navigation | None:
        return self._navigation_by_name.get(name)


@dataclass(frozen=True)
class ServiceModel:
    """One OData service: its name (= schema namespace) and its entity sets."""

    name: str
    entity_sets: tuple[EntitySet, ...]
    component: str = ""
    version: str = "0001"
    _sets: dict[str, EntitySet] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._sets.update({entity_set.name: entity_set for entity_set in self.entity_sets})
        for entity_set in self.entity_sets:
            for nav in entity_set.navigations:
                target = self._sets.get(nav.target)
                if target is None:
                    raise ModelError(f"{entity_set.name}.{nav.name}: no set {nav.target}")
                for source, target_prop in nav.join:
                    if (
                        entity_set.get_property(source) is None
                        or target.get_property(target_prop) is None
                    ):
                        raise ModelError(f"{entity_set.name}.{nav.name}: bad join {nav.join}")

    @property
    def namespace(self) -> str:
        return self.name

    def get_entity_set(self, name: str) -> EntitySet | None:
        return self._sets.get(name)

    def qualified_type(self, entity_set: EntitySet) -> str:
        return f"{self.namespace}.{entity_set.type_name}"


def parse_properties(spec: str) -> tuple[Property, ...]:
    """Properties from spec lines (see the module docstring)."""
    return tuple(_parse_line(line.strip()) for line in spec.strip().splitlines() if line.strip())


def _parse_line(line: str) -> Property:
    match = _LINE.match(line)
    if match is None or match["type"] not in EDM_TYPES:
        raise ModelError(f"bad property spec: {line!r}")
    rest, _, label = match["rest"].partition("[")
    args = [int(part) for part in (match["args"] or "").split(",") if part.strip()]
    options: dict[str, object] = {"name": match["name"], "type": match["type"]}
    if match["type"] == "String" and args:
        options["max_length"] = args[0]
    elif match["type"] == "Decimal":
        options["precision"], options["scale"] = [*args, 0][:2] if args else (16, 3)
    elif match["type"] == "DateTimeOffset" and args:
        options["precision"] = args[0]
    if label:
        options["label"] = label.rstrip().rstrip("]").strip() or None
    options.update(_flags(rest.split(), line))
    return Property(**options)  # type: ignore[arg-type]


def _flags(words: Iterable[str], line: str) -> dict[str, object]:
    flags: dict[str, object] = {}
    for word in words:
        name, _, value = word.partition("=")
        if name == "key":
            flags.update(key=True, nullable=False)
        elif name == "notnull":
            flags["nullable"] = False
        elif name == "ro":
            flags.update(creatable=False, updatable=False)
        elif name == "nocreate":
            flags["creatable"] = False
        elif name == "noupdate":
            flags["updatable"] = False
        elif name == "etag":
            flags["concurrency"] = True
        elif name in ("upper", "alpha"):
            flags[name] = True
        elif name == "currency":
            flags["semantics"] = "currency-code"
        elif name == "uom":
            flags["semantics"] = "unit-of-measure"
        elif name == "unit" and value:
            flags["unit"] = value
        elif name == "nofilter":
            flags["filterable"] = False
        else:
            raise ModelError(f"unknown flag {word!r} in {line!r}")
    return flags


def entity_set(
    name: str,
    spec: str,
    *,
    navigations: Iterable[Navigation] = (),
    label: str | None = None,
    creatable: bool = True,
    updatable: bool = True,
    deletable: bool = True,
    read_only: bool = False,
    view_sql: str | None = None,
) -> EntitySet:
    """An entity set of type `<name>Type` with the properties of `spec`; `read_only` is short for
    neither creatable, updatable nor deletable (a query API or a view)."""
    if read_only:
        creatable = updatable = deletable = False
    return EntitySet(
        name=name,
        type_name=f"{name}Type",
        properties=parse_properties(spec),
        navigations=tuple(navigations),
        label=label,
        creatable=creatable,
        updatable=updatable,
        deletable=deletable,
        view_sql=view_sql,
    )


def to_many(name: str, target: str, *join: tuple[str, str], owned: bool = True) -> Navigation:
    """A `*` navigation (children found by `join`)."""
    return Navigation(name=name, target=target, many=True, join=tuple(join), owned=owned)


def to_one(
    name: str, target: str, *join: tuple[str, str], owned: bool = False, required: bool = False
) -> Navigation:
    """A `0..1` navigation, or `1` when the target always exists (a child's parent)."""
    return Navigation(
        name=name, target=target, many=False, join=tuple(join), owned=owned, required=required
    )
