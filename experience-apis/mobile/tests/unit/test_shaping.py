"""Shaping for the phone: sparse fieldsets, stable bodies and entity tags."""

from __future__ import annotations

import json

import pytest

from mobile_experience.domain.accounts import CustomerViews
from mobile_experience.domain.models import SECTIONS, Rep
from mobile_experience.domain.shaping import entity_tag, parse_fields, render_view
from trivium.problems import ValidationFailed

ANNA = Rep(username="anna.becker@trivium.demo")
PARTNER = "001000000000001AAA"


class TestParseFields:
    def test_absent_means_every_section(self) -> None:
        assert parse_fields(None) == SECTIONS

    def test_sections_come_in_the_views_order(self) -> None:
        assert parse_fields(" credit, account ,credit") == ("account", "credit")

    @pytest.mark.parametrize("text", ["account,passwords", "", " , "])
    def test_unknown_or_no_section_is_a_field_error(self, text: str) -> None:
        with pytest.raises(ValidationFailed) as raised:
            parse_fields(text)
        assert raised.value.errors
        assert raised.value.errors[0].pointer == "fields"


class TestRenderView:
    @pytest.mark.asyncio
    async def test_only_the_asked_sections_are_rendered(self, views: CustomerViews) -> None:
        view = await views.view(ANNA, PARTNER)
        document = json.loads(render_view(view, ("credit",)))
        assert set(document) == {"accountId", "credit"}
        assert document["credit"]["data"]["limit"] == {"amount": "50000", "currency": "EUR"}

    @pytest.mark.asyncio
    async def test_equal_views_have_equal_tags_and_sparse_ones_differ(
        self, views: CustomerViews
    ) -> None:
        view = await views.view(ANNA, PARTNER)
        again = await views.view(ANNA, PARTNER)
        full = render_view(view, SECTIONS)
        assert entity_tag(full) == entity_tag(render_view(again, SECTIONS))
        assert entity_tag(full) != entity_tag(render_view(view, ("account",)))
        assert entity_tag(full).startswith('"')
