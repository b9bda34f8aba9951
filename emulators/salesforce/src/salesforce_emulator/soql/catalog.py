"""What the SOQL engine needs to know about the org's objects (implemented by the emulator core)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class FieldInfo(Protocol):
    """One field of an sObject, as describe would report it."""

    @property
    def name(self) -> str: ...  # API name in canonical case ("AccountId")

    @property
    def type(self) -> str: ...  # describe type: "id", "string", "reference", "boolean", ...

    @property
    def reference_to(self) -> tuple[str, ...]: ...  # target sObjects of a "reference", else ()

    @property
    def relationship_name(self) -> str | None: ...  # "Account" for AccountId, else None


class ChildRelationship(Protocol):
    """A parent-to-child relationship usable as a subquery's FROM ("Contacts")."""

    @property
    def name(self) -> str: ...

    @property
    def child_object(self) -> str: ...

    @property
    def field(self) -> str: ...  # the lookup on the child that points to the parent


class ObjectInfo(Protocol):
    """One sObject type; every lookup by name is case-insensitive."""

    @property
    def name(self) -> str: ...

    def field(self, name: str) -> FieldInfo | None: ...

    def relationship(self, name: str) -> FieldInfo | None: ...

    def child_relationship(self, name: str) -> ChildRelationship | None: ...

    def field_names(self) -> Sequence[str]: ...


class Catalog(Protocol):
    """The org's schema; `object` looks names up case-insensitively."""

    def object(self, name: str) -> ObjectInfo | None: ...
