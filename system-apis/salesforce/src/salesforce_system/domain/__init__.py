"""CRM resources, use cases and problems, free of any Salesforce vocabulary."""
