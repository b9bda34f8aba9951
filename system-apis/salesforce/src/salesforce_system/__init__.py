"""Trivium's Salesforce System API: CRM data as clean resources, few API calls spent."""
