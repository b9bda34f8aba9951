"""The bases for API schemas and upstream answers, and the small value types every tier may use."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

DecimalString = Annotated[Decimal, PlainSerializer(lambda value: format(value, "f"), str)]


class ApiModel(BaseModel):
    """Response schema base: camelCase on the wire, snake_case in Python, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, serialize_by_alias=True
    )


class ApiRequest(ApiModel):
    """Request schema base: like ApiModel, and unknown fields are an error."""

    model_config = ConfigDict(extra="forbid")


class UpstreamModel(BaseModel):
    """Base for another tier's answer as its caller reads it: camelCase, unknown fields ignored
    (the callee may add fields without breaking its callers), immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=True, extra="ignore"
    )


class Money(ApiModel):
    """An amount of money as a decimal string and an ISO 4217 currency code."""

    amount: DecimalString = Field(examples=["12.50"])
    currency: str = Field(pattern=r"^[A-Z]{3}$", examples=["EUR"])


ItemT = TypeVar("ItemT")


class Page(ApiModel, Generic[ItemT]):
    """A page of a cursor-paginated list."""

    items: list[ItemT]
    next_cursor: str | None = None
