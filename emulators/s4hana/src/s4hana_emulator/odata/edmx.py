"""`$metadata` (EDMX 1.0 / OData v2 with SAP annotations) and the service document."""

from __future__ import annotations

from functools import cache
from xml.sax.saxutils import quoteattr

from s4hana_emulator.odata.model import EntitySet, Navigation, Property, ServiceModel

EDMX_NS = "http://schemas.microsoft.com/ado/2007/06/edmx"
METADATA_NS = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
SAP_NS = "http://www.sap.com/Protocols/SAPData"
EDM_NS = "http://schemas.microsoft.com/ado/2008/09/edm"


def _attrs(**values: str | int | None) -> str:
    parts = []
    for name, value in values.items():
        if value is None:
            continue
        attribute = name.replace("__", ":").replace("_", "-") if "__" in name else name
        parts.append(f" {attribute}={quoteattr(str(value))}")
    return "".join(parts)


def association_name(entity_set: EntitySet, nav: Navigation) -> str:
    return f"assoc_{entity_set.name}_{nav.name}"


def _property(prop: Property) -> str:
    display = "UpperCase" if prop.upper else None
    precision = prop.precision
    if prop.type == "DateTime":
        display, precision = "Date", 0
    return (
        "<Property"
        + _attrs(
            Name=prop.name,
            Type=prop.edm_type,
            Nullable=None if prop.nullable else "false",
            MaxLength=prop.max_length,
            Precision=precision,
            Scale=prop.scale,
            ConcurrencyMode="Fixed" if prop.concurrency else None,
            sap__unicode="false" if prop.type == "String" and prop.upper and prop.key else None,
            sap__display_format=display,
            sap__label=prop.label,
            sap__unit=prop.unit,
            sap__semantics=prop.semantics,
            sap__creatable=None if prop.creatable else "false",
            sap__updatable=None if prop.updatable else "false",
            sap__filterable=None if prop.filterable else "false",
        )
        + "/>"
    )


def _entity_type(model: ServiceModel, entity_set: EntitySet) -> str:
    keys = "".join(f"<PropertyRef{_attrs(Name=prop.name)}/>" for prop in entity_set.keys)
    properties = "".join(_property(prop) for prop in entity_set.properties)
    navigations = "".join(
        "<NavigationProperty"
        + _attrs(
            Name=nav.name,
            Relationship=f"{model.namespace}.{association_name(entity_set, nav)}",
            FromRole=f"FromRole_{association_name(entity_set, nav)}",
            ToRole=f"ToRole_{association_name(entity_set, nav)}",
        )
        + "/>"
        for nav in entity_set.navigations
    )
    head = _attrs(Name=entity_set.type_name, sap__label=entity_set.label, sap__content_version="1")
    return f"<EntityType{head}><Key>{keys}</Key>{properties}{navigations}</EntityType>"


def _associations(model: ServiceModel) -> tuple[str, str]:
    """The Association elements and the AssociationSet elements of every navigation."""
    associations, association_sets = [], []
    for entity_set in model.entity_sets:
        for nav in entity_set.navigations:
            name = association_name(entity_set, nav)
            target = model.get_entity_set(nav.target)
            assert target is not None
            multiplicity = nav.multiplicity
            source_end = _attrs(
                Type=model.qualified_type(entity_set), Multiplicity="1", Role=f"FromRole_{name}"
            )
            target_end = _attrs(
                Type=model.qualified_type(target), Multiplicity=multiplicity, Role=f"ToRole_{name}"
            )
            associations.append(
                f"<Association{_attrs(Name=name, sap__content_version='1')}>"
                f"<End{source_end}/><End{target_end}/></Association>"
            )
            flags = _attrs(
                Name=name,
                Association=f"{model.namespace}.{name}",
                sap__creatable="false",
                sap__updatable="false",
                sap__deletable="false",
                sap__content_version="1",
            )
            association_sets.append(
                f"<AssociationSet{flags}>"
                f"<End{_attrs(EntitySet=entity_set.name, Role=f'FromRole_{name}')}/>"
                f"<End{_attrs(EntitySet=target.name, Role=f'ToRole_{name}')}/>"
                "</AssociationSet>"
            )
    return "".join(associations), "".join(association_sets)


def _entity_set(model: ServiceModel, entity_set: EntitySet) -> str:
    return (
        "<EntitySet"
        + _attrs(
            Name=entity_set.name,
            EntityType=model.qualified_type(entity_set),
            sap__creatable=None if entity_set.creatable else "false",
            sap__updatable=None if entity_set.updatable else "false",
            sap__deletable=None if entity_set.deletable else "false",
            sap__content_version="1",
        )
        + "/>"
    )


@cache
def render_metadata(model: ServiceModel) -> bytes:
    """The service's `$metadata` document."""
    types = "".join(_entity_type(model, entity_set) for entity_set in model.entity_sets)
    associations, association_sets = _associations(model)
    sets = "".join(_entity_set(model, entity_set) for entity_set in model.entity_sets)
    container = _attrs(
        Name=f"{model.namespace}_Entities",
        m__IsDefaultEntityContainer="true",
        sap__message_scope_supported="true",
        sap__supported_formats="atom json xlsx",
    )
    document = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<edmx:Edmx Version="1.0" xmlns:edmx="{EDMX_NS}" xmlns:m="{METADATA_NS}"'
        f' xmlns:sap="{SAP_NS}">'
        '<edmx:DataServices m:DataServiceVersion="2.0">'
        f'<Schema Namespace="{model.namespace}" xml:lang="en" sap:schema-version="1"'
        f' xmlns="{EDM_NS}">'
        f"{types}{associations}"
        f"<EntityContainer{container}>{sets}{association_sets}</EntityContainer>"
        "</Schema></edmx:DataServices></edmx:Edmx>"
    )
    return document.encode()


def service_document_json(model: ServiceModel) -> dict[str, object]:
    return {"d": {"EntitySets": [entity_set.name for entity_set in model.entity_sets]}}


def service_document_xml(model: ServiceModel, base_url: str) -> bytes:
    collections = "".join(
        f'<app:collection href="{entity_set.name}"><atom:title>{entity_set.name}</atom:title>'
        "</app:collection>"
        for entity_set in model.entity_sets
    )
    document = (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<app:service xml:lang="en" xml:base={quoteattr(base_url)}'
        ' xmlns:app="http://www.w3.org/2007/app" xmlns:atom="http://www.w3.org/2005/Atom"'
        f' xmlns:sap="{SAP_NS}">'
        f"<app:workspace><atom:title>Data</atom:title>{collections}</app:workspace>"
        "</app:service>"
    )
    return document.encode()
