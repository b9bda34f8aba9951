"""The partner-facing resources, the use cases that shape them, and their problems."""
