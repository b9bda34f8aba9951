"""Trivium's shared library: the cross-cutting plumbing every Trivium service uses."""
