"""The flow's rules: field ownership, what to apply where, product syncs."""
