"""Which system owns which customer field, declared as data and checked at start-up.

The owner's value is the truth: a change the other system makes to an owned field is a conflict,
counted and logged, and the owner's value is written back over it. Fields owned by `latest` go
the way of the most recent commit, whichever system made it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Owner(StrEnum):
    CRM = "salesforce"
    ERP = "erp"
    LATEST = "latest"


class System(StrEnum):
    CRM = "salesforce"
    ERP = "erp"

    @property
    def other(self) -> System:
        return System.ERP if self is System.CRM else System.CRM


# The fields this flow keeps in step, and the systems each can be written to.
WRITABLE: dict[str, frozenset[System]] = {
    "name": frozenset({System.CRM, System.ERP}),
    "phone": frozenset({System.CRM, System.ERP}),
    "billingAddress": frozenset({System.CRM, System.ERP}),
    "creditLimit": frozenset({System.CRM}),
    "paymentTerms": frozenset({System.CRM}),
    "blocked": frozenset({System.CRM}),
    "customerNumber": frozenset({System.CRM}),
}
DEFAULT_OWNERSHIP: dict[str, Owner] = {
    "name": Owner.CRM,
    "phone": Owner.CRM,
    "billingAddress": Owner.LATEST,
    "creditLimit": Owner.ERP,
    "paymentTerms": Owner.ERP,
    "blocked": Owner.ERP,
    "customerNumber": Owner.ERP,
}


def validate_ownership(ownership: Mapping[str, Owner]) -> None:
    """Raise ValueError unless every field is known and can be written where its owner's value
    must go (a field owned by one system is written to the other; `latest` to both)."""
    problems = []
    for field, owner in ownership.items():
        writable = WRITABLE.get(field)
        if writable is None:
            problems.append(f"{field}: not a synchronised field ({', '.join(sorted(WRITABLE))})")
            continue
        needed = {System.CRM, System.ERP} if owner is Owner.LATEST else {System(owner).other}
        missing = needed - writable
        if missing:
            problems.append(
                f"{field}: owned by {owner.value}, but cannot be written to "
                f"{', '.join(sorted(system.value for system in missing))}"
            )
    if problems:
        raise ValueError("invalid field ownership: " + "; ".join(problems))


class Ownership:
    """The validated rules, asked per field."""

    def __init__(self, rules: Mapping[str, Owner]) -> None:
        validate_ownership(rules)
        self.rules = dict(rules)

    def owner(self, field: str) -> Owner:
        return self.rules[field]

    def fields_from(self, source: System) -> list[str]:
        """Fields whose changes in `source` may be copied to the other system."""
        target = source.other
        return [
            field
            for field, owner in self.rules.items()
            if owner in (Owner(source.value), Owner.LATEST) and target in WRITABLE[field]
        ]

    def owned_by(self, system: System) -> list[str]:
        return [field for field, owner in self.rules.items() if owner == Owner(system.value)]
