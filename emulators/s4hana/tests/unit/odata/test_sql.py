"""Filters and ordering compiled to SQLite, run on real rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from s4hana_emulator.odata.expressions import parse_filter, parse_orderby
from s4hana_emulator.odata.model import EntitySet, ServiceModel, entity_set, to_one
from s4hana_emulator.odata.rules import Clock, WriteContext
from s4hana_emulator.odata.sql import FilterError, compile_filter, compile_orderby
from s4hana_emulator.odata.store import Store
from s4hana_emulator.odata.values import datetime_to_ms, datetime_to_us

ORDERS = """
    SalesOrder          String(10)        key alpha
    SoldToParty         String(10)
    PurchaseOrderByCustomer String(35)
    TotalNetAmount      Decimal(16,3)
    CreationDate        DateTime
    LastChangeDateTime  DateTimeOffset(7) etag
    IsBlocked           Boolean
    Quantity            Int32
"""
CUSTOMERS = """
    Customer            String(10)        key
    CustomerName        String(80)
"""


@pytest.fixture
def model() -> ServiceModel:
    orders = entity_set(
        "Orders",
        ORDERS,
        navigations=(to_one("to_Customer", "Customers", ("SoldToParty", "Customer")),),
    )
    return ServiceModel("TEST_SRV", (orders, entity_set("Customers", CUSTOMERS)))


@pytest.fixture
def orders(model: ServiceModel) -> EntitySet:
    """The test model's Orders set."""
    found = model.get_entity_set("Orders")
    assert found is not None
    return found


@pytest.fixture
def store(model: ServiceModel) -> Iterator[Store]:
    store = Store(":memory:")
    store.create_schema([model])
    ctx = WriteContext(store, lambda name: model.get_entity_set(name), Clock(), "TEST")  # type: ignore[arg-type,return-value]
    rows = [
        ("1", "17100001", "O'Neil-1", "52.650", 2024, True, 3),
        ("2", "17100001", "CRM-0002", "100.000", 2023, False, 10),
        ("10", "17100002", "crm-0010", "7.500", 2025, False, 1),
        ("9", "17100003", "", "1000.000", 2024, False, 0),
    ]
    for number, sold_to, po, amount, year, blocked, quantity in rows:
        moment = datetime(year, 5, 1, tzinfo=UTC)
        ctx.insert(
            "Orders",
            {
                "SalesOrder": number, "SoldToParty": sold_to, "PurchaseOrderByCustomer": po,
                "TotalNetAmount": amount, "CreationDate": datetime_to_ms(moment),
                "LastChangeDateTime": datetime_to_us(moment), "IsBlocked": int(blocked),
                "Quantity": quantity,
            },
        )  # fmt: skip
    ctx.insert("Customers", {"Customer": "17100001", "CustomerName": "Contoso"})
    ctx.insert("Customers", {"Customer": "17100002", "CustomerName": "Fabrikam"})
    yield store
    store.close()


def matching(store: Store, model: ServiceModel, text: str) -> list[str]:
    orders = model.get_entity_set("Orders")
    assert isinstance(orders, EntitySet)
    where, params = compile_filter(parse_filter(text), orders, model)
    return [row["SalesOrder"] for row in store.select(orders, where=where, params=params)]


class TestCompileFilter:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("SoldToParty eq '17100001'", ["1", "2"]),
            ("SoldToParty ne '17100001'", ["9", "10"]),
            ("PurchaseOrderByCustomer eq 'O''Neil-1'", ["1"]),
            ("PurchaseOrderByCustomer eq ''", ["9"]),
            ("TotalNetAmount gt 50", ["1", "2", "9"]),
            ("TotalNetAmount le 52.65M", ["1", "10"]),
            ("Quantity ge 3 and Quantity lt 10", ["1"]),
            ("CreationDate ge datetime'2024-05-01T00:00:00'", ["1", "9", "10"]),
            ("LastChangeDateTime lt datetimeoffset'2024-01-01T00:00:00Z'", ["2"]),
            ("IsBlocked eq true", ["1"]),
            ("IsBlocked", ["1"]),
            ("not IsBlocked and Quantity gt 0", ["2", "10"]),
            ("substringof('CRM',PurchaseOrderByCustomer) eq true", ["2"]),
            ("substringof('crm',tolower(PurchaseOrderByCustomer))", ["2", "10"]),
            ("startswith(PurchaseOrderByCustomer,'CRM') eq true", ["2"]),
            ("endswith(PurchaseOrderByCustomer,'-1') eq true", ["1"]),
            ("length(PurchaseOrderByCustomer) eq 0", ["9"]),
            ("year(CreationDate) eq 2023", ["2"]),
            ("Quantity add 1 gt 3", ["1", "2"]),
            ("to_Customer/CustomerName eq 'Fabrikam'", ["10"]),
            (
                "SoldToParty eq '17100001' or SoldToParty eq '17100002' and Quantity eq 1",
                ["1", "2", "10"],
            ),
            ("SalesOrder eq null", []),
            ("CreationDate ne null", ["1", "2", "9", "10"]),
        ],
    )
    def test_matches(
        self, store: Store, model: ServiceModel, text: str, expected: list[str]
    ) -> None:
        assert matching(store, model, text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "Unknown eq 'x'",
            "SoldToParty eq 1",
            "SoldToParty",
            "TotalNetAmount gt 'x'",
            "nosuchfunction(SoldToParty) eq 1",
            "substringof(SoldToParty) eq true",
            "to_Nothing/Name eq 'x'",
            "SoldToParty gt null",
        ],
    )
    def test_refuses_filters_that_do_not_fit(
        self, model: ServiceModel, text: str, orders: EntitySet
    ) -> None:
        with pytest.raises(FilterError):
            compile_filter(parse_filter(text), orders, model)


class TestCompileOrderby:
    @pytest.mark.parametrize(
        ("orderby", "expected"),
        [
            pytest.param("SalesOrder desc", ["10", "9", "2", "1"], id="numeric-keys"),
            pytest.param("TotalNetAmount", ["10", "1", "2", "9"], id="decimals"),
        ],
    )
    def test_numbers_sort_as_numbers(
        self, store: Store, orders: EntitySet, orderby: str, expected: list[str]
    ) -> None:
        order = compile_orderby(parse_orderby(orderby), orders)
        assert [row["SalesOrder"] for row in store.select(orders, order=order)] == expected

    def test_unknown_property_is_refused(self, orders: EntitySet) -> None:
        with pytest.raises(FilterError):
            compile_orderby(parse_orderby("Nope"), orders)
