"""A local SAP S/4HANA that speaks its public OData v2 APIs, backed by SQLite."""
