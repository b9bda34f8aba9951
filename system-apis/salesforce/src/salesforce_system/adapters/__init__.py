"""Ports and the adapters behind them."""
