"""The org itself: schema, records, validation, limits, events and jobs (no web framework here)."""
