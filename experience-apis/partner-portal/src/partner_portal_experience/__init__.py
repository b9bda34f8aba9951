"""Trivium's partner-portal Experience API and web page: a partner's account, catalog and
orders, scoped to that partner."""
