"""The SAP S/4HANA adapter: OData v2 over HTTP, SAP formats in, Trivium resources out."""
