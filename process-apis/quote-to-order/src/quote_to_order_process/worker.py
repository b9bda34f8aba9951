"""The worker pool on its own: `python -m quote_to_order_process.worker`.

Runs the same consumers as the API process (set `QUOTE_TO_ORDER_WORKERS=0` there to leave the
queue to dedicated workers); SIGTERM or SIGINT lets each consumer finish its order and stop.
"""

from __future__ import annotations

from quote_to_order_process.bootstrap import bootstrap
from quote_to_order_process.settings import QuoteToOrderSettings
from trivium.work_queue.runner import worker_main


def main() -> None:
    worker_main(QuoteToOrderSettings, bootstrap)


if __name__ == "__main__":
    main()
