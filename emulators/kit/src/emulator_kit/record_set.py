"""Records an emulator adds through `POST /__admin/records`, named in business terms (customer
numbers, skus, order and invoice numbers) so that one description fits every ERP emulator: each
maps it onto its own records, as its demo seed does. Tests set up exactly the facts they name."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from trivium.problems import Conflict, ValidationFailed, problem_responses
from trivium.schemas import ApiRequest

NUMBER = r"^[0-9]{1,10}$"


class AddressSpec(ApiRequest):
    street: str = Field(max_length=60)
    house_number: str = Field(default="", max_length=10)
    city: str = Field(max_length=40)
    postal_code: str = Field(max_length=10)
    country: str = Field(pattern=r"^[A-Z]{2}$")


class CustomerSpec(ApiRequest):
    number: str = Field(pattern=NUMBER, description="The customer number the ERP shows.")
    name: str = Field(min_length=1, max_length=80)
    external_id: str | None = Field(default=None, max_length=40, description="The CRM link.")
    vat_id: str | None = Field(default=None, max_length=20)
    phone: str | None = Field(default=None, max_length=30)
    address: AddressSpec | None = None
    credit_limit: Decimal | None = Field(
        default=None, ge=0, description="Unset: the customer has no credit account."
    )


class ProductSpec(ApiRequest):
    sku: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=40)
    price: Decimal = Field(ge=0, description="List price in the ERP's currency.")
    stock: Decimal = Field(default=Decimal(0), ge=0, description="On hand, all available.")


class OrderLineSpec(ApiRequest):
    sku: str = Field(min_length=1, max_length=40)
    quantity: Decimal = Field(gt=0)


class SalesOrderSpec(ApiRequest):
    number: str = Field(pattern=NUMBER, description="The order number the ERP shows.")
    customer: str = Field(pattern=NUMBER)
    reference: str = Field(default="", max_length=35, description="The customer's reference.")
    lines: list[OrderLineSpec] = Field(min_length=1, max_length=50)
    progress: Literal["open", "delivered", "billed"] = "open"
    invoice_number: str | None = Field(
        default=None, pattern=NUMBER, description="Of the invoice of a billed order."
    )


class RecordSet(ApiRequest):
    """Customers, products and sales orders to add, in this order."""

    customers: list[CustomerSpec] = Field(default=[], max_length=100)
    products: list[ProductSpec] = Field(default=[], max_length=100)
    sales_orders: list[SalesOrderSpec] = Field(default=[], max_length=100)


def example_record_set() -> dict[str, Any]:
    """A customer with a credit limit, a product in stock and a billed order of it: the example
    of the route's documentation, and of the emulators' tests."""
    return {
        "customers": [
            {"number": "1000001", "name": "Nordwind Getraenke GmbH", "externalId": "001AAA",
             "vatId": "DE123456789", "phone": "+4989123456", "creditLimit": "50000",
             "address": {"street": "Leopoldstrasse", "houseNumber": "1", "city": "Muenchen",
                         "postalCode": "80802", "country": "DE"}},
        ],
        "products": [{"sku": "TG-1000", "name": "Tegernseer Hell", "price": "114", "stock": "40"}],
        "salesOrders": [
            {"number": "5000001", "customer": "1000001", "reference": "PO-4711",
             "lines": [{"sku": "TG-1000", "quantity": "2"}], "progress": "billed",
             "invoiceNumber": "90000001"},
        ],
    }  # fmt: skip


class RecordTaken(Exception):
    """A number the record set names is in use, or in an emulator's number range already
    behind it."""


class RecordInvalid(Exception):
    """The record set names something the emulator does not hold (a customer, a sku)."""


def add_records_route(router: APIRouter, load: Callable[[Request, RecordSet], Any]) -> None:
    """POST /records: `load(request, records)` adds them in one transaction (in a worker
    thread); a number in use is a 409, a record naming an unknown one a 422."""

    async def add_records(
        request: Request,
        records: Annotated[
            RecordSet, Body(openapi_examples={"a billed order": {"value": example_record_set()}})
        ],
    ) -> Response:
        try:
            await run_in_threadpool(load, request, records)
        except RecordTaken as error:
            raise Conflict(str(error)) from None
        except RecordInvalid as error:
            raise ValidationFailed(str(error)) from None
        return Response(status_code=204)

    router.add_api_route(
        "/records",
        add_records,
        name="add_records",
        methods=["POST"],
        status_code=204,
        responses=problem_responses(Conflict, ValidationFailed),
        description="Add customers, products (price, stock) and sales orders (open, delivered "
        "or billed) with the numbers given, as the demo seed makes its records.",
    )
