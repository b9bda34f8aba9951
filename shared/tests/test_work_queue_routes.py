"""The dead-letter routes over a real queue on Redis, with real service tokens."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import pytest_asyncio
import redis.asyncio
from fastapi import FastAPI, Request

from trivium.app import create_service_app
from trivium.problems import PROBLEM_BASE_URI, OperatorRoleRequired
from trivium.schemas import ApiModel
from trivium.service_auth import OPERATOR, require_service_token
from trivium.settings import ServiceSettings
from trivium.work_queue import Message, PermanentFailure, WorkQueue
from trivium.work_queue.routes import dead_letter_reader, dead_letter_router
from trivium_testing.keys import session_keys

pytestmark = pytest.mark.asyncio

Client = Callable[..., httpx.AsyncClient]


class EntryLetterRead(ApiModel):
    id: str
    entry_id: str | None
    error_message: str


def get_queue(request: Request) -> WorkQueue:
    queue: WorkQueue = request.app.state.work_queue
    return queue


def build_app(queue: WorkQueue) -> FastAPI:
    settings = ServiceSettings(
        service_name="ledger", log_format="text", **session_keys().settings("ledger")
    )
    app = create_service_app(settings, title="Ledger")
    app.state.work_queue = queue
    operators = require_service_token(OPERATOR, identity_from=[OPERATOR])
    app.include_router(
        dead_letter_router(
            queue=get_queue,
            read=dead_letter_reader(EntryLetterRead, work_id="entryId"),
            read_model=EntryLetterRead,
            operator_required=OperatorRoleRequired,
            list_description="Entries that failed for good.",
            replay_description="Queue the entry again.",
        ),
        dependencies=[operators],
    )
    return app


async def dead_letter(queue: WorkQueue, payload: dict[str, Any]) -> None:
    """Enqueue `payload` and let a consumer refuse it for good."""

    async def refuse(message: Message) -> None:
        raise PermanentFailure(f"entry {message.payload.get('entryId')} cannot be booked")

    await queue.ensure_group()
    before = (await queue.stats()).dead_letters
    await queue.enqueue(payload)
    stop = asyncio.Event()
    consumer = asyncio.create_task(
        queue.run_consumer(refuse, consumer_name="refuser", stop_event=stop)
    )
    try:
        for _ in range(250):
            if (await queue.stats()).dead_letters > before:
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError("no dead letter within 5 s")
    finally:
        stop.set()
        await consumer


@pytest_asyncio.fixture
async def queue(redis_client: redis.asyncio.Redis) -> WorkQueue:
    return WorkQueue(redis_client, f"{{t}}:{secrets.token_hex(4)}", block_ms=50)


@pytest_asyncio.fixture
async def client(queue: WorkQueue) -> AsyncIterator[Client]:
    app = build_app(queue)
    clients: list[httpx.AsyncClient] = []

    def make(*, roles: list[str] | None = None) -> httpx.AsyncClient:
        claims = {"roles": roles} if roles else None
        token = session_keys().issuer(OPERATOR).token_for("ledger", claims=claims)
        made = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),
            base_url="http://test",
            headers={"Authorization": f"Bearer {token}"},
        )
        clients.append(made)
        return made

    yield make
    for made in clients:
        await made.aclose()


class TestListDeadLetters:
    async def test_a_caller_without_the_operator_role_is_refused(self, client: Client) -> None:
        response = await client(roles=["reader"]).get("/dead-letters")
        assert response.status_code == 403
        assert response.json()["type"] == PROBLEM_BASE_URI + "operator-role-required"

    async def test_an_operator_sees_each_letter_as_the_service_shows_it(
        self, client: Client, queue: WorkQueue
    ) -> None:
        await dead_letter(queue, {"entryId": "E-1"})
        await dead_letter(queue, {"entryId": "E-2"})
        operator = client(roles=["operator"])
        first = (await operator.get("/dead-letters", params={"limit": 1})).json()
        assert [item["entryId"] for item in first["items"]] == ["E-1"]
        assert first["items"][0]["errorMessage"] == "entry E-1 cannot be booked"
        params = {"limit": 1, "cursor": first["nextCursor"]}
        second = (await operator.get("/dead-letters", params=params)).json()
        assert [item["entryId"] for item in second["items"]] == ["E-2"]

    async def test_a_foreign_cursor_is_refused(self, client: Client) -> None:
        response = await client(roles=["operator"]).get(
            "/dead-letters", params={"cursor": "bm90LWEtc3RyZWFtLWlk"}
        )
        assert response.status_code == 400
        assert response.json()["type"] == PROBLEM_BASE_URI + "invalid-cursor"


class TestReplayDeadLetter:
    async def test_an_operator_queues_the_letter_again(
        self, client: Client, queue: WorkQueue
    ) -> None:
        await dead_letter(queue, {"entryId": "E-1"})
        operator = client(roles=["operator"])
        [letter] = (await operator.get("/dead-letters")).json()["items"]
        response = await operator.post(f"/dead-letters/{letter['id']}/replay")
        assert response.status_code == 202
        assert response.json()["deadLetterId"] == letter["id"]
        assert (await queue.list_dead_letters()).items == []
        assert (await queue.stats()).depth == 1

    async def test_an_unknown_letter_is_not_found(self, client: Client) -> None:
        response = await client(roles=["operator"]).post("/dead-letters/1-1/replay")
        assert response.status_code == 404

    async def test_a_caller_without_the_operator_role_is_refused(self, client: Client) -> None:
        response = await client().post("/dead-letters/1-1/replay")
        assert response.status_code == 403


class TestGetDeadLetter:
    async def test_an_operator_reads_one_letter(self, client: Client, queue: WorkQueue) -> None:
        await dead_letter(queue, {"entryId": "E-1"})
        operator = client(roles=["operator"])
        [letter] = (await operator.get("/dead-letters")).json()["items"]
        response = await operator.get(f"/dead-letters/{letter['id']}")
        assert response.status_code == 200
        assert response.json() == letter

    async def test_an_unknown_letter_is_not_found(self, client: Client) -> None:
        response = await client(roles=["operator"]).get("/dead-letters/1-1")
        assert response.status_code == 404
        assert response.json()["type"] == PROBLEM_BASE_URI + "dead-letter-not-found"

    @pytest.mark.parametrize("method", ["GET", "DELETE", "POST"])
    async def test_a_malformed_id_is_a_problem(self, client: Client, method: str) -> None:
        path = "/dead-letters/not-an-id" + ("/replay" if method == "POST" else "")
        response = await client(roles=["operator"]).request(method, path)
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"


class TestDiscardDeadLetter:
    async def test_an_operator_deletes_the_letter_without_replaying_it(
        self, client: Client, queue: WorkQueue
    ) -> None:
        await dead_letter(queue, {"entryId": "E-1"})
        operator = client(roles=["operator"])
        [letter] = (await operator.get("/dead-letters")).json()["items"]
        response = await operator.delete(f"/dead-letters/{letter['id']}")
        assert response.status_code == 204
        assert (await queue.list_dead_letters()).items == []
        assert (await queue.stats()).depth == 0

    async def test_an_unknown_letter_is_not_found(self, client: Client) -> None:
        response = await client(roles=["operator"]).delete("/dead-letters/1-1")
        assert response.status_code == 404

    async def test_a_caller_without_the_operator_role_is_refused(
        self, client: Client, queue: WorkQueue
    ) -> None:
        await dead_letter(queue, {"entryId": "E-1"})
        [letter] = (await queue.list_dead_letters()).items
        response = await client().delete(f"/dead-letters/{letter.id}")
        assert response.status_code == 403
        assert len((await queue.list_dead_letters()).items) == 1


class TestReplayAllDeadLetters:
    async def test_an_operator_queues_every_letter_again(
        self, client: Client, queue: WorkQueue
    ) -> None:
        await dead_letter(queue, {"entryId": "E-1"})
        await dead_letter(queue, {"entryId": "E-2"})
        response = await client(roles=["operator"]).post("/dead-letters/replay")
        assert response.status_code == 202
        assert response.json() == {"replayed": 2}
        assert (await queue.list_dead_letters()).items == []
        assert (await queue.stats()).depth == 2

    async def test_a_caller_without_the_operator_role_is_refused(self, client: Client) -> None:
        response = await client().post("/dead-letters/replay")
        assert response.status_code == 403
