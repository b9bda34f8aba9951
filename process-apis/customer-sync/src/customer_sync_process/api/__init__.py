"""The routes: status, syncs, controls."""
