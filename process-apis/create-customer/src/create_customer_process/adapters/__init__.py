"""Ports and the adapters behind them: the two System APIs, Redis, the work queue."""
