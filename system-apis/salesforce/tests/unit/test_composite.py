"""Which values a composite body can carry: Salesforce resolves `@{...}` in all of them."""

from __future__ import annotations

from types import ModuleType

import pytest

from salesforce_system.adapters.salesforce.composite import (
    query_url,
    raise_for_results,
    reads_as_reference,
    split_references,
)
from salesforce_system.domain.errors import DuplicateRecord


class TestReadsAsReference:
    def test_text_with_a_reference_opening(self) -> None:
        assert reads_as_reference("PO @{order.id}")
        assert reads_as_reference("@{")
        assert reads_as_reference({"records": [{"Name": "x @{y}"}]})

    def test_other_text_and_values(self) -> None:
        for value in ("PO {1} @ 2", "@ {x.id}", "", None, 12, 1.5, True, ["@", "{x}"]):
            assert not reads_as_reference(value)


class TestSplitReferences:
    def test_fields_that_read_as_references_are_held_back(self) -> None:
        fields = {"PoNumber": "PO @{order.id}", "Status": "Draft", "Quantity": 2}
        carried, held = split_references(fields)
        assert carried == {"Status": "Draft", "Quantity": 2}
        assert held == {"PoNumber": "PO @{order.id}"}


class TestQueryUrl:
    def test_only_the_named_references_stay_readable(self) -> None:
        url = query_url(
            "SELECT Id FROM Order WHERE Id = '@{order.id}' AND PoNumber = '@{x.id}'",
            references=["@{order.id}"],
        )
        assert "%27@{order.id}%27" in url
        assert "@{x.id}" not in url
        assert url.endswith("PoNumber%20%3D%20%27%40%7Bx.id%7D%27")

    def test_without_references_everything_is_encoded(self) -> None:
        assert query_url("SELECT Id FROM Quote WHERE Name = '@{q.Id}'") == (
            "/query?q=SELECT%20Id%20FROM%20Quote%20WHERE%20Name%20%3D%20%27%40%7Bq.Id%7D%27"
        )


class TestRaiseForResults:
    def test_duplicate_is_a_conflict(self, sf: ModuleType) -> None:
        results = [
            {"body": sf.DUPLICATE, "httpHeaders": {}, "httpStatusCode": 400, "referenceId": "x"}
        ]
        with pytest.raises(DuplicateRecord):
            raise_for_results(results, what="account")
