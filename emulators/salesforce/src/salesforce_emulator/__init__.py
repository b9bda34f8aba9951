"""A local Salesforce org that speaks the REST API wire protocol, backed by SQLite."""
