"""The worker pool on its own: `python -m create_customer_process.worker`.

Runs the same consumers as the API process (set `CREATE_CUSTOMER_WORKERS=0` there to leave the
queue to dedicated workers); SIGTERM or SIGINT lets each consumer finish its request and stop.
"""

from __future__ import annotations

from create_customer_process.bootstrap import bootstrap
from create_customer_process.settings import CreateCustomerSettings
from trivium.work_queue.runner import worker_main


def main() -> None:
    worker_main(CreateCustomerSettings, bootstrap)


if __name__ == "__main__":
    main()
