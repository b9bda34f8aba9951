"""Prices within tolerance, negotiated prices, stock and credit, on ERP assessments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from quote_to_order_process.adapters.ports import ErpAssessment, ErpCheckedLine, ErpCredit
from quote_to_order_process.domain.errors import (
    CreditBlocked,
    CreditLimitExceeded,
    InsufficientStock,
    PriceMismatch,
    UnknownProduct,
)
from quote_to_order_process.domain.models import RequestedLine
from quote_to_order_process.domain.pricing import (
    check_credit,
    check_stock,
    net_unit_price,
    order_total,
    price_direct_lines,
    price_quote_lines,
)
from trivium.schemas import Money


def line(
    sku: str, quantity: str, quoted: str | None = None, discount: str | None = None
) -> RequestedLine:
    return RequestedLine(
        sku=sku,
        quantity=Decimal(quantity),
        quoted_unit_price=Decimal(quoted) if quoted else None,
        discount_percent=Decimal(discount) if discount else None,
    )


def assessment(
    *rows: tuple[str, str, str | None, str, bool],
    available: str = "1000",
    blocked: bool = False,
    credit: bool = True,
) -> ErpAssessment:
    """ERP lines as (sku, quantity, price or None, available quantity, in stock)."""
    return ErpAssessment(
        customer_id="1000001",
        currency="EUR",
        lines=[
            ErpCheckedLine(
                sku=sku,
                quantity=Decimal(quantity),
                unit_price=Money(amount=Decimal(price), currency="EUR") if price else None,
                available_quantity=Decimal(stock),
                in_stock=in_stock,
            )
            for sku, quantity, price, stock, in_stock in rows
        ],
        credit=ErpCredit(available=Decimal(available), blocked=blocked) if credit else None,
    )


class TestNetUnitPrice:
    def test_without_discount_the_price_is_rounded_to_cents(self) -> None:
        assert net_unit_price(Decimal("40.505"), None) == Decimal("40.51")

    def test_a_discount_lowers_the_price(self) -> None:
        assert net_unit_price(Decimal("45.00"), Decimal("5")) == Decimal("42.75")


class TestPriceQuoteLines:
    def test_prices_within_tolerance_keep_the_negotiated_price(self) -> None:
        lines = [line("MAT-0001", "2", "45.30", "5"), line("MAT-0002", "4", "82.50")]
        erp = assessment(
            ("MAT-0001", "2", "45.000", "10", True), ("MAT-0002", "4", "82.5", "9", True)
        )
        priced = price_quote_lines(lines, erp, quote_currency="EUR", tolerance_percent=Decimal(1))
        assert [(p.sku, p.unit_price, p.net_amount) for p in priced] == [
            ("MAT-0001", Decimal("43.04"), Decimal("86.08")),
            ("MAT-0002", Decimal("82.50"), Decimal("330.00")),
        ]
        assert priced[0].erp_unit_price == Decimal("45.000")
        assert order_total(priced) == Decimal("416.08")

    def test_a_price_beyond_the_tolerance_is_a_mismatch_naming_the_line(self) -> None:
        lines = [line("MAT-0001", "2", "45.00"), line("MAT-0002", "1", "25.00")]
        erp = assessment(("MAT-0001", "2", "45", "10", True), ("MAT-0002", "1", "82.5", "9", True))
        with pytest.raises(PriceMismatch) as raised:
            price_quote_lines(lines, erp, quote_currency="EUR", tolerance_percent=Decimal(1))
        assert raised.value.errors is not None
        assert [error.pointer for error in raised.value.errors] == ["/lines/1/unitPrice"]
        assert "quoted 25.00, ERP price 82.5" in raised.value.errors[0].detail

    def test_the_tolerance_is_a_percentage_of_the_erp_price(self) -> None:
        lines = [line("MAT-0001", "1", "104.99")]
        erp = assessment(("MAT-0001", "1", "100", "10", True))
        price_quote_lines(lines, erp, quote_currency="EUR", tolerance_percent=Decimal(5))
        with pytest.raises(PriceMismatch):
            price_quote_lines(lines, erp, quote_currency="EUR", tolerance_percent=Decimal(4))

    def test_another_currency_is_a_mismatch(self) -> None:
        erp = assessment(("MAT-0001", "1", "45", "10", True))
        with pytest.raises(PriceMismatch, match="USD"):
            price_quote_lines(
                [line("MAT-0001", "1", "45")],
                erp,
                quote_currency="USD",
                tolerance_percent=Decimal(1),
            )

    def test_a_product_without_erp_price_is_unknown(self) -> None:
        erp = assessment(("MAT-0001", "1", None, "0", False))
        with pytest.raises(UnknownProduct):
            price_quote_lines(
                [line("MAT-0001", "1", "45")],
                erp,
                quote_currency="EUR",
                tolerance_percent=Decimal(1),
            )


class TestPriceDirectLines:
    def test_lines_take_the_customers_erp_price(self) -> None:
        erp = assessment(("MAT-0001", "3", "40.500", "10", True))
        priced = price_direct_lines([line("MAT-0001", "3")], erp)
        assert (priced[0].unit_price, priced[0].net_amount) == (Decimal("40.50"), Decimal("121.50"))

    def test_lines_are_matched_by_sku_when_the_erp_answers_in_another_order(self) -> None:
        erp = assessment(("MAT-0002", "1", "82.5", "9", True), ("MAT-0001", "2", "45", "9", True))
        priced = price_direct_lines([line("MAT-0001", "2"), line("MAT-0002", "1")], erp)
        assert [p.unit_price for p in priced] == [Decimal("45.00"), Decimal("82.50")]


class TestCheckStock:
    def test_lines_in_stock_pass(self) -> None:
        check_stock([line("MAT-0001", "2")], assessment(("MAT-0001", "2", "45", "2", True)))

    def test_a_short_line_names_what_is_available(self) -> None:
        erp = assessment(("MAT-0001", "2", "45", "9", True), ("MAT-0010", "5", "9", "0", False))
        with pytest.raises(InsufficientStock) as raised:
            check_stock([line("MAT-0001", "2"), line("MAT-0010", "5")], erp)
        assert raised.value.errors is not None
        assert raised.value.errors[0].pointer == "/lines/1/quantity"
        assert raised.value.errors[0].detail == "MAT-0010: 5 wanted, 0 available"


class TestCheckCredit:
    def test_an_order_within_the_available_credit_passes(self) -> None:
        check_credit(assessment(available="100.00"), Decimal("100.00"))

    def test_an_order_above_the_available_credit_is_refused(self) -> None:
        with pytest.raises(CreditLimitExceeded) as raised:
            check_credit(assessment(available="100.00"), Decimal("100.01"))
        assert raised.value.extensions == {"orderTotal": "100.01", "availableCredit": "100.00"}

    def test_a_blocked_customer_is_refused(self) -> None:
        with pytest.raises(CreditBlocked):
            check_credit(assessment(available="1000", blocked=True), Decimal(1))

    def test_a_customer_without_credit_account_is_refused(self) -> None:
        with pytest.raises(CreditLimitExceeded, match="no credit limit"):
            check_credit(assessment(credit=False), Decimal(1))
