"""Creating a customer once per external (CRM) id; matching home pages to a domain."""

from __future__ import annotations

from urllib.parse import urlsplit

from erp_system.adapters.ports import ErpPort, KeyLockPort
from erp_system.domain.errors import CreationInProgress, DuplicateCustomer
from erp_system.domain.models import CustomerCreate, CustomerRead


async def create_customer_once(
    erp: ErpPort, locks: KeyLockPort, customer: CustomerCreate
) -> CustomerRead:
    """Create the customer; 409 naming the existing one when its external id is taken."""
    if customer.external_id is None:
        return await erp.create_customer(customer)
    async with locks.hold(f"customer:{customer.external_id}") as held:
        if not held:
            raise CreationInProgress(
                "Another request is creating a customer with this external id; retry shortly.",
                headers={"Retry-After": "2"},
            )
        existing = await erp.find_customer_by_external_id(customer.external_id)
        if existing is not None:
            raise DuplicateCustomer(
                f"Customer {existing.id} already has the external id {customer.external_id}.",
                existingCustomerId=existing.id,
            )
        return await erp.create_customer(customer)


def website_on_domain(url: str | None, domain: str) -> bool:
    """True when the URL's host is `domain` or one of its subdomains (case-insensitive)."""
    if not url:
        return False
    host = (urlsplit(url if "//" in url else f"//{url}").hostname or "").rstrip(".")
    domain = domain.lower().rstrip(".")
    return host == domain or host.endswith(f".{domain}")
