"""`Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header) for the POSTs that create things.

The first request with a key claims it (SET NX of an in-progress record with a lease); its
response is stored for `ttl_seconds` and replayed to repeats with `Idempotent-Replayed: true`. A
repeat while the first runs polls (capped backoff reads: pub/sub would cost a connection per waiter
and still need a re-check and a timeout) for up to `wait_seconds`, then answers 409 with a
`Retry-After` of the claim's lease left, the latest it can be free; a repeat with a different
fingerprint (method, target, caller scope, body) is a 422. A 5xx or an exception
releases the key; a raised Problem counts as one (the request was refused, nothing is left to
protect, and the client may correct it). Store, release and lease renewal are Lua compare-and-set
on the exact claim record, which carries a per-request owner token, so a handler whose lease lapsed
cannot touch a newer owner's record. The owner renews its lease while it runs: the lease bounds
how long a crashed process locks a key, not how long a handler may take.

Why a route class (`APIRouter(route_class=idempotent_route(...))`): the route's request handler is
the one place that sees both the routed request (route, body cached by Starlette for FastAPI) and
the final `Response` FastAPI renders from whatever the endpoint returned (a pydantic model, a custom
status code, headers set on an injected `Response`). A middleware sees only ASGI messages to buffer
and no route; an endpoint decorator sees the model before serialisation and fights FastAPI's
signature inspection. The class also documents the header and problems in OpenAPI, and handlers
stay untouched. The store is `app.state.idempotency`, built in the service's lifespan.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable, Collection, Coroutine, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.routing import APIRoute
from redis.exceptions import RedisError

from trivium.locks import OwnedKeys, Renewal
from trivium.problems import (
    BadRequest,
    Conflict,
    Forbidden,
    Problem,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
    problem_responses,
)
from trivium.redis_client import AsyncRedis
from trivium.service_auth import ServiceCaller, ServiceTokenVerifier, bearer_token
from trivium.settings import ServiceSettings

log = logging.getLogger("trivium.idempotency")

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
STORE_STATE_ATTRIBUTE = "idempotency"
PENDING_REFUSAL = "trivium.idempotency.refusal"
REQUEST_ID = "trivium.idempotency.request_id"
MAX_KEY_LENGTH = 255
REPLAYED_HEADERS = frozenset(
    {"content-type", "location", "content-location", "etag", "last-modified", "link"}
    | {"preference-applied", "retry-after"}
)
_FIRST_POLL_SECONDS = 0.01
_MAX_POLL_SECONDS = 0.1
_SF_STRING_ESCAPE = re.compile(r'\\(["\\])')

RouteHandler = Callable[[Request], Coroutine[Any, Any, Response]]
CallerScope = Callable[[Request], str]
CallerName = Callable[[ServiceCaller, Request], str | None]

# Stores the outcome only while the key still holds the caller's exact claim record; release
# and renewal are the lease lock's compare-and-delete and compare-and-expire on the same record.
_COMPLETE_IF_OWNER = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""
# A repeat's look at the key it could not claim: the record, and how long its lease has left.
_READ_WITH_PTTL = """
return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}
"""


class IdempotencyCallerUnknown(Forbidden):
    slug = "idempotency-caller-unknown"
    title = "The caller of this Idempotency-Key is not known"


class IdempotencyKeyMissing(BadRequest):
    slug = "idempotency-key-missing"
    title = "The Idempotency-Key header is required"


class IdempotencyKeyInvalid(BadRequest):
    slug = "idempotency-key-invalid"
    title = "The Idempotency-Key header is malformed"


class IdempotencyKeyReused(ValidationFailed):
    slug = "idempotency-key-reused"
    title = "The Idempotency-Key was already used for a different request"


class IdempotencyRequestInProgress(Conflict):
    slug = "idempotency-request-in-progress"
    title = "A request with this Idempotency-Key is still being processed"


IDEMPOTENCY_PROBLEMS = (
    IdempotencyKeyMissing,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
    IdempotencyRequestInProgress,
    ServiceUnavailable,
)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """The outcome of a first request, as replayed to its repeats."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def to_response(self) -> Response:
        """The replay: same status, selected headers and body, marked `Idempotent-Replayed`."""
        response = Response(content=self.body, status_code=self.status)
        for name, value in self.headers:
            response.headers.append(name, value)
        response.headers[REPLAYED_HEADER] = "true"
        return response


@dataclass(frozen=True, slots=True)
class Claim:
    """Ownership of a key: `record` is the exact in-progress value, owner token included."""

    key: str
    fingerprint: str
    record: bytes


def _encode(meta: Mapping[str, Any], body: bytes = b"") -> bytes:
    # JSON escapes newlines, so the first one ends the metadata and the body stays raw bytes.
    return json.dumps(meta, separators=(",", ":")).encode() + b"\n" + body


def _outcome_for(value: bytes | str | None, fingerprint: str) -> StoredResponse | None:
    """The stored outcome in a record (None while running or gone); 422 for another request."""
    if value is None:
        return None
    if not isinstance(value, bytes):
        raise TypeError("the idempotency store needs a Redis client without decode_responses")
    meta_line, _, body = value.partition(b"\n")
    meta = json.loads(meta_line)
    if meta["fingerprint"] != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was first used for a different request (method, path, caller"
            " or body); send a new key for a new request."
        )
    if meta["state"] != "done":
        return None
    headers = tuple((str(name), str(text)) for name, text in meta["headers"])
    return StoredResponse(int(meta["status"]), headers, body)


def fingerprint_request(*, method: str, target: str, scope: str, body: bytes) -> str:
    """SHA-256 over method, request target, caller scope and body, each part length-prefixed."""
    digest = hashlib.sha256()
    for part in (method.upper().encode(), target.encode(), scope.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


class IdempotencyStore:
    """Claims keys, stores first outcomes and replays them, in Redis."""

    def __init__(
        self,
        client: AsyncRedis,
        *,
        service: str,
        ttl_seconds: float = 86_400,
        lease_seconds: float = 60.0,
        wait_seconds: float = 5.0,
        retry_after_seconds: int = 1,
    ) -> None:
        if ttl_seconds <= 0 or lease_seconds <= 0 or wait_seconds < 0:
            raise ValueError("ttl and lease must be positive and wait_seconds not negative")
        self.service = service
        self.ttl_seconds = ttl_seconds
        self.lease_seconds = lease_seconds
        self.wait_seconds = wait_seconds
        self.retry_after_seconds = retry_after_seconds
        self._client = client
        self._claims = OwnedKeys(client, lease_seconds=lease_seconds)
        self._complete = client.register_script(_COMPLETE_IF_OWNER)
        self._read = client.register_script(_READ_WITH_PTTL)

    @classmethod
    def from_settings(
        cls,
        client: AsyncRedis,
        settings: ServiceSettings,
        *,
        lease_seconds: float | None = None,
        wait_seconds: float = 5.0,
    ) -> IdempotencyStore:
        """A store named after the service, keeping outcomes for its configured TTL and claims
        for its configured lease (unless `lease_seconds` says)."""
        return cls(
            client,
            service=settings.service_name,
            ttl_seconds=settings.idempotency_ttl_seconds,
            lease_seconds=lease_seconds or settings.idempotency_lease_seconds,
            wait_seconds=wait_seconds,
        )

    def make_key(self, *, operation: str, scope: str, key: str) -> str:
        """The Redis key for a client's key, operation and caller (hashed: no delimiter clash)."""
        parts = json.dumps([operation, scope, key]).encode()
        return f"trivium:idempotency:{self.service}:{hashlib.sha256(parts).hexdigest()}"

    async def claim(self, key: str, fingerprint: str) -> Claim | StoredResponse:
        """Claim `key`, or return the first request's stored outcome (waiting while it runs)."""
        try:
            return await self._claim_or_wait(key, fingerprint)
        except RedisError as error:
            log.warning("idempotency.store_unavailable", extra={"error": type(error).__name__})
            raise ServiceUnavailable(
                "Idempotency cannot be guaranteed right now; retry later.",
                headers={"Retry-After": str(self.retry_after_seconds)},
            ) from error

    async def _claim_or_wait(self, key: str, fingerprint: str) -> Claim | StoredResponse:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait_seconds
        pause = _FIRST_POLL_SECONDS
        while True:
            owner = {"state": "running", "owner": secrets.token_hex(16), "fingerprint": fingerprint}
            claim = Claim(key, fingerprint, _encode(owner))
            if await self._claims.take(key, claim.record):
                return claim
            value, lease_ms = await self._read(keys=[key])
            outcome = _outcome_for(value, fingerprint)
            if outcome is not None:
                return outcome
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise IdempotencyRequestInProgress(
                    "The first request with this key has not finished yet; retry later.",
                    headers={"Retry-After": str(self._claim_ends_within(lease_ms))},
                )
            if value is not None:  # a vanished record is claimable at once
                await asyncio.sleep(min(pause, remaining))
                pause = min(pause * 2, _MAX_POLL_SECONDS)

    async def complete(self, claim: Claim, response: StoredResponse) -> bool:
        """Store the outcome for the TTL; False when the claim was lost to an expired lease."""
        meta = {
            "state": "done",
            "fingerprint": claim.fingerprint,
            "status": response.status,
            "headers": [list(pair) for pair in response.headers],
        }
        record = _encode(meta, response.body)
        ttl_ms = self._ms(self.ttl_seconds)
        return bool(await self._complete(keys=[claim.key], args=[claim.record, record, ttl_ms]))

    async def release(self, claim: Claim) -> bool:
        """Forget the claim so the client may retry; False when it was no longer ours."""
        return await self._claims.release(claim.key, claim.record)

    async def extend(self, claim: Claim) -> bool:
        """Renew the claim's lease; False when it was no longer ours."""
        return await self._claims.renew(claim.key, claim.record)

    def kept(self, claim: Claim) -> Renewal:
        """Extend the claim's lease every third of it while the block runs, or until it is lost."""
        return self._claims.kept(claim.key, claim.record)

    def _claim_ends_within(self, lease_ms: int) -> int:
        # The latest the claim can be free: its lease left, whole seconds rounded up. A running
        # first request renews it and may finish sooner (its repeat then replays the answer);
        # one whose process died holds the key exactly this long, and a retry made sooner would
        # be refused again.
        if lease_ms <= 0:  # gone or without expiry (not a record this store wrote)
            return self.retry_after_seconds
        return max(1, -(-lease_ms // 1000))

    @staticmethod
    def _ms(seconds: float) -> int:
        return max(1, round(seconds * 1000))


def get_idempotency_store(request: Request) -> IdempotencyStore:
    """The store the service's lifespan put on `app.state.idempotency`."""
    store = getattr(request.app.state, STORE_STATE_ATTRIBUTE, None)
    if not isinstance(store, IdempotencyStore):
        raise RuntimeError("app.state.idempotency is not set: build it in the service lifespan")
    return store


def read_idempotency_key(request: Request) -> str | None:
    """The request's key (a bare or RFC 8941 quoted string), None when the header is absent."""
    values = request.headers.getlist(IDEMPOTENCY_KEY_HEADER)
    if not values:
        return None
    if len(values) > 1:
        raise IdempotencyKeyInvalid("Send exactly one Idempotency-Key header.")
    key = values[0].strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = _SF_STRING_ESCAPE.sub(r"\1", key[1:-1])
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not all(" " <= char <= "~" for char in key):
        raise IdempotencyKeyInvalid(
            f"An Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable ASCII characters."
        )
    return key


async def idempotent_request_id(request: Request) -> str | None:
    """The id of this request under its Idempotency-Key (None without one): the same for every
    repeat of it (key, caller, method, target and body), also for a repeat that runs the handler
    again because the process of the first run died before it kept its answer. A handler that
    creates something claims this id with it, so that such a repeat finds what the first run
    created instead of creating it twice."""
    request_id = request.scope.get(REQUEST_ID)
    return request_id if isinstance(request_id, str) else None


IdempotentRequestId = Annotated[str | None, Depends(idempotent_request_id)]


def capture_response(response: Response) -> StoredResponse:
    """The replayable part of a rendered response: status, selected headers and body."""
    body = getattr(response, "body", None)
    if not isinstance(body, bytes):
        raise TypeError(f"an idempotent route must answer with a complete body, not {response!r}")
    headers = tuple(
        (name, text) for name, text in response.headers.items() if name in REPLAYED_HEADERS
    )
    return StoredResponse(response.status_code, headers, body)


async def respond_idempotently(
    request: Request,
    handler: RouteHandler,
    *,
    operation: str,
    scope: CallerScope | None = None,
    required: bool = True,
) -> Response:
    """Run `handler` at most once per key, replaying its outcome to repeats."""
    try:
        key = read_idempotency_key(request)
    except IdempotencyKeyInvalid as problem:
        return await _refuse_after_authentication(request, handler, problem)
    if key is None:
        if required:
            missing = IdempotencyKeyMissing("This operation requires an Idempotency-Key header.")
            return await _refuse_after_authentication(request, handler, missing)
        return await handler(request)
    caller = scope(request) if scope is not None else ""
    if scope is not None and not caller:
        # No caller the route trusts: nothing is claimed or replayed for it. The route's own
        # checks answer first (401/403); should they let the call through, it is still refused.
        unknown = IdempotencyCallerUnknown("The caller of this Idempotency-Key is not known.")
        return await _refuse_after_authentication(request, handler, unknown)
    store = get_idempotency_store(request)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    fingerprint = fingerprint_request(
        method=request.method, target=target, scope=caller, body=await request.body()
    )
    redis_key = store.make_key(operation=f"{request.method} {operation}", scope=caller, key=key)
    request.scope[REQUEST_ID] = hashlib.sha256(f"{redis_key}\n{fingerprint}".encode()).hexdigest()
    context = {"route": operation, "method": request.method, "idempotency_key": key}
    outcome = await store.claim(redis_key, fingerprint)
    if isinstance(outcome, StoredResponse):
        log.info("idempotency.replayed", extra={**context, "status": outcome.status})
        return outcome.to_response()
    return await _run_claimed(store, outcome, request, handler, context=context)


async def _refuse_after_authentication(
    request: Request, handler: RouteHandler, problem: Problem
) -> Response:
    # The refusal is raised by the route's last dependency (`_raise_pending_refusal`), so that
    # the router's own checks (a missing service token is a 401) come first; the endpoint never
    # runs without a usable key.
    request.scope[PENDING_REFUSAL] = problem
    return await handler(request)


async def _raise_pending_refusal(request: Request) -> None:
    problem = request.scope.get(PENDING_REFUSAL)
    if problem is not None:
        raise problem


async def _run_claimed(
    store: IdempotencyStore,
    claim: Claim,
    request: Request,
    handler: RouteHandler,
    *,
    context: dict[str, Any],
) -> Response:
    try:
        async with store.kept(claim):
            response = await handler(request)
        stored = capture_response(response) if response.status_code < 500 else None
    except BaseException:
        await _settle(store, claim, None, context={**context, "outcome": "exception"})
        raise
    await _settle(store, claim, stored, context={**context, "status": response.status_code})
    return response


async def _settle(
    store: IdempotencyStore,
    claim: Claim,
    stored: StoredResponse | None,
    *,
    context: dict[str, Any],
) -> None:
    # Best effort: the client has its answer; a lost write only means the lease expires instead.
    try:
        kept = await (store.release(claim) if stored is None else store.complete(claim, stored))
    except RedisError as error:
        log.error("idempotency.settle_failed", extra={**context, "error": type(error).__name__})
        return
    if kept:
        log.debug("idempotency.released" if stored is None else "idempotency.stored", extra=context)
    else:
        log.warning("idempotency.lease_lost", extra=context)


def _document(options: dict[str, Any], *, required: bool) -> None:
    responses: dict[int | str, dict[str, Any]] = dict(options.get("responses") or {})
    for status, entry in problem_responses(*IDEMPOTENCY_PROBLEMS).items():
        existing = responses.get(status)
        if existing is None:
            responses[status] = entry
        elif entry["description"] not in existing.get("description", ""):
            description = f"{existing.get('description', '')}; {entry['description']}"
            responses[status] = {**existing, "description": description.lstrip("; ")}
    header = {
        "name": IDEMPOTENCY_KEY_HEADER,
        "in": "header",
        "required": required,
        "description": "A unique key (1-255 printable ASCII characters) per intended operation;"
        " a repeat with the same key and request replays the first response.",
        "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
    }
    extra = dict(options.get("openapi_extra") or {})
    extra["parameters"] = [*extra.get("parameters", []), header]
    options["responses"] = responses
    options["openapi_extra"] = extra


def caller_scope(name: CallerName) -> CallerScope:
    """A `scope` for `idempotent_route`: `name(caller, request)` of the request's verified service
    token, "" without a valid token or a name (the route's own dependencies refuse the call)."""

    def scope(request: Request) -> str:
        token = bearer_token(request)
        if token is None:
            return ""
        verifier: ServiceTokenVerifier = request.app.state.service_token_verifier
        try:
            return name(verifier.verify(token), request) or ""
        except Unauthorized:
            return ""

    return scope


def service_and_consumer(caller: ServiceCaller, request: Request) -> str:
    """The calling service and the gateway consumer it acts for (`{service}:{consumer}`)."""
    return f"{caller.service}:{caller.claims.get('consumer', '')}"


def idempotent_route(
    *,
    scope: CallerScope | None = None,
    required: bool = True,
    methods: Collection[str] = ("POST",),
) -> type[APIRoute]:
    """A route class making a router's `methods` routes idempotent: `APIRouter(route_class=...)`.

    `scope(request)` names the caller (e.g. the verified partner id) so equal keys from two callers
    never meet; it runs before the route's dependencies, so it must read the raw request
    (`caller_scope` does, from the service token).
    """
    guarded = frozenset(method.upper() for method in methods)

    class IdempotentRoute(APIRoute):
        def __init__(self, path: str, endpoint: Callable[..., Any], **options: Any) -> None:
            route_methods = {method.upper() for method in options.get("methods") or ("GET",)}
            self.idempotent = bool(guarded & route_methods)
            # The path alone is ambiguous under include_router prefixes; the endpoint is not.
            self.operation = f"{path} {endpoint.__module__}.{endpoint.__qualname__}"
            if self.idempotent:
                _document(options, required=required)
                options["dependencies"] = [
                    *(options.get("dependencies") or []),
                    Depends(_raise_pending_refusal),
                ]
            super().__init__(path, endpoint, **options)

        def get_route_handler(self) -> RouteHandler:
            handler = super().get_route_handler()
            if not self.idempotent:
                return handler
            operation = self.operation

            async def respond(request: Request) -> Response:
                return await respond_idempotently(
                    request, handler, operation=operation, scope=scope, required=required
                )

            return respond

    return IdempotentRoute
