"""Ports and the adapters behind them: the two System APIs and Redis."""
