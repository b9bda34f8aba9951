"""`make demo`: walk every flow of a running Trivium as its users would, one line per step.

Partners and reps go through the gateway (API key, rep JWT); the Salesforce user and the SAP
user make their edits in their own systems (the emulators' REST and OData APIs); the operator
starts a product sync on customer-sync. Each step says what it did, what came back and how long
it took; the exit status is 0 only when every step did what it says. Run it on `make run`, as
often as you like: a second run finds the demo quote already ordered and says so.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from demo_credentials import (
    kong_config_path,
    load_kong_document,
    mint_rep_token,
    partner_keys,
    rep_credential,
)
from demo_steps import DemoFlows, StepFailed, Targets


@dataclass
class Step:
    number: int
    title: str
    run: Callable[[], str]


@dataclass
class Report:
    out: Callable[[str], None]
    failures: list[str] = field(default_factory=list)

    def run(self, step: Step) -> None:
        started = time.perf_counter()
        try:
            outcome, ok = step.run(), True
        except StepFailed as failure:
            outcome, ok = str(failure), False
        except httpx.HTTPError as error:
            outcome, ok = f"{type(error).__name__}: {error}", False
        took = (time.perf_counter() - started) * 1000
        mark = "ok  " if ok else "FAIL"
        self.out(f"{mark} {step.number:>2}  {step.title:<34} {outcome}  ({took:,.0f} ms)")
        if not ok:
            self.failures.append(step.title)


def steps(flows: DemoFlows) -> list[Step]:
    """The walk, in the order a newcomer would try things."""
    plan = [
        ("partner account", flows.partner_account),
        ("catalog", flows.catalog),
        ("partner order", flows.partner_order),
        ("same order, same key", flows.partner_order_again),
        ("bronze partner's quota", flows.bronze_quota),
        ("rep's accounts", flows.rep_accounts),
        ("customer 360, then 304", flows.customer_360),
        ("quote -> order", flows.quote_to_order),
        ("create customer", flows.create_customer),
        ("same customer again", flows.duplicate_customer),
        ("Salesforce edit -> ERP", flows.salesforce_edit_reaches_erp),
        ("ERP credit change -> Salesforce", flows.erp_credit_reaches_salesforce),
        ("product sync", flows.product_sync),
    ]
    return [Step(index, title, run) for index, (title, run) in enumerate(plan, start=1)]


def targets_from(args: argparse.Namespace) -> Targets:
    document = load_kong_document(args.kong_config)
    keys = {key.plan: key for key in partner_keys(document) if key.plan}
    rep = rep_credential(document)
    return Targets(
        gateway=args.gateway,
        salesforce=args.salesforce,
        erp=args.erp,
        erp_url=args.netsuite if args.erp == "netsuite" else args.s4hana,
        customer_sync=args.customer_sync,
        gold_key=keys["gold"].key,
        bronze_key=keys["bronze"].key,
        rep_token=mint_rep_token(rep, now=time.time()),
        rep_username=rep.salesforce_username,
        wait_seconds=args.wait,
    )


@contextmanager
def opened(targets: Targets) -> Iterator[DemoFlows]:
    flows = DemoFlows.open(targets)
    try:
        yield flows
    finally:
        flows.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env = os.environ.get
    parser.add_argument("--gateway", default=env("DEMO_GATEWAY_URL", "http://127.0.0.1:8000"))
    parser.add_argument("--salesforce", default=env("DEMO_SALESFORCE_URL", "http://127.0.0.1:8401"))
    parser.add_argument("--s4hana", default=env("DEMO_S4HANA_URL", "http://127.0.0.1:8402"))
    parser.add_argument("--netsuite", default=env("DEMO_NETSUITE_URL", "http://127.0.0.1:8403"))
    parser.add_argument(
        "--erp",
        choices=("s4hana", "netsuite"),
        default=env("ERP_SYSTEM_BACKEND", "s4hana"),
        help="the ERP the stack runs on (`make run ERP=...`)",
    )
    parser.add_argument(
        "--customer-sync", default=env("DEMO_CUSTOMER_SYNC_URL", "http://127.0.0.1:8203")
    )
    parser.add_argument("--kong-config", type=Path, default=kong_config_path())
    parser.add_argument(
        "--wait", type=float, default=90.0, help="longest wait for a sync to arrive (seconds)"
    )
    args = parser.parse_args(argv)

    def out(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    report = Report(out)
    out(f"Trivium demo against {args.gateway} (gateway) and the emulators\n")
    with opened(targets_from(args)) as flows:
        all_steps = steps(flows)
        for step in all_steps:
            report.run(step)
    passed = len(all_steps) - len(report.failures)
    out(f"\n{passed} of {len(all_steps)} steps did what they say.")
    if report.failures:
        out("Failed: " + ", ".join(report.failures) + " (see `make run LOG=info` for the logs).")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
