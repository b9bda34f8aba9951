"""Consumer-driven contracts with Pact (specification V4), as every Trivium service tests them.

Consumers declare their interactions in their own `tests/contract/` with `consumer_pact`; the
pact files are committed under `contracts/pacts/` and a consumer test fails when the committed
file no longer holds what it declares (`make contracts` rewrites them). Providers verify every
pact naming them with `verify_pacts`, against the real app served by `serve_app`, in test mode
(`provider_app`): its adapters replaced by fakes that each provider state seeds.
"""

from __future__ import annotations

import base64
import contextlib
import inspect
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar, cast
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi import APIRouter, FastAPI, Request, Response
from pact import Pact, Verifier
from pact.types import Message
from pydantic import BaseModel, ConfigDict
from redis.asyncio import Redis
from starlette.datastructures import State
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from trivium.composition import ServiceContainer, container_of, provide
from trivium.problems import FieldError, ValidationFailed
from trivium.redis_discovery import RedisEndpoint, free_port
from trivium.settings import ServiceSettings
from trivium_testing.keys import session_keys
from trivium_testing.stack import redis_db

UPDATE_ENV = "TRIVIUM_CONTRACTS_UPDATE"
# The database of the session's Redis that providers and publishers use in contract-test mode.
CONTRACT_DB = 15
CONTRACTS_DIR_ENV = "TRIVIUM_CONTRACTS_DIR"
STATES_PATH = "/_pact/provider-states"
MESSAGES_PATH = "/_pact/messages"

StateHandler = Callable[[State, dict[str, Any]], Awaitable[None] | None]
StateReset = Callable[[State], Awaitable[None] | None]
MessageProducer = Callable[[], Awaitable[Message]]
ServiceContainerT = TypeVar("ServiceContainerT", bound=ServiceContainer)
ServiceSettingsT = TypeVar("ServiceSettingsT", bound=ServiceSettings)
PublishedT_contra = TypeVar("PublishedT_contra", contravariant=True)


def contract_redis_url(redis_url: str) -> str:
    """The contract tests' own database of the session's Redis (at `redis_url`)."""
    return redis_db(redis_url, CONTRACT_DB)


def contract_settings(redis_url: str, service: str) -> dict[str, Any]:
    """Settings keyword arguments of a provider in contract-test mode: the contract tests'
    Redis database, the service's signing key and the trusted keys, readable logs."""
    return {
        "redis_url": contract_redis_url(redis_url),
        **session_keys().settings(service),
        "log_format": "text",
    }


def contracts_dir() -> Path:
    """`contracts/` of the repository (or `$TRIVIUM_CONTRACTS_DIR`)."""
    given = os.environ.get(CONTRACTS_DIR_ENV)
    if given:
        return Path(given)
    for folder in (Path.cwd(), *Path(__file__).resolve().parents):
        if (folder / "contracts").is_dir() and (folder / "pyproject.toml").is_file():
            return folder / "contracts"
    raise FileNotFoundError("No contracts/ folder above the working directory or this package.")


def pacts_dir() -> Path:
    """Where the committed pact files live."""
    return contracts_dir() / "pacts"


def updating_contracts() -> bool:
    """True when contract tests rewrite the committed files instead of checking them."""
    return os.environ.get(UPDATE_ENV, "").lower() in {"1", "true", "yes"}


def pact_file(consumer: str, provider: str, directory: Path | None = None) -> Path:
    """The file of one consumer -> provider pact."""
    return (directory or pacts_dir()) / f"{consumer}-{provider}.json"


def _no_usage_reports() -> None:
    # The Pact library reports usage over the network unless told not to; tests stay on loopback.
    os.environ.setdefault("PACT_DO_NOT_TRACK", "true")


def _identity(interaction: Mapping[str, Any]) -> tuple[str, str]:
    states = json.dumps(interaction.get("providerStates", []), sort_keys=True)
    return str(interaction["description"]), states


def _sorted(interactions: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(interactions, key=_identity)


def _dump(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def declared_document(pact: Pact) -> dict[str, Any]:
    """The pact as the Pact library writes it (interactions declared so far)."""
    with tempfile.TemporaryDirectory(prefix="pact-") as scratch:
        pact.write_file(scratch, overwrite=True)
        written = next(Path(scratch).glob("*.json"))
        document: dict[str, Any] = json.loads(written.read_text())
    return document


# Files rewritten in this process: the first write of a session starts them afresh, so that
# interactions no consumer declares any more disappear.
_rewritten: set[Path] = set()


def _record(declared: dict[str, Any], path: Path) -> None:
    interactions = {_identity(i): i for i in declared["interactions"]}
    if path in _rewritten and path.exists():
        kept = json.loads(path.read_text())["interactions"]
        interactions = {**{_identity(i): i for i in kept}, **interactions}
    _rewritten.add(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_dump({**declared, "interactions": _sorted(list(interactions.values()))}))


def check_pinned(declared: Mapping[str, Any], path: Path) -> None:
    """Fail unless the committed pact holds every declared interaction exactly."""
    hint = f"run `make contracts` to rewrite {path.name}, review and commit it"
    if not path.exists():
        raise AssertionError(f"No pact file {path}: {hint}.")
    pinned = {_identity(i): i for i in json.loads(path.read_text())["interactions"]}
    for interaction in declared["interactions"]:
        committed = pinned.get(_identity(interaction))
        if committed is None:
            raise AssertionError(
                f"{path.name} has no interaction {interaction['description']!r} with these "
                f"provider states: {hint}."
            )
        if _dump(committed) != _dump(interaction):
            raise AssertionError(
                f"{path.name} pins interaction {interaction['description']!r} differently from "
                f"the consumer test: {hint}.\ncommitted: {_dump(committed)}declared: "
                f"{_dump(interaction)}"
            )


@contextlib.contextmanager
def consumer_pact(consumer: str, provider: str, *, directory: Path | None = None) -> Iterator[Pact]:
    """A pact to declare interactions on; when the block succeeds they are checked against the
    committed pact file (or written to it when updating)."""
    _no_usage_reports()
    pact = Pact(consumer, provider).with_specification("V4")
    yield pact
    declared = declared_document(pact)
    path = pact_file(consumer, provider, directory)
    if updating_contracts():
        _record(declared, path)
    else:
        check_pinned(declared, path)


HTTP_INTERACTION = "Synchronous/HTTP"
MESSAGE_INTERACTION = "Asynchronous/Messages"


def pacts_naming(
    provider: str, directory: Path | None = None, *, kinds: Sequence[str] | None = None
) -> list[Path]:
    """Every committed pact whose provider is `provider` (with an interaction of one of
    `kinds`, e.g. `MESSAGE_INTERACTION`, when given)."""
    found = []
    for path in sorted((directory or pacts_dir()).glob("*.json")):
        document = json.loads(path.read_text())
        if document.get("provider", {}).get("name") != provider:
            continue
        types = {interaction.get("type") for interaction in document.get("interactions", [])}
        if kinds is None or types & set(kinds):
            found.append(path)
    return found


class ProviderStateChange(BaseModel):
    """What the Pact verifier posts before (and after) each interaction."""

    model_config = ConfigDict(extra="ignore")

    state: str
    params: dict[str, Any] | None = None
    action: Literal["setup", "teardown"] = "setup"


async def _settle(result: Awaitable[None] | None) -> None:
    if inspect.isawaitable(result):
        await result


def provider_states_router(states: Mapping[str, StateHandler], *, reset: StateReset) -> APIRouter:
    """`POST /_pact/provider-states`: reset the fakes, then set up the named state."""
    router = APIRouter(include_in_schema=False)

    @router.post(STATES_PATH)
    async def change_provider_state(
        change: ProviderStateChange, request: Request
    ) -> dict[str, Any]:
        if change.action == "teardown":
            return {}
        if not change.state:
            # An interaction that names no state runs against the fresh fakes.
            await _settle(reset(request.app.state))
            return {}
        handler = states.get(change.state)
        if handler is None:
            raise ValidationFailed(
                f"The provider has no state {change.state!r}.",
                errors=[FieldError(pointer="/state", detail=f"known: {sorted(states)}")],
            )
        await _settle(reset(request.app.state))
        await _settle(handler(request.app.state, dict(change.params or {})))
        return {}

    return router


def check_signed_identity(params: Mapping[str, Any], signed: Mapping[str, str]) -> None:
    """Refuse a provider state whose parameters name other identity claims than the verifier
    signs: the pact names the claims the gateway signs, and the verifier must sign the same."""
    differing = sorted(
        name for name in set(params) | set(signed) if params.get(name) != signed.get(name)
    )
    if differing:
        raise ValidationFailed(
            "The verifier does not sign the identity the pact names.",
            errors=[FieldError(pointer=f"/params/{name}", detail="differs") for name in differing],
        )


def enable_provider_states(
    app: FastAPI, states: Mapping[str, StateHandler], *, reset: StateReset
) -> FastAPI:
    """Test mode of a provider: after its own startup `reset` swaps its adapters for fakes, and
    the provider-state endpoint sets each state up. Only contract tests call this."""
    startup = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[Any]:
        async with startup(running) as value:
            await _settle(reset(running.state))
            yield value

    app.router.lifespan_context = lifespan
    app.include_router(provider_states_router(states, reset=reset))
    return app


def close_at_shutdown(app: FastAPI, close: Callable[[State], Awaitable[None]]) -> FastAPI:
    """The app, running `close(app.state)` when it is told to shut down: for what the provider
    states of a contract test opened beside the app (a Redis client of their own)."""
    startup = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(running: FastAPI) -> AsyncIterator[Any]:
        async with startup(running) as value:
            try:
                yield value
            finally:
                await close(running.state)

    app.router.lifespan_context = lifespan
    return app


@dataclass(frozen=True)
class FreshState:
    """What a provider state's fakes start from: `namespace`, a name no earlier state used
    (under which the idempotent routes remember no keys either), and `redis()`, a client of the
    contract tests' Redis database for fakes that keep what they hold in Redis."""

    namespace: str
    redis: Callable[[], Redis]


def provider_app(
    app: FastAPI,
    container: type[ServiceContainerT],
    *,
    provider: str,
    states: Mapping[str, StateHandler],
    fakes: Callable[[ServiceContainerT, FreshState], ServiceContainerT],
    redis_url: str | None = None,
) -> FastAPI:
    """`provider`'s `app` in contract-test mode: before each provider state its running
    `container` is replaced by `fakes(running, fresh)`; a Redis client the fakes ask for (of
    `redis_url`) is opened in the app's event loop and closed when the app shuts down."""
    clients: list[Redis] = []

    def redis() -> Redis:
        if redis_url is None:
            raise RuntimeError(f"{provider} in contract-test mode was given no redis_url")
        if not clients:
            clients.append(Redis.from_url(redis_url))
        return clients[0]

    def reset(state: State) -> None:
        running = container_of(app, container)
        fresh = FreshState(namespace=f"{provider}-{uuid.uuid4().hex}", redis=redis)
        provide(app, fakes(running, fresh))
        running.idempotency.service = fresh.namespace

    async def close(state: State) -> None:
        for client in clients:
            await client.aclose()

    return close_at_shutdown(enable_provider_states(app, states, reset=reset), close)


def service_name(settings: type[ServiceSettings]) -> str:
    """The service's own name: its keys, and the namespaces of its provider states."""
    return str(settings.model_fields["service_name"].default)


def contract_app_builder(
    create_app: Callable[[ServiceSettingsT], FastAPI],
    configured: ServiceSettingsT,
    container: type[ServiceContainerT],
    *,
    states: Mapping[str, StateHandler],
    fakes: Callable[[ServiceContainerT, FreshState], ServiceContainerT],
) -> Callable[[], FastAPI]:
    """Builds `create_app(configured)` in contract-test mode with `states` (see `provider_app`);
    `configured` from `contract_settings`."""

    def build() -> FastAPI:
        return provider_app(
            create_app(configured),
            container,
            provider=configured.service_name,
            states=states,
            fakes=fakes,
            redis_url=configured.redis_url,
        )

    return build


def contract_app_fixture(
    create_app: Callable[[ServiceSettingsT], FastAPI],
    settings: type[ServiceSettingsT],
    container: type[ServiceContainerT],
    *,
    states: Mapping[str, StateHandler],
    **overrides: Any,
) -> Callable[[Callable[[ServiceContainerT, FreshState], ServiceContainerT]], Any]:
    """Makes the decorated `fakes(running, fresh)` a provider's `contract_app` fixture: it
    builds the app (`create_app` on `settings` for the contract tests, with `overrides`) in
    contract-test mode with `states`, see `provider_app`.

        @contract_app_fixture(create_app, ErpSystemSettings, ErpSystem, states=STATES)
        def contract_app(system: ErpSystem, fresh: FreshState) -> ErpSystem:
            return replace(system, erp=FakeErp())
    """

    def decorate(fakes: Callable[[ServiceContainerT, FreshState], ServiceContainerT]) -> Any:
        def contract_app(redis_endpoint: RedisEndpoint) -> Callable[[], FastAPI]:
            configured = settings(
                **contract_settings(redis_endpoint.url, service_name(settings)), **overrides
            )
            return contract_app_builder(
                create_app, configured, container, states=states, fakes=fakes
            )

        contract_app.__doc__ = f"Builds the app in contract-test mode. {fakes.__doc__ or ''}"
        return pytest.fixture(scope="session")(contract_app)

    return decorate


@contextlib.contextmanager
def serve_app(app: Any, *, timeout: float = 15.0) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread on a free loopback port; yields its base URL."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=free_port(), log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="pact-provider", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("The provider app did not start (see the log above).")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout)


class VerificationFailed(AssertionError):
    """A provider does not honour a pact; the message is the verifier's report."""


def verify_pacts(
    provider: str,
    *,
    base_url: str | None = None,
    headers: Mapping[str, str] | None = None,
    messages: Mapping[str, MessageProducer] | None = None,
    pact_files: Sequence[Path] | None = None,
) -> None:
    """Replay every pact naming `provider` (or `pact_files`) against it: HTTP interactions at
    `base_url` with provider states set through its `/_pact/provider-states`, `headers` added to
    each request (the service token), and message interactions built by `messages[description]`.
    Raises VerificationFailed with the verifier's report."""
    _no_usage_reports()
    # A provider serving HTTP and publishing messages verifies each kind where it has it.
    kinds = [HTTP_INTERACTION] if base_url is not None else []
    kinds += [MESSAGE_INTERACTION] if messages is not None else []
    files = list(pact_files) if pact_files is not None else pacts_naming(provider, kinds=kinds)
    if not files:
        raise VerificationFailed(f"No pact names the provider {provider!r}.")
    with contextlib.ExitStack() as stack:
        verifier = Verifier(provider, host="127.0.0.1")
        if base_url is not None:
            verifier.add_transport(url=base_url)
            verifier.state_handler(base_url + STATES_PATH, body=True)
        if messages is not None:
            producer = FastAPI()
            producer.include_router(message_producers_router(messages))
            port = urlsplit(stack.enter_context(serve_app(producer))).port
            verifier.add_transport(protocol="message", port=port, path=MESSAGES_PATH)
        if headers:
            verifier.add_custom_headers(dict(headers))
        verifier.set_coloured_output(enabled=False)
        for path in files:
            verifier.add_source(path)
        try:
            verifier.verify()
        except RuntimeError as error:
            report = verifier.output(strip_ansi=True)
            raise VerificationFailed(f"{provider} breaks a pact:\n{report}") from error


class MessageRequest(BaseModel):
    """What the Pact verifier posts to have a message produced."""

    model_config = ConfigDict(extra="ignore")

    description: str


def message_producers_router(messages: Mapping[str, MessageProducer]) -> APIRouter:
    """`POST /_pact/messages`: the message a producer makes for an interaction's description,
    in the form the Pact verifier reads (contents, metadata in `Pact-Message-Metadata`)."""
    router = APIRouter(include_in_schema=False)

    @router.post(MESSAGES_PATH)
    async def produce_message(wanted: MessageRequest) -> Response:
        produce = messages.get(wanted.description)
        if produce is None:
            known = ", ".join(sorted(messages))
            return Response(f"No producer for {wanted.description!r}; known: {known}", 404)
        message = await produce()
        metadata = dict(message["metadata"] or {})
        if message["content_type"]:
            metadata.setdefault("contentType", message["content_type"])
        encoded = base64.b64encode(json.dumps(metadata).encode()).decode()
        return Response(
            message["contents"],
            media_type=message["content_type"],
            headers={"Pact-Message-Metadata": encoded},
        )

    return router


def json_message(body: Any, *, metadata: dict[str, Any] | None = None) -> Message:
    """A message whose contents are `body` as JSON."""
    return Message(
        contents=json.dumps(body).encode(), metadata=metadata, content_type="application/json"
    )


def skip_while_updating() -> None:
    """Skip a provider verification while `make contracts` rewrites the pacts (its second pass
    verifies them)."""
    if updating_contracts():
        pytest.skip("pacts are being rewritten; the next pass of `make contracts` verifies them")


JsonTransform = Callable[[Any], Any]


def patched_responses(app: ASGIApp, *, path_prefix: str, transform: JsonTransform) -> ASGIApp:
    """The app with `transform` applied to the JSON bodies it answers under `path_prefix`: a
    deliberately changed provider, to show what its verification makes of the change."""

    async def patched(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(path_prefix):
            await app(scope, receive, send)
            return
        started: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def buffer(message: AsgiMessage) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = [(k, v) for k, v in started["headers"] if k.lower() != b"content-length"]
            if any(k.lower() == b"content-type" and b"json" in v for k, v in headers) and body:
                body = json.dumps(transform(json.loads(body))).encode()
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**started, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, buffer)

    return patched


def renamed_field(old: str, new: str) -> JsonTransform:
    """A transform renaming a top-level field of a JSON object."""

    def rename(document: Any) -> Any:
        if isinstance(document, dict) and old in document:
            return {(new if key == old else key): value for key, value in document.items()}
        return document

    return rename


def removed_field(name: str) -> JsonTransform:
    """A transform dropping a top-level field of a JSON object."""

    def remove(document: Any) -> Any:
        if isinstance(document, dict):
            return {key: value for key, value in document.items() if key != name}
        return document

    return remove


# Events on Redis streams travel as flat field maps; their message pacts show an entry as a JSON
# object whose JSON-valued fields (`data`) are decoded, so that matchers reach inside them.


def stream_entry_message(
    fields: Mapping[bytes, bytes] | Mapping[str, str], *, json_fields: Sequence[str] = ("data",)
) -> Message:
    """A stream entry as the producer wrote it, as a message for verification."""
    decoded = {_text(key): _text(value) for key, value in fields.items()}
    body: dict[str, Any] = {
        key: json.loads(value) if key in json_fields else value for key, value in decoded.items()
    }
    return json_message(body)


async def published_entry(
    redis_url: str, stream_prefix: str, publish: Callable[[Redis, str], Awaitable[object]]
) -> Message:
    """The entry `publish(client, stream)` writes, read back as a message. The stream is one of
    its own under `stream_prefix` (so that no other test's events get in the way), deleted after."""
    stream = f"{stream_prefix}:contract:{uuid.uuid4().hex}"
    client = Redis.from_url(redis_url)
    try:
        await publish(client, stream)
        # redis-py types its answers for every client and decoding; this one answers bytes.
        entries = cast(list[tuple[bytes, dict[bytes, bytes]]], await client.xrange(stream))
        [(_, fields)] = entries
        return stream_entry_message(fields)
    finally:
        await client.delete(stream)
        await client.aclose()


class EventPublisher(Protocol[PublishedT_contra]):
    """A service's publisher of events about its `PublishedT_contra` records."""

    async def publish(self, event_type: str, record: PublishedT_contra, /) -> object: ...


def message_producers_fixture(
    stream_prefix: str,
    publisher: Callable[[Redis, str], EventPublisher[PublishedT_contra]],
    events: Mapping[str, tuple[str, Callable[[], PublishedT_contra]]],
) -> Any:
    """The `message_producers` fixture of an event publisher: for each interaction description,
    the entry `publisher(client, stream)` writes for `(event_type, record())`, on a stream of
    its own in the contract tests' Redis, read back as the message (see `published_entry`)."""

    def message_producers(redis_endpoint: RedisEndpoint) -> dict[str, MessageProducer]:
        redis_url = contract_redis_url(redis_endpoint.url)

        def producer(event_type: str, record: Callable[[], PublishedT_contra]) -> MessageProducer:
            async def produce() -> Message:
                return await published_entry(
                    redis_url,
                    stream_prefix,
                    lambda client, stream: publisher(client, stream).publish(event_type, record()),
                )

            return produce

        return {name: producer(*event) for name, event in events.items()}

    message_producers.__doc__ = "The service's publisher, one producer per event its pacts name."
    return pytest.fixture(message_producers)


def transformed_message(message: Message, transform: JsonTransform) -> Message:
    """The message with `transform` applied to its JSON contents: a deliberately changed
    producer, to show what its verification makes of the change."""
    return json_message(transform(json.loads(message["contents"] or "null")))


def stream_entry_fields(
    contents: str | bytes | None, *, json_fields: Sequence[str] = ("data",)
) -> dict[str, str]:
    """The entry a consumer reads from the stream for a message of a pact."""
    body = json.loads(contents or "{}")
    return {
        key: json.dumps(value) if key in json_fields else str(value) for key, value in body.items()
    }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
