"""Hostile input against every service: generated requests from each OpenAPI document
(schemathesis), oversized and deeply nested bodies, wrong content types, unicode edge cases, and
SOQL / OData injection attempts in the System APIs' search parameters.

Whatever comes in, a service answers without a 5xx, as its document says, and every error is
`application/problem+json`.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

PROBLEM_JSON = "application/problem+json"
# Cases per operation and generation mode; `make chaos` raises it.
EXAMPLES = int(os.environ.get("TRIVIUM_FUZZ_EXAMPLES", "12"))
UNPROTECTED = frozenset({"/healthz", "/readyz", "/metrics"})
WRITES = frozenset({"POST", "PUT", "PATCH"})
# A long poll's wait: a generated case that leaves it out gets none (else each such case waits
# the default, 20 s, and the run spends its time waiting instead of trying inputs).
LONG_POLL = "waitSeconds"
# Clean refusals of a hostile body (403: a role the caller lacks is checked before the body).
REFUSALS = (400, 403, 404, 409, 413, 422)
# Services whose operations all work without a request body (customer-sync's are commands).
TAKE_NO_BODY = frozenset({"customer-sync"})
# TRIVIUM_MAX_BODY_BYTES's default, and the routes that state a limit of their own (the
# Salesforce System API's bulk product upsert).
MAX_BODY_BYTES = 1024 * 1024
BULK_LIMITS = {("salesforce-system", "/products"): 64 * 1024 * 1024}
UNICODE_EDGES = {
    "lone surrogate": "\ud800",
    "nul": "a\x00b",
    "right-to-left override": "\u202egnp.exe",
    "combining marks": "e" + "\u0301" * 64,
    "emoji with joiners": "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "noncharacter": "\ufffe\uffff",
    "bom": "\ufeffname",
    "long": "\u00e9" * 5000,
}


class Fuzzed:
    """The outcome of the generated cases run against one service."""

    def __init__(self) -> None:
        self.cases = 0
        self.failures: list[str] = []


def problem_json(response: Any, case: Any) -> None:
    """Every error is RFC 9457 problem details."""
    if response.status_code >= 400:
        content_type = response.headers.get("Content-Type", response.headers.get("content-type"))
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type, f"{response.status_code} without a content type"
        assert content_type.startswith(PROBLEM_JSON), f"{response.status_code} as {content_type}"


def fuzz_operation(operation: Any, *, base_url: str, token: str, outcome: Fuzzed) -> None:
    """Run positive and negative generated cases of one operation, recording failures."""
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}
    long_poll = any(parameter.name == LONG_POLL for parameter in operation.query)

    @given(
        case=operation.as_strategy()
        | operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE)
    )
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.headers = {**(case.headers or {}), **headers}
        if case.method.upper() in WRITES:
            case.headers.setdefault("Idempotency-Key", secrets.token_hex(8))
        if long_poll and LONG_POLL not in (case.query or {}):
            case.query = {**(case.query or {}), LONG_POLL: 0}
        response = case.call(base_url=base_url, session=session, timeout=30)
        outcome.cases += 1
        try:
            case.validate_response(
                response,
                checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
            )
            problem_json(response, case)
        except AssertionError as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else "failed"
            outcome.failures.append(
                f"{case.method} {case.formatted_path}: {first_line} -> "
                f"{response.status_code} {response.text[:300]}"
            )

    try:
        run()
    finally:
        session.close()


@pytest.mark.services(openapi=True)
class TestGeneratedRequests:
    def test_no_5xx_schema_conformant_problem_json_errors(
        self, suite: Any, service: Any, scoreboard: Any
    ) -> None:
        base_url = suite.url(service.name)
        schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
        token = suite.token(service.name)
        outcome = Fuzzed()
        for result in schema.get_all_operations():
            operation = result.ok()
            if operation.path in UNPROTECTED:
                continue
            fuzz_operation(operation, base_url=base_url, token=token, outcome=outcome)
        scoreboard.record_fuzz(service.name, cases=outcome.cases, failures=len(outcome.failures))
        assert outcome.failures == []
        assert outcome.cases > 0


async def operations_with_bodies(url: str, service: Any) -> list[tuple[str, str]]:
    """The (method, path) of every operation that reads a request body; a test over none would
    pass without having tried anything, so only the services known to take no body skip."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        document = (await client.get("/openapi.json")).json()
    operations = [
        (method.upper(), re.sub(r"\{[^}]+\}", "1-0", path))
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if "requestBody" in operation
    ]
    if not operations:
        assert service.name in TAKE_NO_BODY, f"{url} documents no operation that takes a body"
        pytest.skip(f"{service.name} takes no request body")
    return operations


def assert_clean_refusal(response: httpx.Response, *allowed: int) -> None:
    assert response.status_code in allowed, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.text[:300]


def deep(levels: int) -> bytes:
    return b'{"a":' * levels + b"1" + b"}" * levels


def body_limit(service: Any, path: str) -> int:
    """The body limit a service states for a path."""
    for (name, prefix), limit in BULK_LIMITS.items():
        if name == service.name and path.startswith(prefix):
            return limit
    return MAX_BODY_BYTES


async def declared_length_answer(
    url: str, *, method: str, path: str, token: str, length: int
) -> int:
    """The status a service answers to a request that announces `length` bytes of body and sends
    none of them: only a refusal before reading the body can answer it."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(
            f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: {secrets.token_hex(8)}\r\n"
            f"Content-Length: {length}\r\n\r\n".encode()
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), timeout=30)
    finally:
        writer.close()
    return int(status_line.split()[1])


@pytest.mark.asyncio
class TestHostileBodies:
    async def test_oversized_body(self, suite: Any, service: Any) -> None:
        operations = await operations_with_bodies(suite.url(service.name), service)
        body = json.dumps({"padding": "x" * MAX_BODY_BYTES}).encode()
        async with (
            suite.client(service.name) as client,
            httpx.AsyncClient(base_url=suite.url(service.name), timeout=30) as anonymous,
        ):
            for method, path in operations:
                # Authentication first: without a token the size is not even looked at.
                unknown = await anonymous.request(
                    method, path, content=body, headers=self.json_headers()
                )
                assert_clean_refusal(unknown, 401)
                response = await client.request(
                    method, path, content=body, headers=self.json_headers()
                )
                limit = body_limit(service, path)
                if limit >= len(body):
                    assert_clean_refusal(response, *REFUSALS)
                    assert response.status_code != 413, (path, response.text[:300])
                    continue
                assert_clean_refusal(response, 413)
                problem = response.json()
                assert problem["type"].endswith("/payload-too-large"), problem
                assert problem["maxBytes"] == limit

    async def test_a_body_announced_over_the_limit_is_refused_before_it_is_sent(
        self, suite: Any, service: Any
    ) -> None:
        operations = await operations_with_bodies(suite.url(service.name), service)
        for method, path in operations:
            status = await declared_length_answer(
                suite.url(service.name),
                method=method,
                path=path,
                token=suite.token(service.name),
                length=body_limit(service, path) + 1,
            )
            assert status == 413, (method, path)

    async def test_deeply_nested_json(self, suite: Any, service: Any) -> None:
        operations = await operations_with_bodies(suite.url(service.name), service)
        async with suite.client(service.name) as client:
            for method, path in operations:
                response = await client.request(
                    method, path, content=deep(100_000), headers=self.json_headers()
                )
                assert_clean_refusal(response, *REFUSALS)

    @pytest.mark.parametrize(
        ("content_type", "body"),
        [
            ("text/plain", b"lines=1"),
            ("application/xml", b"<order><lines/></order>"),
            ("application/x-www-form-urlencoded", b"a=1&b=2"),
            ("application/json", b"\xff\xfe\x00not utf-8"),
            ("application/json", b'{"unterminated": '),
        ],
        ids=["text", "xml", "form", "invalid-utf8", "truncated"],
    )
    async def test_wrong_or_broken_content(
        self, suite: Any, service: Any, content_type: str, body: bytes
    ) -> None:
        operations = await operations_with_bodies(suite.url(service.name), service)
        async with suite.client(service.name) as client:
            for method, path in operations:
                response = await client.request(
                    method,
                    path,
                    content=body,
                    headers={**self.json_headers(), "Content-Type": content_type},
                )
                assert_clean_refusal(response, *REFUSALS, 415)

    def json_headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", "Idempotency-Key": secrets.token_hex(8)}


class TestUnicodeEdges:
    @pytest.mark.asyncio
    @pytest.mark.parametrize("text", list(UNICODE_EDGES.values()), ids=list(UNICODE_EDGES))
    async def test_in_query_parameters(self, suite: Any, service: Any, text: str) -> None:
        async with httpx.AsyncClient(base_url=suite.url(service.name), timeout=30) as plain:
            document = (await plain.get("/openapi.json")).json()
        parameters = [
            (re.sub(r"\{[^}]+\}", "1-0", path), parameter["name"])
            for path, methods in document["paths"].items()
            if "get" in methods and path not in UNPROTECTED
            for parameter in methods["get"].get("parameters", [])
            if parameter["in"] == "query"
        ]
        # A service without query parameters would pass without having been tried.
        assert parameters, f"{service.name} documents no query parameter"
        # Encoded by hand: a client library refuses to send a lone surrogate.
        value = quote(text.encode("utf-8", "surrogatepass"), safe="")
        async with suite.client(service.name) as client:
            for path, name in parameters:
                response = await client.get(f"{path}?{name}={value}")
                assert response.status_code < 500, (path, name, response.text[:300])
                if response.status_code >= 400:
                    assert response.headers["content-type"].startswith(PROBLEM_JSON)


# The System APIs' searches, with a term that finds seed data and attempts to break out of the
# query language. Escaped, an attempt finds only records that hold its text literally (none in
# the seed data); injected, it would find every record.
SEARCHES = {
    "salesforce-system": [
        ("/accounts", "name", "Nordwind"),
        ("/products", "search", "MAT-0002"),
    ],
    "erp-system": [
        ("/customers", "name", "Nordwind"),
        ("/products", "search", "MAT-0002"),
    ],
}
INJECTIONS = {
    "soql quote": "x' OR Name != 'x",
    "soql backslash": "x\\' OR Name LIKE '%",
    "soql wildcard": "%",
    "soql underscore": "_",
    "soql subquery": "x') OR Id IN (SELECT AccountId FROM Contact) OR (Name = 'x",
    "odata quote": "x' or CustomerName ne 'x",
    "odata doubled quote": "x'' or 1 eq 1 or ''x",
    "odata function": "x') or substringof('a',CustomerName) or ('x",
    "odata option": "x'&$filter=true&$top=5000&x='",
    "odata wildcard": "*",
}


@pytest.mark.asyncio
@pytest.mark.services(tier=("system",))
class TestQueryInjection:
    async def test_a_plain_search_finds_the_seed_data(self, suite: Any, service: Any) -> None:
        async with suite.client(service.name) as client:
            for path, parameter, term in SEARCHES[service.name]:
                response = await client.get(path, params={parameter: term, "limit": 50})
                assert response.status_code == 200, response.text
                assert response.json()["items"], (path, parameter, term)

    @pytest.mark.parametrize("attempt", list(INJECTIONS.values()), ids=list(INJECTIONS))
    async def test_an_injection_attempt_finds_nothing_or_is_refused(
        self, suite: Any, service: Any, attempt: str
    ) -> None:
        async with suite.client(service.name) as client:
            for path, parameter, _ in SEARCHES[service.name]:
                response = await client.get(path, params={parameter: attempt, "limit": 50})
                if response.status_code == 422:
                    assert response.headers["content-type"].startswith(PROBLEM_JSON)
                    continue
                assert response.status_code == 200, (path, response.text[:300])
                found = [
                    item
                    for item in response.json()["items"]
                    if attempt.lower() not in json.dumps(item, ensure_ascii=False).lower()
                ]
                assert found == [], (path, parameter, attempt)
