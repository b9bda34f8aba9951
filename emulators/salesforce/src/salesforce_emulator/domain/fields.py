"""Small constructors for field definitions, so object definitions read like a describe."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from salesforce_emulator.domain.schema import CompoundDef, FieldDef


def text(
    name: str,
    label: str,
    length: int = 255,
    *,
    kind: str = "string",
    required: bool = False,
    **options: Any,
) -> FieldDef:
    """A string-like field (string, textarea, email, phone, url)."""
    options.setdefault("nillable", not required)
    return FieldDef(name, kind, label, length=length, **options)


def external_id(name: str, label: str, length: int = 40, *, unique: bool = True) -> FieldDef:
    """A custom text field marked External ID, unique (case-insensitive) unless told otherwise."""
    return FieldDef(
        name, "string", label, length=length, external_id=True, unique=unique, custom=True,
        id_lookup=True,
    )  # fmt: skip


def picklist(
    name: str,
    label: str,
    values: tuple[str, ...],
    *,
    restricted: bool = False,
    required: bool = False,
    default: str | None = None,
    **options: Any,
) -> FieldDef:
    """A picklist; `restricted` rejects values outside the list."""
    return FieldDef(
        name, "picklist", label, length=255, picklist=values, restricted_picklist=restricted,
        nillable=not required and default is None, default=default,
        defaulted_on_create=default is not None, **options,
    )  # fmt: skip


def number(
    name: str,
    label: str,
    *,
    kind: str = "double",
    precision: int = 18,
    scale: int = 2,
    required: bool = False,
    **options: Any,
) -> FieldDef:
    """A double, currency, percent or int field."""
    return FieldDef(
        name, kind, label, precision=precision, scale=scale, nillable=not required, **options
    )


def checkbox(name: str, label: str, *, default: bool = False, **options: Any) -> FieldDef:
    """A boolean; never null, defaulted on create."""
    return FieldDef(
        name, "boolean", label, nillable=False, defaulted_on_create=True, default=default,
        **options,
    )  # fmt: skip


def date(name: str, label: str, *, required: bool = False, **options: Any) -> FieldDef:
    """A date field."""
    return FieldDef(name, "date", label, nillable=not required, **options)


def datetime_field(name: str, label: str, **options: Any) -> FieldDef:
    """A datetime field."""
    return FieldDef(name, "datetime", label, **options)


def reference(
    name: str,
    label: str,
    target: str,
    *,
    relationship: str,
    children: str | None = None,
    required: bool = False,
    cascade_delete: bool = False,
    **options: Any,
) -> FieldDef:
    """A lookup to `target`; `children` names the parent's child relationship."""
    options.setdefault("nillable", not required)
    return FieldDef(
        name, "reference", label, length=18, reference_to=(target,), relationship_name=relationship,
        child_relationship=children, cascade_delete=cascade_delete, **options,
    )  # fmt: skip


def read_only(field: FieldDef) -> FieldDef:
    """The same field, computed by the org: neither createable nor updateable."""
    return replace(field, createable=False, updateable=False)


def auto_number(name: str, label: str) -> FieldDef:
    """An auto-number field ("00000123"), assigned on create."""
    return FieldDef(
        name, "string", label, length=30, nillable=False, createable=False, updateable=False,
        defaulted_on_create=True, auto_number=True, id_lookup=True,
    )  # fmt: skip


def system_fields(*, owned: bool) -> tuple[FieldDef, ...]:
    """Id, audit fields and (for owned objects) OwnerId, as every sObject has them."""
    fields = [
        FieldDef(
            "Id",
            "id",
            "Record ID",
            length=18,
            nillable=False,
            createable=False,
            updateable=False,
            defaulted_on_create=True,
            id_lookup=True,
        ),
        FieldDef(
            "IsDeleted",
            "boolean",
            "Deleted",
            nillable=False,
            createable=False,
            updateable=False,
            defaulted_on_create=True,
            default=False,
        ),
    ]
    if owned:
        fields.append(
            reference(
                "OwnerId",
                "Owner ID",
                "User",
                relationship="Owner",
                nillable=False,
                defaulted_on_create=True,
            )
        )
    audit = (
        ("CreatedDate", "Created Date"),
        ("CreatedById", "Created By ID"),
        ("LastModifiedDate", "Last Modified Date"),
        ("LastModifiedById", "Last Modified By ID"),
        ("SystemModstamp", "System Modstamp"),
    )
    for name, label in audit:
        if name.endswith("ById"):
            field = reference(name, label, "User", relationship=name[:-2])
        else:
            field = datetime_field(name, label)
        fields.append(
            replace(
                field, nillable=False, createable=False, updateable=False, defaulted_on_create=True
            )
        )
    return tuple(fields)


def address(prefix: str, label: str) -> tuple[tuple[FieldDef, ...], CompoundDef]:
    """Street/City/State/PostalCode/Country fields and their compound `<prefix>Address`."""
    components = (
        ("Street", "street", 255, "textarea"),
        ("City", "city", 40, "string"),
        ("State", "state", 80, "string"),
        ("PostalCode", "postalCode", 20, "string"),
        ("Country", "country", 80, "string"),
    )
    compound_name = f"{prefix}Address"
    fields = tuple(
        text(f"{prefix}{part}", f"{label} {part}", length, kind=kind, compound=compound_name)
        for part, _, length, kind in components
    )
    compound = CompoundDef(
        name=compound_name,
        type="address",
        label=f"{label} Address",
        components={key: f"{prefix}{part}" for part, key, _, _ in components},
        event_keys={part: f"{prefix}{part}" for part, _, _, _ in components},
    )
    return fields, compound
