"""HTTP routes of the Salesforce System API."""
