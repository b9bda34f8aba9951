"""Routers of the /partner/v1 API and of the web page."""
