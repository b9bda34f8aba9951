"""Trivium's mobile field-sales Experience API: compact account lists, the customer 360 view and
order entry for sales reps."""
