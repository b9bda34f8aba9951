"""Trivium's customer-sync Process API: Salesforce and the ERP kept consistent by change events,
delta polls and batch syncs under field ownership rules."""
