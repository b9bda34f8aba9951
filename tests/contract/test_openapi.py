"""Every service's OpenAPI document: committed as the app serves it (drift), and compatible with
the version on main (breaking changes). The service list is contracts/services.toml."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from trivium_testing.openapi import (
    app_document,
    breaking_changes,
    check_drift,
    document_path,
    main_version,
    openapi_services,
    render,
)

pytestmark = pytest.mark.contract

SERVICES = openapi_services()


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    """Each service's document as its app builds it now."""
    return {service: app_document(factory) for service, factory in SERVICES.items()}


@pytest.fixture
def salesforce_document(documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A copy of a real document to break on purpose."""
    return copy.deepcopy(documents["salesforce-system"])


def schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"][name]
    return found


class TestDrift:
    @pytest.mark.parametrize("name", sorted(SERVICES))
    def test_committed_document_is_the_apps(
        self, name: str, documents: dict[str, dict[str, Any]]
    ) -> None:
        check_drift(documents[name], document_path(name))


class TestDriftCheck:
    @pytest.fixture
    def committed(
        self, salesforce_document: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> Path:
        """A committed copy of the app's document, checked without updating it."""
        monkeypatch.delenv("TRIVIUM_CONTRACTS_UPDATE", raising=False)
        committed = tmp_path / "salesforce-system.json"
        committed.write_text(render(salesforce_document))
        return committed

    def test_a_changed_copy_is_reported(
        self, salesforce_document: dict[str, Any], committed: Path
    ) -> None:
        del salesforce_document["paths"]["/quotes/{quote_id}"]["patch"]

        with pytest.raises(AssertionError, match="differs from the app's OpenAPI document"):
            check_drift(salesforce_document, committed)

    def test_an_identical_copy_passes(
        self, salesforce_document: dict[str, Any], committed: Path
    ) -> None:
        check_drift(salesforce_document, committed)


class TestBreakingChanges:
    @pytest.mark.parametrize("name", sorted(SERVICES))
    def test_app_keeps_what_main_published(
        self, name: str, documents: dict[str, dict[str, Any]]
    ) -> None:
        published = main_version(document_path(name))
        if published is None:
            pytest.skip(f"{name} has no document on main yet: everything in it is new")
        assert breaking_changes(published, documents[name]) == []


class TestMainVersion:
    def test_a_document_not_on_main_is_new(self) -> None:
        assert main_version(document_path("a-service-not-built-yet")) is None


class TestBreakingChangeCheck:
    def test_a_removed_path_breaks(self, salesforce_document: dict[str, Any]) -> None:
        changed = copy.deepcopy(salesforce_document)
        del changed["paths"]["/quotes/{quote_id}"]

        assert breaking_changes(salesforce_document, changed) == [
            "/quotes/{quote_id}: the path was removed"
        ]

    def test_a_removed_operation_breaks(self, salesforce_document: dict[str, Any]) -> None:
        changed = copy.deepcopy(salesforce_document)
        del changed["paths"]["/quotes/{quote_id}"]["patch"]

        assert breaking_changes(salesforce_document, changed) == [
            "PATCH /quotes/{quote_id}: the operation was removed"
        ]

    def test_a_removed_response_field_breaks(self, salesforce_document: dict[str, Any]) -> None:
        changed = copy.deepcopy(salesforce_document)
        del schema(changed, "QuoteRead")["properties"]["status"]

        assert "GET /quotes/{quote_id} 200.status: removed from the response" in (
            breaking_changes(salesforce_document, changed)
        )

    def test_a_retyped_response_field_breaks(self, salesforce_document: dict[str, Any]) -> None:
        changed = copy.deepcopy(salesforce_document)
        schema(changed, "QuoteRead")["properties"]["status"] = {"type": "integer"}

        assert (
            "GET /quotes/{quote_id} 200.status: retyped from ['string'] to ['integer']"
            in breaking_changes(salesforce_document, changed)
        )

    def test_a_new_required_request_field_breaks(self, salesforce_document: dict[str, Any]) -> None:
        changed = copy.deepcopy(salesforce_document)
        quote_update = schema(changed, "QuoteUpdate")
        quote_update["properties"]["reason"] = {"type": "string"}
        quote_update["required"].append("reason")

        assert breaking_changes(salesforce_document, changed) == [
            "PATCH /quotes/{quote_id} request.reason: a new required request field"
        ]

    def test_additions_pass(self, salesforce_document: dict[str, Any]) -> None:
        changed = copy.deepcopy(salesforce_document)
        schema(changed, "QuoteRead")["properties"]["currency"] = {"type": "string"}
        schema(changed, "QuoteUpdate")["properties"]["reason"] = {"type": "string"}
        changed["paths"]["/quotes"] = copy.deepcopy(changed["paths"]["/quotes/{quote_id}"])

        assert breaking_changes(salesforce_document, changed) == []

    def test_a_document_compared_with_itself_passes(
        self, salesforce_document: dict[str, Any]
    ) -> None:
        assert breaking_changes(salesforce_document, json.loads(render(salesforce_document))) == []
