"""The metrics listener of processes without an HTTP API (workers), scraped as Prometheus does."""

from __future__ import annotations

import httpx
import pytest

from trivium.metrics import QUEUE_MESSAGES, metrics_listener
from trivium.redis_discovery import free_port


class TestMetricsListener:
    def test_it_serves_the_processs_metrics_while_the_block_runs(self) -> None:
        QUEUE_MESSAGES.labels(stream="{ledger}:work", outcome="acked").inc()
        port = free_port()
        with metrics_listener(host="127.0.0.1", port=port) as listening:
            assert listening == port
            scraped = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)
        assert scraped.status_code == 200
        assert scraped.headers["content-type"].startswith("text/plain")
        assert 'trivium_queue_messages_total{outcome="acked",stream="{ledger}:work"}' in (
            scraped.text
        )
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10)

    def test_port_zero_serves_nothing(self) -> None:
        with metrics_listener(host="127.0.0.1", port=0) as listening:
            assert listening is None
