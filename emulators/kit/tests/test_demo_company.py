"""The demo company's facts, which the three emulators' seeds rely on."""

from __future__ import annotations

from decimal import Decimal

from emulator_kit import demo_company as demo


class TestCustomer:
    def test_partners_come_first_with_their_account_numbers(self) -> None:
        assert [demo.customer(index).account_number for index in (1, 2, 3, 4)] == [
            "P-1001",
            "P-1002",
            "P-1003",
            "",
        ]

    def test_generated_names_are_unique(self) -> None:
        names = [demo.customer(index).name for index in range(1, demo.CUSTOMER_COUNT + 1)]
        assert len(set(names)) == demo.CUSTOMER_COUNT


class TestStock:
    def test_every_tenth_material_is_out_of_stock(self) -> None:
        assert [demo.stock_of(index) for index in (9, 19, 29, 39)] == [Decimal(0)] * 4

    def test_every_tenth_from_the_fifth_is_low(self) -> None:
        assert all(demo.stock_of(index) < 10 for index in (4, 14, 24, 34))


def test_history_orders_known_customers_and_materials() -> None:
    for customer, _, lines, _, _ in demo.HISTORY:
        assert 1 <= customer <= demo.CUSTOMER_COUNT
        assert all(0 <= material < len(demo.MATERIALS) for material, _ in lines)
