"""The needs-attention routes list a flow's sagas that need attention and retry one, under the
path parameter name the service gives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import pytest
from fastapi import FastAPI, Path

from trivium.attention import needs_attention_router
from trivium.errors import install_problem_handlers
from trivium.problems import Forbidden, NotFound
from trivium.schemas import ApiModel
from trivium_testing.apps import app_client

LEDGER_ID_PATTERN = r"^L\d+$"
LedgerId = Annotated[str, Path(pattern=LEDGER_ID_PATTERN, description="The ledger's id.")]


class OperatorRequired(Forbidden):
    slug = "operator-role-required"


class LedgerNotFound(NotFound):
    slug = "ledger-not-found"


class LedgerRead(ApiModel):
    id: str
    retried: bool


@dataclass
class Store:
    ids: list[str]

    async def list_needing_attention(
        self, *, limit: int, after: str | None
    ) -> tuple[list[str], str | None]:
        newer = [i for i in self.ids if after is None or i < after][:limit]
        return newer, newer[-1] if len(newer) == limit else None


@dataclass
class Flow:
    store: Store
    retried: list[str] = field(default_factory=list)


FLOW = Flow(Store(["L3", "L2", "L1"]))


async def get_flow() -> Flow:
    return FLOW


async def allow_operator() -> None:
    return None


async def retry(flow: Flow, ledger_id: str) -> str | None:
    if ledger_id not in flow.store.ids:
        raise LedgerNotFound(f"no ledger {ledger_id}")
    flow.retried.append(ledger_id)
    return ledger_id


def app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(
        needs_attention_router(
            flow=get_flow,
            read=lambda ledger_id: LedgerRead(id=ledger_id, retried=ledger_id in FLOW.retried),
            read_model=LedgerRead,
            retry=retry,
            id_pattern=LEDGER_ID_PATTERN,
            operator=allow_operator,
            operator_required=OperatorRequired,
            retry_path="/ledgers/{ledger_id}/retry-crm",
            saga_id=LedgerId,
            retry_problems=(OperatorRequired, LedgerNotFound),
            list_description="""
            Ledgers that need attention,
            newest first.""",
            retry_description="Retry a ledger's CRM write.",
        )
    )
    return app


class TestNeedsAttentionRouter:
    @pytest.mark.asyncio
    async def test_sagas_are_listed_by_page_and_retried_by_id(self) -> None:
        async with app_client(app()) as client:
            first = (await client.get("/needs-attention", params={"limit": 2})).json()
            rest = await client.get("/needs-attention", params={"cursor": first["nextCursor"]})
            retried = await client.post("/ledgers/L2/retry-crm")
            missing = await client.post("/ledgers/L9/retry-crm")
        assert [item["id"] for item in first["items"]] == ["L3", "L2"]
        assert [item["id"] for item in rest.json()["items"]] == ["L1"]
        assert retried.json() == {"id": "L2", "retried": True}
        assert missing.status_code == 404

    def test_the_routes_are_documented_as_the_service_names_them(self) -> None:
        paths = app().openapi()["paths"]
        listing, retry_crm = (
            paths["/needs-attention"]["get"],
            paths["/ledgers/{ledger_id}/retry-crm"]["post"],
        )
        assert listing["description"] == "Ledgers that need attention,\nnewest first."
        assert listing["operationId"] == "list_needing_attention_needs_attention_get"
        assert [p["name"] for p in retry_crm["parameters"]] == ["ledger_id"]
        assert retry_crm["parameters"][0]["schema"]["pattern"] == LEDGER_ID_PATTERN
        assert {"403", "404", "422"} <= set(retry_crm["responses"])
