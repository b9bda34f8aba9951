"""NetSuite records and SuiteQL rows to this API's resources and back: the only place that knows
both vocabularies.

Customers are known by their entity id (the customer number NetSuite generates, which other
systems quote), sales orders and invoices by internal id. SuiteQL answers every value as text.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from erp_system.adapters.values import parse_decimal, text
from erp_system.domain import models as models
from trivium.schemas import Money

Row = dict[str, Any]
_CURRENCY = re.compile(r"^[A-Z]{3}$")
# "1", "12a", "12-14", "7/1": a house number as the last word of an address line.
_HOUSE_NUMBER = re.compile(r"^\d{1,6}[A-Za-z]?([-/]\d{1,6}[A-Za-z]?)?$")

# Sales order status codes (SuiteQL `transaction.status`): (status, delivery, billing).
OrderState = tuple[models.SalesOrderStatus, models.ProgressStatus, models.ProgressStatus]
ORDER_STATES: dict[str, OrderState] = {
    "A": (models.SalesOrderStatus.BLOCKED, "not_started", "not_started"),  # Pending Approval
    "B": (models.SalesOrderStatus.OPEN, "not_started", "not_started"),  # Pending Fulfillment
    "C": (models.SalesOrderStatus.CANCELLED, "not_relevant", "not_relevant"),
    "D": (models.SalesOrderStatus.IN_DELIVERY, "partial", "not_started"),  # Partially Fulfilled
    "E": (
        models.SalesOrderStatus.IN_DELIVERY,
        "partial",
        "not_started",
    ),  # Pending Billing/Part. Ful.
    "F": (models.SalesOrderStatus.DELIVERED, "complete", "not_started"),  # Pending Billing
    "G": (models.SalesOrderStatus.BILLED, "complete", "complete"),  # Billed
    "H": (models.SalesOrderStatus.CANCELLED, "not_relevant", "not_relevant"),  # Closed
}
OPEN_INVOICE = "A"

# Of a customer `c` and its default billing address `a` (an `entityaddress`).
CUSTOMER_COLUMNS = (
    "c.id, c.entityid, c.externalid, c.companyname, c.email, c.phone, c.url, a.addr1, a.city, "
    "a.zip, a.country, c.isinactive, c.vatregnumber, c.creditholdoverride, c.datecreated, "
    "c.lastmodifieddate, c.creditlimit, "
    "c.balance, c.unbilledorders, c.subsidiary, BUILTIN.DF(c.currency) AS currencysymbol, "
    "c.terms"
)
ORDER_COLUMNS = (
    "t.id, t.tranid, c.entityid AS customer, t.otherrefnum, t.status, t.trandate, t.shipdate, "
    "t.foreigntotal, BUILTIN.DF(t.currency) AS currencysymbol, t.lastmodifieddate"
)
LINE_COLUMNS = (
    "l.transaction AS ordernumber, l.linesequencenumber, BUILTIN.DF(l.item) AS sku, "
    "l.description, l.quantity, l.quantityshiprecv, l.amount"
)
# Where NetSuite's field paths (`o:errorPath`) live in this API's request bodies.
CUSTOMER_POINTERS = {
    "companyName": "/name",
    "externalId": "/externalId",
    "email": "/email",
    "phone": "/phone",
    "url": "/website",
    "vatRegNumber": "/vatId",
    "addressBook": "/address",
    "currency": "/salesArea/currency",
}
ORDER_POINTERS = {
    "entity": "/customerId",
    "otherRefNum": "/externalReference",
    "shipDate": "/requestedDeliveryDate",
    "item": "/lines",
}


def money(amount: Any, currency: Any) -> Money | None:
    value, code = parse_decimal(amount), text(currency)
    if value is None or code is None or not _CURRENCY.match(code):
        return None
    return Money(amount=value, currency=code)


def parse_moment(value: Any) -> datetime | None:
    """A date-time as SuiteQL and REST give it: ISO 8601, or the account's `M/D/YYYY [h:mm]`."""
    raw = text(value)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        for pattern in ("%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y"):
            try:
                moment = datetime.strptime(raw, pattern)
                break
            except ValueError:
                continue
        else:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_day(value: Any) -> date | None:
    moment = parse_moment(value)
    return moment.date() if moment else None


def query_moment(moment: datetime) -> str:
    """A SuiteQL date-time literal for `moment` (in UTC)."""
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return f"TO_DATE('{utc:%Y-%m-%d %H:%M:%S}', 'YYYY-MM-DD HH24:MI:SS')"


def street_and_number(line: str | None) -> tuple[str | None, str | None]:
    """The street and house number of an address line: NetSuite keeps both in `addr1`, which
    this API writes as "street number" ("Leopoldstrasse 1"). A line that does not end in a
    number ("2100 North First Street") is all street, so that "street number" joined again
    always gives the line back."""
    if not line:
        return None, None
    street, _, last = line.rpartition(" ")
    if street.strip() and _HOUSE_NUMBER.match(last):
        return street.strip(), last
    return line, None


def address_from(row: Row) -> models.Address | None:
    if not text(row.get("addr1")) and not text(row.get("city")):
        return None
    street, house_number = street_and_number(text(row.get("addr1")))
    return models.Address(
        street=street,
        house_number=house_number,
        city=text(row.get("city")),
        postal_code=text(row.get("zip")),
        country=text(row.get("country")),
    )


def customer_from(row: Row) -> models.CustomerRead:
    """A customer from a row of `CUSTOMER_COLUMNS`; its one sales area is its subsidiary with
    its currency and terms (NetSuite has no channels or divisions)."""
    on_hold = is_on_credit_hold(row)
    return models.CustomerRead(
        id=str(row.get("entityid") or row["id"]),
        name=text(row.get("companyname")) or str(row.get("entityid") or row["id"]),
        external_id=text(row.get("externalid")),
        blocked=row.get("isinactive") == "T",
        address=address_from(row),
        sales_areas=[
            models.SalesArea(
                sales_organization=str(row.get("subsidiary") or ""),
                distribution_channel="",
                division="",
                currency=text(row.get("currencysymbol")),
                payment_terms=payment_terms(row),
                order_blocked=on_hold or row.get("isinactive") == "T",
            )
        ],
        created_on=parse_day(row.get("datecreated")),
        email=text(row.get("email")),
        phone=text(row.get("phone")),
        website=text(row.get("url")),
        vat_id=text(row.get("vatregnumber")),
    )


def payment_terms(row: Row) -> str | None:
    """The customer's terms as a short code, as sync flows carry payment terms: the internal id
    of the term record (its name, e.g. `Net 30`, is longer than the code other systems keep)."""
    return text(row.get("terms"))


def is_on_credit_hold(row: Row) -> bool:
    """NetSuite holds every order of a customer whose credit hold is switched on."""
    return str(row.get("creditholdoverride") or "").upper() == "ON"


def address_book(address: models.AddressInput) -> dict[str, Any]:
    """The customer's address book as one default billing and shipping address."""
    street = " ".join(part for part in (address.street, address.house_number) if part)
    fields = {"addr1": street, "city": address.city, "country": address.country}
    if address.postal_code:
        fields["zip"] = address.postal_code
    return {
        "items": [{"addressBookAddress": fields, "defaultBilling": True, "defaultShipping": True}]
    }


def customer_change_body(
    *, name: str | None, address: models.AddressInput | None, **fields: object
) -> dict[str, object]:
    """The PATCH body of a customer: the name, the address book and the NetSuite `fields` given
    (None: left as it is)."""
    body = {field: value for field, value in fields.items() if value is not None}
    if name is not None:
        body["companyName"] = name
    if address is not None:
        body["addressBook"] = address_book(address)
    return body


def customer_create_body(
    customer: models.CustomerCreate, *, subsidiary: str | None, currency_id: str | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "companyName": customer.name,
        "addressBook": address_book(customer.address),
    }
    optional = {
        "externalId": customer.external_id,
        "email": customer.email,
        "phone": customer.phone,
        "url": customer.website,
        "vatRegNumber": customer.vat_id,
    }
    body.update({name: value for name, value in optional.items() if value})
    if subsidiary:
        body["subsidiary"] = {"id": subsidiary}
    if currency_id:
        body["currency"] = {"id": currency_id}
    return body


def order_state(
    row: Row,
) -> tuple[models.SalesOrderStatus, models.ProgressStatus, models.ProgressStatus]:
    return ORDER_STATES.get(
        str(row.get("status") or "").upper(),
        (models.SalesOrderStatus.OPEN, "not_started", "not_started"),
    )


def order_state_fields(row: Row) -> dict[str, Any]:
    """What every answer about an order (a read, a change) begins with, from an `ORDERS` row."""
    status, delivery, billing = order_state(row)
    return {
        "id": str(row["id"]),
        "customer_id": str(row.get("customer") or ""),
        "external_reference": text(row.get("otherrefnum")),
        "status": status,
        "delivery_status": delivery,
        "billing_status": billing,
    }


def sales_order_from(row: Row, lines: list[Row]) -> models.SalesOrderRead:
    """An order from a row of `ORDER_COLUMNS` and its rows of `LINE_COLUMNS`."""
    currency = row.get("currencysymbol")
    return models.SalesOrderRead(
        **order_state_fields(row),
        total=money(row.get("foreigntotal"), currency),
        created_on=parse_day(row.get("trandate")),
        requested_delivery_date=parse_day(row.get("shipdate")),
        lines=[_line_from(line, currency) for line in lines],
    )


def _line_from(line: Row, currency: Any) -> models.SalesOrderLineRead:
    # Real NetSuite keeps sales order lines as credits (negative quantities and amounts).
    quantity = abs(parse_decimal(line.get("quantity")) or Decimal(0)).normalize()
    amount = parse_decimal(line.get("amount"))
    return models.SalesOrderLineRead(
        line_number=str(line.get("linesequencenumber") or ""),
        sku=str(line.get("sku") or ""),
        description=text(line.get("description")),
        quantity=quantity,
        confirmed_quantity=quantity,
        net_amount=money(abs(amount), currency) if amount is not None else None,
    )


def invoice_from(row: Row) -> models.InvoiceRead:
    currency = row.get("currencysymbol")
    total = money(row.get("foreigntotal"), currency)
    remaining = parse_decimal(row.get("foreignamountremaining"))
    status: models.InvoiceStatus = "open"
    if str(row.get("status")) != OPEN_INVOICE or remaining == 0:
        status = "paid"
    elif total is not None and remaining is not None and remaining < total.amount:
        status = "partially_paid"
    return models.InvoiceRead(
        id=str(row["id"]),
        customer_id=str(row.get("customer") or ""),
        status=status,
        external_reference=text(row.get("otherrefnum")),
        sales_order_id=text(row.get("createdfrom")),
        invoice_date=parse_day(row.get("trandate")),
        net_amount=total or Money(amount=Decimal(0), currency=text(currency) or "XXX"),
        gross_amount=total,
    )


def product_from(row: Row, *, currency: str) -> models.ProductRead:
    return models.ProductRead(
        sku=str(row["itemid"]),
        name=text(row.get("displayname")),
        product_type=text(row.get("itemtype")),
        unit_price=money(row.get("baseprice"), currency),
    )


def sales_order_body(
    order: models.SalesOrderCreate,
    *,
    customer_id: str,
    item_ids: dict[str, str],
    location: str | None,
) -> dict[str, Any]:
    """A sales order with its item lines; a line without a price is priced by NetSuite (the
    customer's item price, else the base price)."""
    lines = []
    for line in order.lines:
        item: dict[str, Any] = {
            "item": {"id": item_ids[line.sku]},
            "quantity": float(line.quantity),
        }
        if line.unit_price is not None:
            item["rate"] = float(line.unit_price)
        lines.append(item)
    body: dict[str, Any] = {
        "entity": {"id": customer_id},
        "otherRefNum": order.external_reference,
        "item": {"items": lines},
    }
    if order.requested_delivery_date is not None:
        body["shipDate"] = order.requested_delivery_date.isoformat()
    if location:
        body["location"] = {"id": location}
    return body


def sales_order_update_body(changes: models.SalesOrderUpdate) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if "requested_delivery_date" in changes.model_fields_set:
        day = changes.requested_delivery_date
        body["shipDate"] = day.isoformat() if day else None
    return body
