"""15- and 18-character Salesforce ids."""

from __future__ import annotations

import pytest

from salesforce_emulator.soql.ids import id_suffix, normalize_id


class TestIdSuffix:
    @pytest.mark.parametrize(
        ("id15", "suffix"),
        [("001A0000006Vm9r", "IAC"), ("001000000000001", "AAA"), ("0QLZZZZZZZZZZZZ", "455")],
    )
    def test_checksum(self, id15: str, suffix: str) -> None:
        assert id_suffix(id15) == suffix


class TestNormalizeId:
    def test_15_characters_gain_the_suffix(self) -> None:
        assert normalize_id("001A0000006Vm9r") == "001A0000006Vm9rIAC"

    def test_18_characters_restore_case_from_the_suffix(self) -> None:
        assert normalize_id("001a0000006vm9riac") == "001A0000006Vm9rIAC"

    def test_canonical_18_characters_unchanged(self) -> None:
        assert normalize_id("001A0000006Vm9rIAC") == "001A0000006Vm9rIAC"

    @pytest.mark.parametrize("text", ["", "001", "001A0000006Vm9rI", "001A0000006Vm9r!", "x" * 19])
    def test_not_an_id(self, text: str) -> None:
        assert normalize_id(text) is None
