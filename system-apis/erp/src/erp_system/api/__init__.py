"""HTTP routes: parse, call one domain function or port method, return a schema."""
