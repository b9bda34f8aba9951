"""`trivium order ID`: one order across the systems it went through."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from trivium_cli.client import OperatorClient, segment
from trivium_cli.commands.dead_letters import QueueOwner, list_letters
from trivium_cli.commands.parked import CUSTOMER_SYNC
from trivium_cli.context import operate
from trivium_cli.output import JsonOutput

# The saga's steps on the way to a completed order (quote-to-order's `SagaStep`); `rejected`
# and `needs_attention` end it elsewhere.
SAGA_STEPS = ("received", "identified", "checked", "erp_created", "crm_created", "completed")


def step_line(step: str) -> str:
    """The saga's steps, the reached ones marked: `[x] received  [x] identified  [ ] ...`."""
    reached = SAGA_STEPS.index(step) if step in SAGA_STEPS else -1
    marks = [f"[{'x' if i <= reached else ' '}] {name}" for i, name in enumerate(SAGA_STEPS)]
    ending = "" if step in SAGA_STEPS else f"  -> {step}"
    return "  ".join(marks) + ending


def problem_text(problem: dict[str, Any] | None) -> str | None:
    if not problem:
        return None
    detail = f": {problem['detail']}" if problem.get("detail") else ""
    return f"{problem['status']} {problem['title']}{detail}"


def render_order(view: dict[str, Any]) -> list[str]:
    order = view["order"]
    total = order.get("total")
    omitted = order.get("crmOmittedFields")
    omitted = f" (written without {', '.join(omitted)})" if omitted else ""
    lines = [
        f"order           {order['orderId']} ({order['source']}), {order['status']}",
        f"saga            {step_line(order['step'])}",
        f"account         {order.get('accountNumber')} (CRM {order.get('accountId')}, "
        f"ERP customer {order.get('erpCustomerNumber')})",
        f"quote / PO      {order.get('quoteId')} / {order.get('purchaseOrderNumber')}",
        f"total           {total['amount'] + ' ' + total['currency'] if total else None}",
        f"ERP order       {order.get('erpOrderNumber')}: delivery "
        f"{order.get('deliveryStatus')}, billing {order.get('billingStatus')}",
        f"CRM order       {order.get('crmOrderId')}{omitted}",
        f"attempts        {order['attempts']}, next at {order.get('nextAttemptAt')}",
        f"updated         {order['updatedAt']} (created {order['createdAt']})",
    ]
    for label, problem in (
        ("last error", order.get("lastError")),
        ("failure", order.get("failure")),
    ):
        if problem:
            lines.append(f"{label:<16}{problem_text(problem)}")
    attention = order.get("attention")
    if attention:
        lines.append(
            f"needs attention {attention['detail']} (actions: {', '.join(attention['actions'])})"
        )
    for letter in view["deadLetters"]:
        lines.append(
            f"dead letter     {letter['id']} since {letter['deadLetteredAt']}: "
            f"{letter['errorType']}: {letter['errorMessage']} "
            f"(trivium dead-letters replay quote-to-order {letter['id']})"
        )
    parked = view["parked"]
    if parked:
        lines.append(
            f"parked          {parked['id']} in customer-sync: {parked['error']['reason']}: "
            f"{parked['error']['detail']} (trivium parked retry {parked['id']})"
        )
    return lines


def parked_id_of(order: dict[str, Any]) -> str | None:
    """The id customer-sync parks the order's ERP status change under, once it has one."""
    number = order.get("erpOrderNumber")
    return f"erp-order:{number}" if number else None


def order_view(client: OperatorClient, order_id: str) -> dict[str, Any]:
    """The order as quote-to-order keeps it, its dead letters, and customer-sync's parked
    status change of its ERP order."""
    order = client.get(QueueOwner.QUOTE_TO_ORDER.value, f"/orders/{segment(order_id)}")
    letters = [
        letter
        for letter in list_letters(client, QueueOwner.QUOTE_TO_ORDER)
        if letter.get("orderId") == order_id
    ]
    parked_id = parked_id_of(order)
    parked = client.find(CUSTOMER_SYNC, f"/parked/{segment(parked_id)}") if parked_id else None
    return {"order": order, "deadLetters": letters, "parked": parked}


def order(
    ctx: typer.Context,
    order_id: Annotated[str, typer.Argument(help="The order's id (as quote-to-order names it).")],
    as_json: JsonOutput = False,
) -> None:
    """One order across systems: the saga's state and steps, the ERP order with its delivery
    and billing status, the CRM order, and any dead letter or parked change that concerns it."""
    operate(ctx, lambda client: order_view(client, order_id), as_json=as_json, render=render_order)
