from __future__ import annotations

import pytest

from salesforce_emulator.domain.ids import IdAllocator, decode_counter, make_id, normalize_id, to18


class TestTo18:
    @pytest.mark.parametrize(
        ("id15", "id18"),
        [
            ("001D000000IRFma", "001D000000IRFmaIAH"),
            ("003D000000QV9n2", "003D000000QV9n2IAD"),
            ("0010000000000Ab", "0010000000000AbAAI"),
        ],
    )
    def test_appends_salesforce_checksum(self, id15: str, id18: str) -> None:
        assert to18(id15) == id18


class TestNormalizeId:
    def test_accepts_15_characters(self) -> None:
        assert normalize_id("001D000000IRFma") == "001D000000IRFmaIAH"

    def test_accepts_18_characters_with_any_checksum_case(self) -> None:
        assert normalize_id("001D000000IRFmaiah") == "001D000000IRFmaIAH"

    @pytest.mark.parametrize(
        "value", ["", "001", "001D000000IRFmaXXX", "001D000000IRF-a", "x" * 19]
    )
    def test_rejects_malformed(self, value: str) -> None:
        assert normalize_id(value) is None


class TestIdAllocator:
    def test_hands_out_increasing_ids_per_prefix(self) -> None:
        allocator = IdAllocator()
        first, second = allocator.allocate("001", 2)
        assert first == make_id("001", 1)
        assert second == make_id("001", 2)
        assert first < second
        assert allocator.new_id("003") == make_id("003", 1)

    def test_continues_after_the_highest_stored_id(self) -> None:
        allocator = IdAllocator()
        allocator.seed("001", make_id("001", 4000))
        record_id = allocator.new_id("001")
        assert decode_counter(record_id) == 4001
        assert record_id.startswith("001")
        assert len(record_id) == 18
        assert normalize_id(record_id) == record_id
