"""Field ownership rules: validated as data, asked per field."""

from __future__ import annotations

import pytest

from customer_sync_process.domain.ownership import (
    DEFAULT_OWNERSHIP,
    Owner,
    Ownership,
    System,
    validate_ownership,
)


class TestValidateOwnership:
    def test_defaults_are_valid(self) -> None:
        validate_ownership(DEFAULT_OWNERSHIP)

    def test_unknown_field(self) -> None:
        with pytest.raises(ValueError, match="fax: not a synchronised field"):
            validate_ownership({"fax": Owner.CRM})

    def test_field_that_cannot_be_written_where_the_owner_value_goes(self) -> None:
        with pytest.raises(ValueError, match="creditLimit: owned by salesforce, but cannot be"):
            validate_ownership({"creditLimit": Owner.CRM})

    def test_shared_field_must_be_writable_in_both(self) -> None:
        with pytest.raises(ValueError, match="blocked: owned by latest"):
            validate_ownership({"blocked": Owner.LATEST})


class TestOwnership:
    def test_fields_a_system_may_send(self) -> None:
        ownership = Ownership(DEFAULT_OWNERSHIP)

        assert ownership.fields_from(System.CRM) == ["name", "phone", "billingAddress"]
        assert "creditLimit" in ownership.fields_from(System.ERP)
        assert ownership.owned_by(System.ERP) == [
            "creditLimit", "paymentTerms", "blocked", "customerNumber"
        ]  # fmt: skip
