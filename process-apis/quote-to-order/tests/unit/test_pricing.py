"""Prices within tolerance, negotiated prices, stock and credit, on ERP assessments."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from quote_to_order_process.adapters.ports import ErpAssessment, ErpCredit
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
    quoted_net_price,
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
    *rows: tuple[str, str | None, str],
    available: str = "1000",
    blocked: bool = False,
    credit: bool = True,
    passed: bool = False,
    currency: str = "EUR",
    credit_currency: str = "EUR",
) -> ErpAssessment:
    """What the ERP says, with rows of (sku, the customer's price or None, stock); its credit
    check `passed`, else the credit position explains it."""
    return ErpAssessment(
        customer_id="1000001",
        prices={
            sku: Money(amount=Decimal(price), currency=currency)
            for sku, price, _ in rows
            if price is not None
        },
        stock={sku: Decimal(stock) for sku, _, stock in rows},
        credit_passed=passed,
        credit=ErpCredit(available=Decimal(available), currency=credit_currency, blocked=blocked)
        if credit
        else None,
    )


class TestNetUnitPrice:
    def test_without_discount_the_price_is_rounded_to_cents(self) -> None:
        assert net_unit_price(Decimal("40.505"), None) == Decimal("40.51")

    def test_a_discount_lowers_the_price(self) -> None:
        assert net_unit_price(Decimal("45.00"), Decimal("5")) == Decimal("42.75")


class TestPriceQuoteLines:
    def test_prices_within_tolerance_keep_the_negotiated_price(self) -> None:
        lines = [line("MAT-0001", "2", "45.30", "5"), line("MAT-0002", "4", "82.50")]
        erp = assessment(("MAT-0001", "45.000", "10"), ("MAT-0002", "82.5", "9"))
        currency, priced = price_quote_lines(
            lines, erp, quote_currency="EUR", tolerance_percent=Decimal(1)
        )
        assert currency == "EUR"
        assert [(p.sku, p.unit_price, p.net_amount) for p in priced] == [
            ("MAT-0001", Decimal("43.04"), Decimal("86.08")),
            ("MAT-0002", Decimal("82.50"), Decimal("330.00")),
        ]
        assert priced[0].erp_unit_price == Decimal("45.000")
        assert order_total(priced) == Decimal("416.08")

    def test_a_price_beyond_the_tolerance_is_a_mismatch_naming_the_line(self) -> None:
        lines = [line("MAT-0001", "2", "45.00"), line("MAT-0002", "1", "25.00")]
        erp = assessment(("MAT-0001", "45", "10"), ("MAT-0002", "82.5", "9"))
        with pytest.raises(PriceMismatch) as raised:
            price_quote_lines(lines, erp, quote_currency="EUR", tolerance_percent=Decimal(1))
        assert raised.value.errors is not None
        assert [error.pointer for error in raised.value.errors] == ["/lines/1/unitPrice"]
        assert "quoted 25.00, ERP price 82.5" in raised.value.errors[0].detail

    def test_the_tolerance_is_a_percentage_of_the_erp_price(self) -> None:
        lines = [line("MAT-0001", "1", "104.99")]
        erp = assessment(("MAT-0001", "100", "10"))
        price_quote_lines(lines, erp, quote_currency="EUR", tolerance_percent=Decimal(5))
        with pytest.raises(PriceMismatch):
            price_quote_lines(lines, erp, quote_currency="EUR", tolerance_percent=Decimal(4))

    def test_another_currency_is_a_mismatch(self) -> None:
        erp = assessment(("MAT-0001", "45", "10"))
        with pytest.raises(PriceMismatch, match="USD"):
            price_quote_lines(
                [line("MAT-0001", "1", "45")],
                erp,
                quote_currency="USD",
                tolerance_percent=Decimal(1),
            )

    def test_a_product_without_erp_price_is_unknown(self) -> None:
        erp = assessment(("MAT-0001", None, "0"))
        with pytest.raises(UnknownProduct):
            price_quote_lines(
                [line("MAT-0001", "1", "45")],
                erp,
                quote_currency="EUR",
                tolerance_percent=Decimal(1),
            )


class TestPriceDirectLines:
    def test_lines_take_the_customers_erp_price(self) -> None:
        erp = assessment(("MAT-0001", "40.500", "10"))
        currency, priced = price_direct_lines([line("MAT-0001", "3")], erp)
        assert currency == "EUR"
        assert (priced[0].unit_price, priced[0].net_amount) == (Decimal("40.50"), Decimal("121.50"))

    def test_lines_are_matched_by_sku(self) -> None:
        erp = assessment(("MAT-0002", "82.5", "9"), ("MAT-0001", "45", "9"))
        _, priced = price_direct_lines([line("MAT-0001", "2"), line("MAT-0002", "1")], erp)
        assert [p.unit_price for p in priced] == [Decimal("45.00"), Decimal("82.50")]

    def test_prices_in_several_currencies_are_a_mismatch(self) -> None:
        erp = replace(
            assessment(("MAT-0001", "45", "9")),
            prices={
                "MAT-0001": Money(amount=Decimal("45"), currency="EUR"),
                "MAT-0002": Money(amount=Decimal("90"), currency="USD"),
            },
        )
        with pytest.raises(PriceMismatch, match="EUR, USD"):
            price_direct_lines([line("MAT-0001", "1"), line("MAT-0002", "1")], erp)


class TestCheckStock:
    def test_lines_in_stock_pass(self) -> None:
        check_stock([line("MAT-0001", "2")], assessment(("MAT-0001", "45", "2")))

    def test_a_short_line_names_what_is_available(self) -> None:
        erp = assessment(("MAT-0001", "45", "9"), ("MAT-0010", "9", "0"))
        with pytest.raises(InsufficientStock) as raised:
            check_stock([line("MAT-0001", "2"), line("MAT-0010", "5")], erp)
        assert raised.value.errors is not None
        assert raised.value.errors[0].pointer == "/lines/1/quantity"
        assert raised.value.errors[0].detail == "MAT-0010: 5 wanted, 0 available"

    def test_lines_of_one_sku_are_summed(self) -> None:
        erp = assessment(("MAT-0001", "45", "5"))
        check_stock([line("MAT-0001", "2"), line("MAT-0001", "3")], erp)
        with pytest.raises(InsufficientStock, match="Some products") as raised:
            check_stock([line("MAT-0001", "3"), line("MAT-0001", "3")], erp)
        assert raised.value.errors is not None
        assert [error.detail for error in raised.value.errors] == [
            "MAT-0001: 6 wanted, 5 available"
        ] * 2

    def test_an_unknown_sku_has_no_stock(self) -> None:
        with pytest.raises(InsufficientStock):
            check_stock([line("MAT-0404", "1")], assessment())


class TestCheckCredit:
    def test_an_order_the_erps_check_passes_passes(self) -> None:
        check_credit(assessment(passed=True, credit=False), Decimal("100.00"), currency="EUR")

    def test_an_order_above_the_available_credit_is_refused(self) -> None:
        with pytest.raises(CreditLimitExceeded) as raised:
            check_credit(assessment(available="100.00"), Decimal("100.01"), currency="EUR")
        assert raised.value.extensions == {"orderTotal": "100.01", "availableCredit": "100.00"}

    def test_a_blocked_customer_is_refused(self) -> None:
        with pytest.raises(CreditBlocked):
            check_credit(assessment(available="1000", blocked=True), Decimal(1), currency="EUR")

    def test_a_customer_without_credit_account_is_refused(self) -> None:
        with pytest.raises(CreditLimitExceeded, match="no credit limit"):
            check_credit(assessment(credit=False), Decimal(1), currency="EUR")

    def test_credit_in_another_currency_cannot_cover_the_order(self) -> None:
        with pytest.raises(CreditLimitExceeded, match="in USD"):
            check_credit(assessment(credit_currency="USD"), Decimal(1), currency="EUR")

    def test_a_refusal_the_position_does_not_explain_is_still_a_refusal(self) -> None:
        with pytest.raises(CreditLimitExceeded, match="credit check refuses") as raised:
            check_credit(assessment(available="1000"), Decimal(1), currency="EUR")
        assert raised.value.extensions == {"orderTotal": "1", "availableCredit": "1000"}


class TestQuotedNetPrice:
    def test_the_quoted_price_after_its_discount(self) -> None:
        assert quoted_net_price(line("A", "1", quoted="45.00", discount="5")) == Decimal("42.75")

    def test_none_without_a_quoted_price_or_when_the_discount_makes_it_negative(self) -> None:
        assert quoted_net_price(line("A", "1")) is None
        assert quoted_net_price(line("A", "1", quoted="10", discount="150")) is None
