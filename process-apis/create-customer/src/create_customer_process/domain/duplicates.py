"""Duplicate detection in both systems, and the choice of records to link to.

The System APIs are asked broadly (a word of the name within the postal code, the domain
anywhere in the website, the VAT id) and every candidate is then compared here, exactly, on the
normalized keys: name and postal code, website domain, VAT id. The CRM keeps no VAT id, so that
criterion is checked in the ERP only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from create_customer_process.adapters.ports import CrmAccount, CrmPort, ErpCustomer, ErpPort
from create_customer_process.domain.errors import AmbiguousDuplicate
from create_customer_process.domain.models import DuplicateRead, NormalizedCustomer
from create_customer_process.domain.normalization import (
    name_key,
    normalize_vat_id,
    postal_code_key,
    search_word,
    website_domain,
)

NAME_AND_POSTAL_CODE = "nameAndPostalCode"
WEBSITE_DOMAIN = "websiteDomain"
VAT_ID = "vatId"
SALESFORCE = "salesforce"
ERP = "erp"
MAX_SEARCH_WORD = 40  # the ERP System API's name filter

RowT = TypeVar("RowT")


@dataclass(frozen=True, slots=True)
class Duplicates:
    """The records of each system the customer matches, with the criteria each matched on."""

    accounts: list[tuple[CrmAccount, list[str]]] = field(default_factory=list)
    customers: list[tuple[ErpCustomer, list[str]]] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.accounts or self.customers)

    def reads(self) -> list[DuplicateRead]:
        """The matches as the 409 problem lists them."""
        return [
            DuplicateRead(
                system=SALESFORCE,
                id=account.id,
                name=account.name,
                matched_on=criteria,
                linked_id=account.erp_customer_number,
            )
            for account, criteria in self.accounts
        ] + [
            DuplicateRead(
                system=ERP,
                id=customer.id,
                name=customer.name,
                matched_on=criteria,
                linked_id=customer.external_id,
            )
            for customer, criteria in self.customers
        ]


def claim_keys(customer: NormalizedCustomer) -> list[str]:
    """What two requests for the same customer have in common, to reserve while one runs."""
    address = customer.address
    keys = [f"name:{address.country}:{address.postal_code}:{customer.name_key}"]
    if customer.website_domain:
        keys.append(f"domain:{customer.website_domain}")
    if customer.vat_id:
        keys.append(f"vat:{customer.vat_id}")
    return keys


def _criteria(
    customer: NormalizedCustomer,
    *,
    name: str,
    postal_code: str | None,
    website: str | None,
    vat_id: str | None = None,
) -> list[str]:
    matched = []
    postal = postal_code_key(postal_code) if postal_code else None
    if postal == customer.address.postal_code and name_key(name) == customer.name_key:
        matched.append(NAME_AND_POSTAL_CODE)
    if customer.website_domain and website and website_domain(website) == customer.website_domain:
        matched.append(WEBSITE_DOMAIN)
    if customer.vat_id and vat_id and normalize_vat_id(vat_id) == customer.vat_id:
        matched.append(VAT_ID)
    return matched


def account_criteria(customer: NormalizedCustomer, account: CrmAccount) -> list[str]:
    """The criteria on which the account is the customer (empty: it is not)."""
    address = account.billing_address
    return _criteria(
        customer,
        name=account.name,
        postal_code=address.postal_code if address else None,
        website=account.website,
    )


def customer_criteria(customer: NormalizedCustomer, candidate: ErpCustomer) -> list[str]:
    """The criteria on which the ERP customer is the customer (empty: it is not)."""
    address = candidate.address
    return _criteria(
        customer,
        name=candidate.name,
        postal_code=address.postal_code if address else None,
        website=candidate.website,
        vat_id=candidate.vat_id,
    )


async def find_duplicates(crm: CrmPort, erp: ErpPort, customer: NormalizedCustomer) -> Duplicates:
    """Ask both systems at once for candidates and keep those that really match."""
    word = search_word(customer.name)[:MAX_SEARCH_WORD]
    postal = customer.address.postal_code
    domain = customer.website_domain
    crm_searches: list[Awaitable[list[CrmAccount]]] = [
        crm.search_accounts(name=word, postal_code=postal)
    ]
    erp_searches: list[Awaitable[list[ErpCustomer]]] = [
        erp.search_customers(name=word, postal_code=postal)
    ]
    if domain:
        crm_searches.append(crm.search_accounts(website_domain=domain))
        erp_searches.append(erp.search_customers(website_domain=domain))
    if customer.vat_id:
        erp_searches.append(erp.search_customers(vat_id=customer.vat_id))
    crm_found, erp_found = await asyncio.gather(
        _all(crm_searches, key=lambda a: a.id), _all(erp_searches, key=lambda c: c.id)
    )
    accounts = [(a, m) for a in crm_found if (m := account_criteria(customer, a))]
    customers = [(c, m) for c in erp_found if (m := customer_criteria(customer, c))]
    return Duplicates(accounts=accounts, customers=customers)


async def _all(
    searches: Sequence[Awaitable[list[RowT]]], *, key: Callable[[RowT], str]
) -> list[RowT]:
    seen: dict[str, RowT] = {}
    for rows in await asyncio.gather(*searches):
        for row in rows:
            seen.setdefault(key(row), row)
    return list(seen.values())


@dataclass(frozen=True, slots=True)
class Links:
    """The existing records a new customer is linked to instead of created (None: create)."""

    account: CrmAccount | None = None
    customer: ErpCustomer | None = None


async def choose_links(crm: CrmPort, erp: ErpPort, duplicates: Duplicates) -> Links:
    """The one account and one ERP customer to link to, following each one's link to the other
    system; AmbiguousDuplicate when there is more than one, or they are linked elsewhere."""
    if len(duplicates.accounts) > 1 or len(duplicates.customers) > 1:
        raise AmbiguousDuplicate(
            "The customer matches more than one record in a system; link it by hand.",
            duplicates=_dumped(duplicates),
        )
    account = duplicates.accounts[0][0] if duplicates.accounts else None
    customer = duplicates.customers[0][0] if duplicates.customers else None
    if account is not None and customer is None and account.erp_customer_number:
        customer = await erp.get_customer(account.erp_customer_number)
    if customer is not None and account is None and customer.external_id:
        account = await crm.get_account(customer.external_id)
    if (
        account is not None
        and customer is not None
        and (
            account.erp_customer_number not in (None, customer.id)
            or customer.external_id not in (None, account.id)
        )
    ):
        raise AmbiguousDuplicate(
            f"Account {account.id} and ERP customer {customer.id} both match, but one of them "
            "is linked to another record.",
            duplicates=_dumped(duplicates),
        )
    return Links(account=account, customer=customer)


def _dumped(duplicates: Duplicates) -> list[dict[str, object]]:
    return [read.model_dump(mode="json") for read in duplicates.reads()]
