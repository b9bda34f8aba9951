"""The org's identity: a new database is a new org, as a sandbox refresh makes one."""

from __future__ import annotations

from pathlib import Path

from salesforce_emulator.domain.ids import normalize_id
from salesforce_emulator.emulator import build_emulator
from salesforce_emulator.settings import SalesforceEmulatorSettings


def org_id_of(database_path: str) -> str:
    emulator = build_emulator(
        SalesforceEmulatorSettings(database_path=database_path, seed_demo_data=False)
    )
    try:
        return emulator.org.org_id
    finally:
        emulator.close()


class TestOrgId:
    def test_is_an_org_id(self) -> None:
        org_id = org_id_of(":memory:")

        assert org_id.startswith("00D")
        assert normalize_id(org_id) == org_id

    def test_new_database_is_a_new_org(self, tmp_path: Path) -> None:
        first = org_id_of(str(tmp_path / "first.sqlite3"))
        second = org_id_of(str(tmp_path / "second.sqlite3"))

        assert first != second
        assert org_id_of(":memory:") != org_id_of(":memory:")

    def test_reopened_database_keeps_its_org(self, tmp_path: Path) -> None:
        path = str(tmp_path / "org.sqlite3")
        created = org_id_of(path)

        assert org_id_of(path) == created

    def test_reset_keeps_the_org(self) -> None:
        emulator = build_emulator(
            SalesforceEmulatorSettings(database_path=":memory:", seed_demo_data=False)
        )
        try:
            before = emulator.org.org_id
            emulator.reset(seed=False)

            assert emulator.org.org_id == before
            with emulator.org.store.reading() as conn:
                stored = conn.execute("SELECT value FROM _sf_meta WHERE key = 'org_id'").fetchone()
            assert stored == (before,)
        finally:
            emulator.close()
