"""The SQLite store: tables from the model, schema growth, nested transactions."""

from __future__ import annotations

from pathlib import Path

import pytest

from s4hana_emulator.odata.model import EntitySet, ServiceModel, entity_set
from s4hana_emulator.odata.store import DuplicateKey, Store

V1 = """
    Product             String(40)     key
    ProductType         String(4)
"""
V2 = (
    V1
    + """
    GrossWeight         Decimal(13,3)
    IsMarkedForDeletion Boolean
"""
)


def model(spec: str) -> ServiceModel:
    return ServiceModel("TEST_SRV", (entity_set("A_Product", spec),))


class TestCreateSchema:
    def test_an_older_database_gets_new_properties_with_initial_values(
        self, tmp_path: Path
    ) -> None:
        path = str(tmp_path / "s4.sqlite3")
        old = Store(path)
        old.create_schema([model(V1)])
        old.insert(model(V1).entity_sets[0], {"Product": "MAT-1", "ProductType": "FERT"})
        old.close()
        new = Store(path)
        new.create_schema([model(V2)])
        rows = new.select(model(V2).entity_sets[0])
        assert rows == [
            {
                "Product": "MAT-1",
                "ProductType": "FERT",
                "GrossWeight": "0.000",
                "IsMarkedForDeletion": 0,
            }
        ]
        new.close()


def insert_both(store: Store, products: EntitySet) -> None:
    with store.transaction():
        store.insert(products, {"Product": "B", "ProductType": ""})
        store.insert(products, {"Product": "A", "ProductType": ""})


def fail_after_insert(store: Store, products: EntitySet) -> None:
    with store.transaction():
        with store.transaction():
            store.insert(products, {"Product": "A", "ProductType": ""})
        raise RuntimeError("changeset failed")


class TestTransaction:
    def test_inner_failure_rolls_back_only_the_savepoint(self) -> None:
        store = Store(":memory:")
        products = model(V1).entity_sets[0]
        store.create_schema([model(V1)])
        with store.transaction():
            store.insert(products, {"Product": "A", "ProductType": ""})
            with pytest.raises(DuplicateKey):
                insert_both(store, products)
        assert [row["Product"] for row in store.select(products)] == ["A"]

    def test_outer_failure_rolls_back_everything(self) -> None:
        store = Store(":memory:")
        products = model(V1).entity_sets[0]
        store.create_schema([model(V1)])
        with pytest.raises(RuntimeError):
            fail_after_insert(store, products)
        assert store.is_empty()
