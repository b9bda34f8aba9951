"""Rules on the quote, the account and the lines, as read from the CRM."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from quote_to_order_process.adapters.ports import CrmAccount, CrmQuote, CrmQuoteLine
from quote_to_order_process.domain.checks import validate_lines, validate_quote
from quote_to_order_process.domain.errors import (
    AccountNotLinked,
    InvalidQuantity,
    OrderHasNoLines,
    QuoteAlreadyOrdered,
    QuoteExpired,
    QuoteNotAccepted,
    UnknownProduct,
)
from quote_to_order_process.domain.models import RequestedLine
from trivium.schemas import Money

TODAY = date(2026, 6, 1)
LINKED = CrmAccount(id="001A", account_number="P-1001", erp_customer_number="1000001")


def quote(
    *,
    status: str = "Accepted",
    expires: date | None = date(2026, 6, 30),
    account: CrmAccount | None = LINKED,
    skus: tuple[str | None, ...] = ("MAT-0001",),
) -> CrmQuote:
    return CrmQuote(
        id="0Q0A",
        status=status,
        expiration_date=expires,
        account=account,
        lines=[
            CrmQuoteLine(
                sku=sku, quantity=Decimal(1), unit_price=Money(amount=Decimal(1), currency="EUR")
            )
            for sku in skus
        ],
    )


class TestValidateQuote:
    def test_an_accepted_quote_of_a_linked_account_passes(self) -> None:
        account, customer = validate_quote(quote(), today=TODAY)
        assert (account.id, customer) == ("001A", "1000001")

    def test_a_quote_that_expires_today_still_passes(self) -> None:
        validate_quote(quote(expires=TODAY), today=TODAY)

    @pytest.mark.parametrize("status", ["Draft", "Presented", "Denied"])
    def test_a_quote_in_another_status_is_not_accepted(self, status: str) -> None:
        with pytest.raises(QuoteNotAccepted) as raised:
            validate_quote(quote(status=status), today=TODAY)
        assert raised.value.extensions == {"quoteStatus": status}

    def test_a_quote_in_the_ordered_status_is_already_ordered(self) -> None:
        with pytest.raises(QuoteAlreadyOrdered):
            validate_quote(quote(status="Ordered"), today=TODAY, ordered_status="Ordered")

    def test_an_expired_quote_is_refused(self) -> None:
        with pytest.raises(QuoteExpired, match="2026-05-31"):
            validate_quote(quote(expires=date(2026, 5, 31)), today=TODAY)

    def test_an_account_without_erp_customer_is_not_linked(self) -> None:
        with pytest.raises(AccountNotLinked):
            validate_quote(quote(account=CrmAccount(id="001B")), today=TODAY)

    def test_a_quote_without_account_is_not_linked(self) -> None:
        with pytest.raises(AccountNotLinked):
            validate_quote(quote(account=None), today=TODAY)

    def test_a_line_whose_product_has_no_erp_material_is_unknown(self) -> None:
        with pytest.raises(UnknownProduct) as raised:
            validate_quote(quote(skus=("MAT-0001", None)), today=TODAY)
        assert raised.value.errors is not None
        assert raised.value.errors[0].pointer == "/lines/1/sku"


class TestValidateLines:
    def test_positive_quantities_with_two_decimals_pass(self) -> None:
        validate_lines([RequestedLine(sku="A", quantity=Decimal("1.25"))])

    def test_no_lines_is_refused(self) -> None:
        with pytest.raises(OrderHasNoLines):
            validate_lines([])

    @pytest.mark.parametrize("quantity", ["0", "-1", "1.005", "1e12"])
    def test_an_unorderable_quantity_is_refused_with_its_line(self, quantity: str) -> None:
        lines = [
            RequestedLine(sku="A", quantity=Decimal(1)),
            RequestedLine(sku="B", quantity=Decimal(quantity)),
        ]
        with pytest.raises(InvalidQuantity) as raised:
            validate_lines(lines)
        assert raised.value.errors is not None
        assert [error.pointer for error in raised.value.errors] == ["/lines/1/quantity"]
