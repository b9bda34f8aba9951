"""The create-customer flow: normalization, duplicate rules, the saga and its problems."""
