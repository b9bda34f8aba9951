"""$batch on the wire: multipart/mixed reads, changesets, Content-ID references, failures."""

from __future__ import annotations

import json
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import httpx
import pytest

from ..support import SO, STOCK, Sap, order_body, sap_error

pytestmark = pytest.mark.asyncio

CRLF = "\r\n"


def part(
    request_line: str, body: dict[str, Any] | None = None, *, content_id: str | None = None
) -> str:
    head = ["Content-Type: application/http", "Content-Transfer-Encoding: binary"]
    if content_id:
        head.append(f"Content-ID: {content_id}")
    inner = [request_line, "Accept: application/json"]
    if body is not None:
        inner.append("Content-Type: application/json")
    payload = json.dumps(body) if body is not None else ""
    return CRLF.join([*head, "", *inner, "", payload])


def batch(boundary: str, *parts: str) -> str:
    return CRLF.join(f"--{boundary}{CRLF}{p}" for p in parts) + f"{CRLF}--{boundary}--{CRLF}"


def changeset(boundary: str, *parts: str) -> str:
    return f"Content-Type: multipart/mixed; boundary={boundary}{CRLF}{CRLF}" + batch(
        boundary, *parts
    )


async def send(sap: Sap, service: str, body: str) -> list[Any]:
    """Post a batch; returns per part (status, json) or, for a changeset, a list of those."""
    response = await sap.post(
        f"{service}/$batch",
        content=body.encode(),
        headers={"content-type": "multipart/mixed; boundary=batch_1"},
    )
    assert response.status_code == 202, response.text
    return decode(response)


def decode(response: httpx.Response) -> list[Any]:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {response.headers['content-type']}\r\n\r\n".encode() + response.content
    )
    return [_answer(p) for p in message.iter_parts()]


def _answer(mime: Any) -> Any:
    if mime.get_content_type() == "multipart/mixed":
        return [_answer(p) for p in mime.iter_parts()]
    raw: bytes = mime.get_payload(decode=True)
    status_line, _, rest = raw.partition(b"\r\n")
    _, _, body = rest.partition(b"\r\n\r\n")
    status = int(status_line.split()[1])
    return status, json.loads(body) if body.strip() else None


class TestBatch:
    async def test_many_reads_in_one_round_trip(self, sap: Sap) -> None:
        reads = [
            part(
                f"GET A_MatlStkInAcctMod?$filter=Material%20eq%20'MAT-{n:04d}'"
                "%20and%20Plant%20eq%20'1010'"
                "&$select=Material,MatlWrhsStkQtyInMatlBaseUnit HTTP/1.1"
            )
            for n in range(1, 51)
        ]
        answers = await send(sap, STOCK, batch("batch_1", *reads))
        assert len(answers) == 50
        assert all(status == 200 for status, _ in answers)
        assert answers[0][1]["d"]["results"][0]["Material"] == "MAT-0001"
        assert answers[45][1]["d"]["results"] == []

    async def test_changeset_with_content_id_reference(self, sap: Sap) -> None:
        body = batch(
            "batch_1",
            changeset(
                "changeset_1",
                part("POST A_SalesOrder HTTP/1.1", order_body("1000002"), content_id="1"),
                part(
                    "POST $1/to_Item HTTP/1.1", {"Material": "MAT-0001", "RequestedQuantity": "1"}
                ),
            ),
            part(
                "GET A_SalesOrder?$filter=PurchaseOrderByCustomer%20eq%20'TEST-PO-1'"
                "&$expand=to_Item HTTP/1.1"
            ),
        )
        (created, added), (status, found) = await send(sap, SO, body)
        assert created[0] == 201
        assert added[0] == 201
        assert added[1]["d"]["SalesOrder"] == created[1]["d"]["SalesOrder"]
        assert status == 200
        orders = found["d"]["results"]
        assert [len(o["to_Item"]["results"]) for o in orders] == [2]

    async def test_failed_changeset_collapses_into_one_error_and_rolls_back(self, sap: Sap) -> None:
        body = batch(
            "batch_1",
            changeset(
                "changeset_1",
                part(
                    "POST A_SalesOrder HTTP/1.1",
                    order_body("1000002", PurchaseOrderByCustomer="ROLLED"),
                ),
                part("POST A_SalesOrder HTTP/1.1", order_body("1000002", ("MAT-9999", "1"))),
            ),
            part(
                "GET A_SalesOrder/$count?$filter=PurchaseOrderByCustomer%20eq%20'ROLLED' HTTP/1.1"
            ),
        )
        response = await sap.post(
            f"{SO}/$batch",
            content=body.encode(),
            headers={"content-type": "multipart/mixed; boundary=batch_1"},
        )
        assert response.status_code == 202
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {response.headers['content-type']}\r\n\r\n".encode() + response.content
        )
        first, count = list(message.iter_parts())
        assert first.get_content_type() == "application/http"
        status, error = _answer(first)
        assert status == 400
        assert "MAT-9999" in error["error"]["message"]["value"]
        assert count.get_payload(decode=True).endswith(b"\r\n\r\n0")

    async def test_write_outside_a_changeset_is_refused_in_its_part(self, sap: Sap) -> None:
        answers = await send(
            sap, SO, batch("batch_1", part("POST A_SalesOrder HTTP/1.1", order_body()))
        )
        assert answers[0][0] == 400

    async def test_batch_needs_a_csrf_token(self, sap: Sap) -> None:
        del sap.headers["x-csrf-token"]
        response = await sap.post(
            f"{SO}/$batch",
            content=batch("batch_1", part("GET A_SalesOrder('1') HTTP/1.1")).encode(),
            headers={"content-type": "multipart/mixed; boundary=batch_1"},
        )
        assert response.status_code == 403
        assert response.headers["x-csrf-token"] == "Required"

    async def test_malformed_batch_is_400(self, sap: Sap) -> None:
        response = await sap.post(
            f"{SO}/$batch", content=b"nope", headers={"content-type": "text/plain"}
        )
        sap_error(response, 400)
