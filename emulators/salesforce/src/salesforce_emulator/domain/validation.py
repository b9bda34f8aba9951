"""A request body (JSON or a CSV row) checked against an sObject's fields, before any lookup."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from salesforce_emulator.domain.errors import ErrorItem
from salesforce_emulator.domain.schema import Catalog, FieldDef, ObjectDef
from salesforce_emulator.domain.values import FieldValueError, encode_value

Operation = Literal["create", "update"]


@dataclass(frozen=True, slots=True)
class ExternalRef:
    """A lookup given by the parent's external id: `"Account": {"ERP_Customer_Number__c": "1"}`."""

    field: FieldDef
    target: ObjectDef
    ext_field: FieldDef
    value: Any


@dataclass
class ParsedRecord:
    """Stored values of the fields a body sets, and lookups still to resolve."""

    values: dict[str, Any]
    refs: list[ExternalRef] = field(default_factory=list)


def invalid_field(name: str, obj: ObjectDef) -> FieldValueError:
    return FieldValueError(
        ErrorItem("INVALID_FIELD", f"No such column '{name}' on sobject of type {obj.name}")
    )


def read_only_fields(names: list[str]) -> FieldValueError:
    return FieldValueError(
        ErrorItem(
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            f"Unable to create/update fields: {', '.join(names)}. Please check the security "
            "settings of this field and verify that it is read/write for your profile or "
            "permission set.",
            tuple(names),
        )
    )


def required_missing(names: list[str]) -> FieldValueError:
    return FieldValueError(
        ErrorItem(
            "REQUIRED_FIELD_MISSING",
            f"Required fields are missing: [{', '.join(names)}]",
            tuple(names),
        )
    )


def _external_ref(
    catalog: Catalog, obj: ObjectDef, lookup: FieldDef, key: str, value: Any
) -> ExternalRef:
    target = catalog.object(lookup.reference_to[0])
    if target is None:
        raise invalid_field(key, obj)
    if not isinstance(value, Mapping):
        raise FieldValueError(
            ErrorItem("JSON_PARSER_ERROR", f"Cannot deserialize instance of {target.name}", ())
        )
    keys = [name for name in value if name != "attributes"]
    ext_field = target.field(keys[0]) if len(keys) == 1 else None
    if ext_field is None or not (ext_field.external_id or ext_field.name == "Id"):
        raise FieldValueError(
            ErrorItem(
                "INVALID_FIELD",
                f"The foreign key field {lookup.relationship_name} of {obj.name} must use an "
                f"external ID field of {target.name} with exactly one value",
                (lookup.name,),
            )
        )
    return ExternalRef(lookup, target, ext_field, value[keys[0]])


def _dotted_ref(catalog: Catalog, obj: ObjectDef, key: str, value: Any) -> ExternalRef:
    relationship, _, ext_name = key.partition(".")
    lookup = obj.relationship(relationship)
    if lookup is None:
        raise invalid_field(key, obj)
    return _external_ref(catalog, obj, lookup, key, {ext_name: value})


def parse_record(
    catalog: Catalog, obj: ObjectDef, body: Mapping[str, Any], *, operation: Operation
) -> ParsedRecord:
    """Fields of `body` resolved, checked for writability and encoded; raises FieldValueError."""
    parsed = ParsedRecord(values={})
    not_writable: list[str] = []
    for key, value in body.items():
        if key == "attributes" or (key.lower() == "id" and operation == "update"):
            continue
        field_def = obj.field(key)
        if field_def is None:
            lookup = obj.relationship(key) if isinstance(value, Mapping) else None
            if lookup is not None:
                parsed.refs.append(_external_ref(catalog, obj, lookup, key, value))
            elif "." in key:
                parsed.refs.append(_dotted_ref(catalog, obj, key, value))
            else:
                raise invalid_field(key, obj)
            continue
        writable = field_def.createable if operation == "create" else field_def.updateable
        if not writable:
            not_writable.append(field_def.name)
            continue
        parsed.values[field_def.name] = value
    if not_writable:
        raise read_only_fields(not_writable)
    for name, value in parsed.values.items():
        parsed.values[name] = encode_value(obj.field(name), value)  # type: ignore[arg-type]
    return parsed


def apply_defaults(obj: ObjectDef, values: dict[str, Any]) -> None:
    """Fill defaulted fields a create left out (booleans, default picklist values)."""
    for item in obj.fields:
        if item.name not in values and item.default is not None:
            values[item.name] = encode_value(item, item.default)


def check_required(obj: ObjectDef, values: Mapping[str, Any], *, operation: Operation) -> None:
    """REQUIRED_FIELD_MISSING naming every required field a create lacks or an update nulls."""
    if operation == "create":
        missing = [name for name in obj.required if values.get(name) is None]
    else:
        missing = [
            name
            for name, value in values.items()
            if value is None and (item := obj.field(name)) is not None and not item.nillable
        ]
    if missing:
        raise required_missing(missing)
