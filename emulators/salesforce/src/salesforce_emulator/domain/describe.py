"""Describe metadata: what `/sobjects` and `/sobjects/{type}/describe` report."""

from __future__ import annotations

from typing import Any

from salesforce_emulator.domain.schema import ID_TYPES, REAL_TYPES, CompoundDef, FieldDef, ObjectDef

FILTERABLE_EXCLUDED = frozenset({"textarea"})


def object_urls(base: str, obj: ObjectDef) -> dict[str, str]:
    sobject = f"{base}/sobjects/{obj.name}"
    return {
        "compactLayouts": f"{sobject}/describe/compactLayouts",
        "rowTemplate": f"{sobject}/{{ID}}",
        "approvalLayouts": f"{sobject}/describe/approvalLayouts",
        "defaultValues": f"{sobject}/defaultValues?recordTypeId&fields",
        "listviews": f"{sobject}/listviews",
        "describe": f"{sobject}/describe",
        "quickActions": f"{sobject}/quickActions",
        "layouts": f"{sobject}/describe/layouts",
        "sobject": sobject,
    }


def object_summary(base: str, obj: ObjectDef) -> dict[str, Any]:
    """One entry of describe global (also `objectDescribe` of the basic info resource)."""
    return {
        "activateable": False,
        "associateEntityType": None,
        "associateParentEntity": None,
        "createable": obj.createable,
        "custom": obj.custom,
        "customSetting": False,
        "deepCloneable": False,
        "deletable": obj.deletable,
        "deprecatedAndHidden": False,
        "feedEnabled": False,
        "hasSubtypes": False,
        "isInterface": False,
        "isSubtype": False,
        "keyPrefix": obj.key_prefix,
        "label": obj.label,
        "labelPlural": obj.label_plural,
        "layoutable": True,
        "mergeable": obj.name in ("Account", "Contact"),
        "mruEnabled": True,
        "name": obj.name,
        "queryable": True,
        "replicateable": True,
        "retrieveable": True,
        "searchable": True,
        "triggerable": True,
        "undeletable": obj.deletable,
        "updateable": obj.updateable,
        "urls": object_urls(base, obj),
    }


def _picklist_values(item: FieldDef) -> list[dict[str, Any]]:
    return [
        {
            "active": True,
            "defaultValue": value == item.default,
            "label": value,
            "validFor": None,
            "value": value,
        }
        for value in item.picklist
    ]


def _byte_length(item: FieldDef) -> int:
    if item.type in ID_TYPES:
        return 18
    return item.length * 3 if item.length else 0


def field_describe(item: FieldDef) -> dict[str, Any]:
    """One entry of `fields` in an object's describe."""
    numeric = item.type in REAL_TYPES
    return {
        "aggregatable": item.type not in ("textarea", "boolean"),
        "autoNumber": item.auto_number,
        "byteLength": _byte_length(item),
        "calculated": item.calculated,
        "calculatedFormula": None,
        "cascadeDelete": False,
        "caseSensitive": item.case_sensitive,
        "compoundFieldName": item.compound,
        "controllerName": None,
        "createable": item.createable,
        "custom": item.custom,
        "defaultValue": item.default if item.type != "boolean" else bool(item.default),
        "defaultValueFormula": None,
        "defaultedOnCreate": item.defaulted_on_create,
        "dependentPicklist": False,
        "deprecatedAndHidden": False,
        "digits": item.precision if item.type == "int" else 0,
        "externalId": item.external_id,
        "filterable": item.type not in FILTERABLE_EXCLUDED,
        "groupable": item.type not in ("textarea", "double", "currency", "percent", "datetime"),
        "htmlFormatted": False,
        "idLookup": item.id_lookup,
        "inlineHelpText": None,
        "label": item.label,
        "length": item.length
        if item.type not in ("boolean", "int", "date", "datetime") and not numeric
        else 0,
        "name": item.name,
        "nameField": item.name_field,
        "namePointing": False,
        "nillable": item.nillable,
        "permissionable": item.nillable and item.createable,
        "picklistValues": _picklist_values(item),
        "polymorphicForeignKey": False,
        "precision": item.precision if numeric else 0,
        "referenceTargetField": None,
        "referenceTo": list(item.reference_to),
        "relationshipName": item.relationship_name,
        "relationshipOrder": None,
        "restrictedDelete": False,
        "restrictedPicklist": item.restricted_picklist,
        "scale": item.scale if numeric else 0,
        "soapType": item.soap_type,
        "sortable": item.type != "textarea",
        "type": item.type,
        "unique": item.unique,
        "updateable": item.updateable,
        "writeRequiresMasterRead": False,
    }


def compound_describe(compound: CompoundDef) -> dict[str, Any]:
    """The read-only compound field (`BillingAddress`) as describe lists it."""
    item = FieldDef(
        compound.name, compound.type, compound.label, createable=False, updateable=False
    )
    body = field_describe(item)
    body.update(filterable=False, groupable=False, sortable=False, aggregatable=False)
    return body


def describe_object(base: str, obj: ObjectDef) -> dict[str, Any]:
    """The full describe of one sObject."""
    fields = []
    for item in obj.fields:
        fields.append(field_describe(item))
        compound = obj.compound_of(item.compound) if item.compound else None
        last = compound is not None and list(compound.components.values())[-1] == item.name
        if compound is not None and compound.type == "address" and last:
            fields.append(compound_describe(compound))
    body = object_summary(base, obj)
    body.update(
        actionOverrides=[],
        childRelationships=[
            {
                "cascadeDelete": relation.cascade_delete,
                "childSObject": relation.child_object,
                "deprecatedAndHidden": False,
                "field": relation.field,
                "junctionIdListNames": [],
                "junctionReferenceTo": [],
                "relationshipName": relation.name,
                "restrictedDelete": False,
            }
            for relation in obj.child_relationships
        ],
        compactLayoutable=True,
        fields=fields,
        listviewable=None,
        lookupLayoutable=None,
        namedLayoutInfos=[],
        networkScopeFieldName=None,
        recordTypeInfos=[],
        searchLayoutable=True,
        supportedScopes=[{"label": "All", "name": "everything"}],
    )
    return dict(sorted(body.items()))


def describe_global(base: str, objects: list[ObjectDef]) -> dict[str, Any]:
    """GET /sobjects."""
    return {
        "encoding": "UTF-8",
        "maxBatchSize": 200,
        "sobjects": [object_summary(base, obj) for obj in sorted(objects, key=lambda o: o.name)],
    }
