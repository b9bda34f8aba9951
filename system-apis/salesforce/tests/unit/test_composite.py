"""Which values a composite body can carry: Salesforce resolves `@{...}` in all of them."""

from __future__ import annotations

from salesforce_system.adapters.salesforce.composite import reads_as_reference, split_references


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
