"""The account's business rules: prices, credit exposure and the sales order status."""

from __future__ import annotations

from decimal import Decimal

from netsuite_emulator.domain.business import (
    LineProgress,
    available,
    credit_exposure,
    exceeds_credit_limit,
    sales_order_status,
    unbilled_amount,
    unit_price,
)

D = Decimal


class TestUnitPrice:
    def test_customer_price_wins(self) -> None:
        assert unit_price(base_price=D("45.00"), customer_price=D("40.50")) == D("40.50")

    def test_base_price(self) -> None:
        assert unit_price(base_price=D("45.00"), customer_price=None) == D("45.00")

    def test_no_price(self) -> None:
        assert unit_price(base_price=None, customer_price=None) == 0


class TestCredit:
    def test_exposure_is_balance_and_unbilled_orders(self) -> None:
        assert credit_exposure(balance=D(100), unbilled_orders=D(250)) == D(350)

    def test_within_limit(self) -> None:
        assert not exceeds_credit_limit(credit_limit=D(1000), exposure=D(600), order_total=D(400))

    def test_over_limit(self) -> None:
        assert exceeds_credit_limit(credit_limit=D(1000), exposure=D(600), order_total=D("400.01"))

    def test_no_limit(self) -> None:
        assert not exceeds_credit_limit(credit_limit=None, exposure=D(10**9), order_total=D(1))

    def test_unbilled_amount(self) -> None:
        lines = [(D(4), D(0), D("10.25")), (D(3), D(1), D(2))]
        assert unbilled_amount(lines) == D("45.00")


class TestSalesOrderStatus:
    def test_nothing_shipped(self) -> None:
        assert sales_order_status([LineProgress(D(2), D(0), D(0))], current="B") == "B"

    def test_partly_shipped(self) -> None:
        lines = [LineProgress(D(2), D(1), D(0)), LineProgress(D(1), D(0), D(0))]
        assert sales_order_status(lines, current="B") == "E"

    def test_partly_shipped_and_billed(self) -> None:
        lines = [LineProgress(D(2), D(1), D(1)), LineProgress(D(1), D(0), D(0))]
        assert sales_order_status(lines, current="E") == "D"

    def test_shipped(self) -> None:
        assert sales_order_status([LineProgress(D(2), D(2), D(0))], current="B") == "F"

    def test_billed(self) -> None:
        assert sales_order_status([LineProgress(D(2), D(2), D(2))], current="F") == "G"

    def test_cancelled_stays(self) -> None:
        assert sales_order_status([LineProgress(D(2), D(0), D(0))], current="C") == "C"


class TestAvailable:
    def test_on_hand_less_committed(self) -> None:
        assert available(D(10), D(4)) == D(6)
        assert available(D(3), D(4)) == D(0)
