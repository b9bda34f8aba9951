"""The `q` filter of record collections, parsed with a grammar and compiled to SQL."""
