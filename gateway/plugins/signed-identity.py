"""signed-identity: pass the authenticated consumer to the upstream as a signed service token.

After key-auth or jwt has identified the consumer, the upstream request's `Authorization` header
becomes `Bearer <token>`: a short-lived `trivium.service_auth` token issued by `gateway` for the
experience API named in `audience`, carrying the consumer (`consumer`, `consumerId`, the
consumer's custom_id under `custom_id_claim`, e.g. `partnerAccountNumber`, and its `plan`). It is
signed with the gateway's own Ed25519 key (`private_key_file`, a PEM file); the experience APIs
verify it with the gateway's public key (`require_service_token`) and take end-user identity from
that key alone. Whatever the client sent in that header
(its API key's neighbour, its own JWT, a forged token) never reaches the upstream: it is replaced,
or removed when no consumer was authenticated. `X-Consumer-*` headers set by Kong's auth plugins
are informative only; services trust the signature, never those. On a route without
authentication, where Kong's auth plugins would not overwrite them, client-sent copies of those
headers are removed too.

PDK calls per request: 2 (get_consumer, set_header) when a consumer is authenticated; one per
removed header more on routes without authentication.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trivium.keys import KeyMaterialError, load_private_key
from trivium.service_auth import ServiceTokenIssuer
from trivium_gateway.plugin_support import plan_of

# Headers that name the caller: only the gateway may set them.
IDENTITY_HEADERS = (
    "Authorization",
    "X-Consumer-ID",
    "X-Consumer-Custom-ID",
    "X-Consumer-Username",
    "X-Consumer-Groups",
    "X-Credential-Identifier",
    "X-Anonymous-Consumer",
)

version = "1.0.0"
# Last of Trivium's plugins: only requests every other policy let through are signed for.
priority = 800

# It never waits on I/O while handling a request: the local gateway
# may run it on its event loop (in-process mode) instead of a worker thread.
event_loop_safe = True

Schema = (
    {"audience": {"type": "string", "required": True}},
    {"private_key_file": {"type": "string", "required": True, "referenceable": True}},
    {"issuer": {"type": "string", "required": True, "default": "gateway"}},
    {"ttl_seconds": {"type": "integer", "required": True, "default": 120,
                     "between": [10, 300]}},
    {"custom_id_claim": {"type": "string", "required": True, "default": "customId"}},
)  # fmt: skip


def identity_claims(consumer: Mapping[str, Any], *, custom_id_claim: str) -> dict[str, str]:
    """The claims that describe an authenticated consumer (absent values are left out)."""
    claims = {
        "consumer": consumer.get("username"),
        "consumerId": consumer.get("id"),
        custom_id_claim: consumer.get("custom_id"),
        "plan": plan_of(consumer),
    }
    return {name: value for name, value in claims.items() if isinstance(value, str) and value}


def check_config(config: Mapping[str, Any]) -> None:
    """What the schema cannot say: the audience is named, the key file (once Kong's vault resolved
    its path) holds an Ed25519 private key."""
    if not config["audience"].strip():
        raise ValueError("audience must name the upstream service")
    try:
        load_private_key(Path(config["private_key_file"]))
    except KeyMaterialError as error:
        raise ValueError(f"private_key_file: {error}") from error


class Plugin:
    def __init__(self, config: Mapping[str, Any]) -> None:
        check_config(config)
        self.audience: str = config["audience"]
        self.custom_id_claim: str = config["custom_id_claim"]
        self.issuer = ServiceTokenIssuer(
            issuer=config["issuer"],
            private_key=load_private_key(Path(config["private_key_file"])),
            ttl_seconds=config["ttl_seconds"],
        )

    def access(self, kong: Any) -> None:
        consumer = kong.client.get_consumer()
        if not consumer:
            for header in IDENTITY_HEADERS:
                kong.service.request.clear_header(header)
            return
        claims = identity_claims(consumer, custom_id_claim=self.custom_id_claim)
        token = self.issuer.token_for(self.audience, claims=claims)
        kong.service.request.set_header("Authorization", f"Bearer {token}")
