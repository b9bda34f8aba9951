"""Test support for Trivium services: a private Redis and real service processes on loopback."""
