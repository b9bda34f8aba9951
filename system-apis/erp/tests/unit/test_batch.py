"""`$batch` bodies as pyodata and Gateway write them."""

from __future__ import annotations

import pytest

from erp_system.adapters.s4hana.batch import (
    BatchFormatError,
    boundary_of,
    decode_batch,
    encode_read_batch,
)

from . import sap_responses as sap


class TestEncode:
    def test_each_get_is_an_http_part_with_crlf_lines(self) -> None:
        body = encode_read_batch(["A_Product('A')", "A_Product('B')"], boundary="batch_1")
        assert body.count(b"--batch_1\r\nContent-Type: application/http\r\n") == 2
        assert b"GET A_Product('A') HTTP/1.1\r\nAccept: application/json\r\n\r\n\r\n" in body
        assert body.endswith(b"--batch_1--\r\n")


class TestDecode:
    def test_parts_keep_order_status_and_exact_body(self) -> None:
        answer = sap.batch_answer(
            [(200, sap.many([sap.stock_row("A", "1")])), (404, sap.NOT_FOUND)]
        )
        parts = decode_batch("multipart/mixed; boundary=batchresp_5F3A", answer)
        assert [part.status for part in parts] == [200, 404]
        assert parts[0].json()["d"]["results"][0]["Material"] == "A"
        assert parts[1].json()["error"]["code"] == "/IWBEP/CM_MGW_RT/020"

    def test_changeset_answers_are_flattened_in_place(self) -> None:
        body = (
            b"--outer\r\nContent-Type: multipart/mixed; boundary=cs\r\n\r\n"
            b"--cs\r\nContent-Type: application/http\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n\r\n"
            b"--cs--\r\n\r\n"
            b"--outer\r\nContent-Type: application/http\r\n\r\n"
            b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"d":{}}\r\n'
            b"--outer--\r\n"
        )
        parts = decode_batch('multipart/mixed; boundary="outer"', body)
        assert [part.status for part in parts] == [204, 200]
        assert parts[0].body == b""
        assert parts[1].json() == {"d": {}}

    def test_answer_without_boundary_is_rejected(self) -> None:
        with pytest.raises(BatchFormatError):
            boundary_of("application/json")
