"""Object and field definitions; the `Catalog` the SOQL engine and describe read them through."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

TEXT_TYPES = frozenset(
    {"string", "textarea", "picklist", "multipicklist", "combobox", "email", "phone", "url"}
)
ID_TYPES = frozenset({"id", "reference"})
REAL_TYPES = frozenset({"double", "currency", "percent"})

SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "boolean": "xsd:boolean",
    "int": "xsd:int",
    "double": "xsd:double",
    "currency": "xsd:double",
    "percent": "xsd:double",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
    "address": "urn:address",
}


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One field as describe reports it; `required` follows Salesforce's own rule."""

    name: str
    type: str
    label: str
    length: int = 0
    precision: int = 0
    scale: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    defaulted_on_create: bool = False
    default: Any = None
    external_id: bool = False
    unique: bool = False
    case_sensitive: bool = False
    custom: bool = False
    calculated: bool = False
    auto_number: bool = False
    id_lookup: bool = False
    name_field: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    child_relationship: str | None = None  # the parent's name for the children ("Contacts")
    cascade_delete: bool = False
    picklist: tuple[str, ...] = ()
    restricted_picklist: bool = False
    compound: str | None = None  # "BillingAddress" for BillingCity

    @property
    def required_on_create(self) -> bool:
        return self.createable and not self.nillable and not self.defaulted_on_create

    @property
    def soap_type(self) -> str:
        return SOAP_TYPES.get(self.type, "xsd:string")


@dataclass(frozen=True, slots=True)
class CompoundDef:
    """A read-only compound field (`BillingAddress`) built from component fields."""

    name: str
    type: str  # "address" or "string" (Contact.Name in change events)
    label: str
    components: Mapping[str, str]  # JSON key in the compound value -> component field name
    event_keys: Mapping[str, str]  # key in change events ("City") -> component field name


@dataclass(frozen=True, slots=True)
class ChildRelationshipDef:
    """A parent-to-child relationship, usable as a subquery's FROM."""

    name: str
    child_object: str
    field: str
    cascade_delete: bool = False


@dataclass(eq=False)  # identity semantics: definitions are hashable cache keys
class ObjectDef:
    """One sObject type with its fields; lookups by name are case-insensitive."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: tuple[FieldDef, ...]
    compounds: tuple[CompoundDef, ...] = ()
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    custom: bool = False
    change_events: bool = False
    child_relationships: list[ChildRelationshipDef] = dc_field(default_factory=list)
    _by_name: dict[str, FieldDef] = dc_field(default_factory=dict, repr=False)
    _by_relationship: dict[str, FieldDef] = dc_field(default_factory=dict, repr=False)
    types: dict[str, str] = dc_field(default_factory=dict, repr=False)  # field name -> type
    required: tuple[str, ...] = dc_field(default=(), repr=False)  # required on create

    def __post_init__(self) -> None:
        self._by_name = {item.name.lower(): item for item in self.fields}
        self._by_relationship = {
            item.relationship_name.lower(): item for item in self.fields if item.relationship_name
        }
        self.types = {item.name: item.type for item in self.fields}
        self.required = tuple(item.name for item in self.fields if item.required_on_create)

    def field(self, name: str) -> FieldDef | None:
        return self._by_name.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        return self._by_relationship.get(name.lower())

    def child_relationship(self, name: str) -> ChildRelationshipDef | None:
        lowered = name.lower()
        return next(
            (item for item in self.child_relationships if item.name.lower() == lowered), None
        )

    def field_names(self) -> Sequence[str]:
        return [item.name for item in self.fields]

    @property
    def unique_fields(self) -> list[FieldDef]:
        return [item for item in self.fields if item.unique]

    @property
    def external_id_fields(self) -> list[FieldDef]:
        return [item for item in self.fields if item.external_id or item.name == "Id"]

    def compound_of(self, name: str) -> CompoundDef | None:
        return next((item for item in self.compounds if item.name == name), None)


class Catalog:
    """Every sObject of the org, keyed case-insensitively, with child relationships wired."""

    def __init__(self, objects: Iterable[ObjectDef]) -> None:
        self._objects = {item.name.lower(): item for item in objects}
        self._by_prefix = {item.key_prefix: item for item in self._objects.values()}
        self._wire_child_relationships()

    def _wire_child_relationships(self) -> None:
        for child in self._objects.values():
            for item in child.fields:
                if not item.child_relationship:
                    continue
                for parent_name in item.reference_to:
                    parent = self._objects.get(parent_name.lower())
                    if parent is None:
                        continue
                    parent.child_relationships.append(
                        ChildRelationshipDef(
                            name=item.child_relationship,
                            child_object=child.name,
                            field=item.name,
                            cascade_delete=item.cascade_delete,
                        )
                    )

    def object(self, name: str) -> ObjectDef | None:
        return self._objects.get(name.lower())

    def by_prefix(self, prefix: str) -> ObjectDef | None:
        return self._by_prefix.get(prefix)

    def objects(self) -> list[ObjectDef]:
        return list(self._objects.values())
