"""The ports this API calls through, their HTTP and Redis implementations, and fakes."""
