"""This service's models, use cases and problems; no web framework or HTTP client here."""
