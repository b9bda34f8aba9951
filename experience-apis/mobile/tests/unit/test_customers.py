"""The order desk over fakes: a duplicate customer names only the rep's own records."""

from __future__ import annotations

from typing import Any

import pytest

from mobile_experience.adapters.fake import FakeCrm, FakeCustomers
from mobile_experience.domain.errors import DuplicateCustomer
from mobile_experience.domain.models import CustomerCreate, Rep
from mobile_experience.domain.orders import OrderDesk

pytestmark = pytest.mark.asyncio

ANNA = Rep(username="anna.becker@trivium.demo")
ANNAS = "001000000000001AAA"  # the unit conftest's accounts: Anna's partner
LUKAS_S = "001000000000003AAA"  # and Lukas's partner


def customer() -> CustomerCreate:
    return CustomerCreate.model_validate(
        {
            "name": "Contoso GmbH",
            "address": {
                "street": "Leopoldstraße",
                "postalCode": "80802",
                "city": "München",
                "country": "DE",
            },
        }
    )


def duplicate(*, accounts: list[str], erp: list[tuple[str, str | None]]) -> DuplicateCustomer:
    records: list[dict[str, Any]] = [
        {"system": "salesforce", "id": account, "name": "Contoso", "matchedOn": ["websiteDomain"]}
        for account in accounts
    ] + [
        {"system": "erp", "id": number, "name": "Contoso", "linkedId": linked, "matchedOn": []}
        for number, linked in erp
    ]
    return DuplicateCustomer(
        "The customer exists already.",
        reason="duplicate-customer",
        accountIds=accounts,
        erpCustomerNumbers=[number for number, _ in erp],
        duplicates=records,
    )


async def refusal(desk: OrderDesk, customers: FakeCustomers, answer: DuplicateCustomer) -> Any:
    customers.duplicate = answer
    with pytest.raises(DuplicateCustomer) as refused:
        await desk.create_customer(ANNA, customer(), idempotency_key="k-1", on_duplicate=None)
    return refused.value


@pytest.fixture
def customers() -> FakeCustomers:
    return FakeCustomers()


@pytest.fixture
def customer_desk(desk: OrderDesk, customers: FakeCustomers) -> OrderDesk:
    desk.customers = customers
    return desk


class TestDuplicateCustomer:
    async def test_the_reps_own_records_are_passed_on(
        self, customer_desk: OrderDesk, customers: FakeCustomers
    ) -> None:
        answer = duplicate(accounts=[ANNAS], erp=[("1000001", ANNAS)])
        assert await refusal(customer_desk, customers, answer) is answer

    async def test_another_reps_account_is_not_named(
        self, customer_desk: OrderDesk, customers: FakeCustomers
    ) -> None:
        refused = await refusal(
            customer_desk, customers, duplicate(accounts=[ANNAS, LUKAS_S], erp=[])
        )
        assert refused.extensions["reason"] == "duplicate-customer-of-another-owner"
        assert refused.extensions["accountIds"] == refused.extensions["duplicates"] == []
        assert LUKAS_S not in repr((refused.detail, refused.extensions))

    async def test_an_erp_customer_without_the_reps_account_is_not_named(
        self, customer_desk: OrderDesk, customers: FakeCustomers
    ) -> None:
        for erp in ([("1000009", None)], [("1000003", LUKAS_S)]):
            refused = await refusal(customer_desk, customers, duplicate(accounts=[], erp=erp))
            assert refused.extensions["erpCustomerNumbers"] == []
            assert erp[0][0] not in repr((refused.detail, refused.extensions))

    async def test_with_the_crm_down_nothing_is_named(
        self, customer_desk: OrderDesk, customers: FakeCustomers, crm: FakeCrm
    ) -> None:
        crm.down = True
        refused = await refusal(customer_desk, customers, duplicate(accounts=[ANNAS], erp=[]))
        assert refused.extensions["accountIds"] == []
