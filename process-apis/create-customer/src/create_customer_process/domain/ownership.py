"""What a sales rep may see of the records a new customer matches.

A rep sees the CRM accounts they own, and the ERP customers linked to one of those; nothing
else, not even its id: a duplicate check must not become a way to look up other reps' customers
(their account ids and ERP customer numbers) from a website or a name and postal code. Such a
match still stops the request (the customer exists), with a 409 that names none of it and says
how to get access, and `onDuplicate=link` does not link to it. Ownership is the CRM's.
"""

from __future__ import annotations

from create_customer_process.adapters.ports import CrmAccount, CrmPort, ErpCustomer
from create_customer_process.domain.duplicates import Duplicates
from create_customer_process.domain.errors import DuplicateOfAnotherOwner

ACCESS_HINT = (
    "A customer with these details already exists and is not one of yours. Ask its owner or "
    "your sales operations team to give you access to it (or to reassign it to you) instead of "
    "creating it again."
)


def same_user(username: str | None, other: str | None) -> bool:
    """True when both name the same CRM user (usernames compare without case)."""
    return username is not None and other is not None and username.casefold() == other.casefold()


async def visible_to_rep(
    crm: CrmPort, duplicates: Duplicates, *, rep: str
) -> tuple[Duplicates, bool]:
    """The matches the rep may see, and whether any other record matched. An ERP customer
    linked to an account that did not match itself costs one account read."""
    accounts = [(a, m) for a, m in duplicates.accounts if same_user(a.owner_username, rep)]
    owned = {account.id for account, _ in accounts}
    matched = {account.id for account, _ in duplicates.accounts}
    customers: list[tuple[ErpCustomer, list[str]]] = []
    for customer, criteria in duplicates.customers:
        linked = customer.external_id
        if linked in owned or (
            linked is not None
            and linked not in matched
            and owned_by(await crm.get_account(linked), rep)
        ):
            customers.append((customer, criteria))
    visible = Duplicates(accounts=accounts, customers=customers)
    hidden = len(accounts) + len(customers) < len(duplicates.accounts) + len(duplicates.customers)
    return visible, hidden


def owned_by(account: CrmAccount | None, rep: str) -> bool:
    """True when the account exists and the rep owns it."""
    return account is not None and same_user(account.owner_username, rep)


def not_yours(visible: Duplicates) -> DuplicateOfAnotherOwner:
    """The 409 for a customer that exists as records of others: only the rep's own are named."""
    reads = visible.reads()
    return DuplicateOfAnotherOwner(
        ACCESS_HINT,
        duplicates=[read.model_dump(mode="json") for read in reads],
        accountIds=[account.id for account, _ in visible.accounts],
        erpCustomerNumbers=[customer.id for customer, _ in visible.customers],
    )
