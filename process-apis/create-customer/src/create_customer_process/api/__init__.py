"""HTTP routes of the create-customer Process API."""
