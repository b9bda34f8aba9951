"""Service-to-service auth: short-lived JWTs signed with the caller's own Ed25519 key.

Every internal call carries `Authorization: Bearer <token>` minted by the caller
(`ServiceTokenIssuer`, `iss` = the caller, `aud` = the callee) and checked by the callee against
the caller's public key (`ServiceTokenVerifier`). Each router names the issuers it accepts and the
issuers whose identity claims (rep, partner, roles) it honours (`require_service_token`): the
experience APIs take end-user identity from the gateway's key alone, so an identity reaches a
service only inside a signature it can verify, never as a forgeable header, and a service that is
compromised cannot speak as the gateway or as another service.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Depends, Request, Security, params
from fastapi.security import HTTPBearer
from fastapi.security.base import SecurityBase

from trivium.keys import (
    TrustedKey,
    check_production_settings,
    generate_private_key,
    key_id,
    load_private_key,
    load_trusted_keys,
)
from trivium.problems import Forbidden, Unauthorized
from trivium.settings import ServiceSettings

ALGORITHM = "EdDSA"
GATEWAY = "gateway"
OPERATOR = "operator"
# The tiers' services, as they sign (their service_name): who may call whom.
EXPERIENCE_APIS = ("mobile-experience", "partner-portal-experience")
PROCESS_APIS = ("quote-to-order", "create-customer", "customer-sync")
_RENEW_AT_FRACTION = 0.8
_RESERVED_CLAIMS = frozenset({"iss", "aud", "iat", "nbf", "exp", "sub", "jti"})
_RELOAD_AT_MOST_EVERY_SECONDS = 30.0
_log = logging.getLogger(__name__)

# Reading the header through FastAPI's scheme declares it in every document (components and each
# guarded route's `security`, listing the issuers the route accepts). auto_error=False: a missing
# token is answered by our own 401 problem, never FastAPI's plain 403.
SERVICE_TOKEN_SCHEME = HTTPBearer(
    scheme_name="serviceToken",
    bearerFormat="JWT",
    description="A short-lived JWT signed (EdDSA, Ed25519) by the calling service with its own "
    "key: `iss` is the caller, `aud` this service. A route's security requirement lists the "
    "issuers it accepts; other callers get 403 `caller-not-accepted`.",
    auto_error=False,
)


class CallerNotAccepted(Forbidden):
    slug = "caller-not-accepted"
    title = "This route does not accept calls from the caller's service"


@dataclass(frozen=True)
class ServiceCaller:
    """Who called: the issuing service, and the identity claims it may pass down."""

    service: str
    audience: str
    expires_at: float
    claims: Mapping[str, Any] = field(default_factory=dict)


class ServiceTokenIssuer:
    """Mints tokens for the calls a service makes, reusing each until most of its life is spent.

    A token with identity claims is reused for the same audience and the same claims only (the
    gateway signs one per request, for the few consumers a node serves at a time): the callee
    then verifies it once, not on every request."""

    # Tokens with identity claims kept at once; more and the issuer starts afresh.
    _REMEMBERED_IDENTITIES = 4096

    def __init__(
        self, *, issuer: str, private_key: Ed25519PrivateKey, ttl_seconds: int = 120
    ) -> None:
        self.issuer = issuer
        self._key = private_key
        self._kid = key_id(issuer, private_key.public_key())
        self.ttl_seconds = ttl_seconds
        self._cache: dict[str, tuple[str, float]] = {}
        self._identities: dict[tuple[str, tuple[tuple[str, Any], ...]], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def trusted_key(self) -> TrustedKey:
        """The public half of this issuer's key, as a verifier trusts it."""
        return TrustedKey(self.issuer, self._kid, self._key.public_key())

    def token_for(self, audience: str, *, claims: Mapping[str, Any] | None = None) -> str:
        """A token for calling `audience`, carrying `claims` (the end user's identity)."""
        if claims:
            return self._identity_token(audience, claims)
        now = time.time()
        with self._lock:
            cached = self._cache.get(audience)
            if cached is not None and now < cached[1]:
                return cached[0]
            token = self._mint(audience, None)
            self._cache[audience] = (token, now + self.ttl_seconds * _RENEW_AT_FRACTION)
            return token

    def _identity_token(self, audience: str, claims: Mapping[str, Any]) -> str:
        try:
            key = (audience, tuple(sorted(claims.items())))
            hash(key)
        except TypeError:  # a claim that is a list or a mapping: minted each time
            return self._mint(audience, claims)
        now = time.time()
        with self._lock:
            cached = self._identities.get(key)
            if cached is not None and now < cached[1]:
                return cached[0]
            token = self._mint(audience, claims)
            if len(self._identities) >= self._REMEMBERED_IDENTITIES:
                self._identities.clear()
            self._identities[key] = (token, now + self.ttl_seconds * _RENEW_AT_FRACTION)
            return token

    def _mint(self, audience: str, claims: Mapping[str, Any] | None) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            key: value for key, value in (claims or {}).items() if key not in _RESERVED_CLAIMS
        }
        payload.update(iss=self.issuer, aud=audience, iat=now, exp=now + self.ttl_seconds)
        return jwt.encode(payload, self._key, algorithm=ALGORITHM, headers={"kid": self._kid})


class TrustedKeySet:
    """The public keys of the trusted issuers, read again (at most every 30 s) when a token names
    a key it does not hold yet, so that a rotated Secret is picked up without a restart."""

    def __init__(
        self,
        keys: Collection[TrustedKey] = (),
        *,
        load: Callable[[], Collection[TrustedKey]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._load = load
        self._clock = clock
        self._loaded_at = clock()
        self._by_issuer = _by_issuer(keys)

    def keys_of(self, issuer: str, kid: object) -> list[TrustedKey]:
        keys = self._by_issuer.get(issuer, [])
        if any(key.kid == kid for key in keys):
            return [key for key in keys if key.kid == kid]
        if (
            self._load is not None
            and self._clock() - self._loaded_at >= _RELOAD_AT_MOST_EVERY_SECONDS
        ):
            self._loaded_at = self._clock()
            try:
                self._by_issuer = _by_issuer(self._load())
            except Exception:  # keep the keys that worked; the next unknown kid tries again
                _log.warning("trusted_keys_reload_failed", exc_info=True)
            keys = self._by_issuer.get(issuer, [])
        matching = [key for key in keys if key.kid == kid]
        return matching or keys


def _by_issuer(keys: Collection[TrustedKey]) -> dict[str, list[TrustedKey]]:
    grouped: dict[str, list[TrustedKey]] = {}
    for key in keys:
        grouped.setdefault(key.issuer, []).append(key)
    return grouped


class ServiceTokenVerifier:
    """Checks that a token was signed with its issuer's trusted key, is current (`exp`, and `iat`
    not older than the maximum age nor in the future), and names this service."""

    # Callers reuse a token until shortly before it expires, so most requests carry a token this
    # process has verified before: remembering them (until their expiry) saves a signature check.
    _REMEMBERED_TOKENS = 2048

    def __init__(
        self,
        *,
        audience: str,
        keys: TrustedKeySet,
        max_age_seconds: int = 300,
        leeway_seconds: int = 5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.audience = audience
        self._keys = keys
        self.max_age_seconds = max_age_seconds
        self.leeway_seconds = leeway_seconds
        self._clock = clock
        self._verified: dict[str, ServiceCaller] = {}

    def verify(self, token: str) -> ServiceCaller:
        """The caller named by a valid token; raises Unauthorized otherwise."""
        known = self._verified.get(token)
        if known is not None and not self._expired(known.expires_at):
            return known
        caller = self._verify_signed(token)
        if len(self._verified) >= self._REMEMBERED_TOKENS:
            self._verified.clear()
        self._verified[token] = caller
        return caller

    def _verify_signed(self, token: str) -> ServiceCaller:
        try:
            # Header and claims in one parse: which key to check the signature with.
            unverified = jwt.decode_complete(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise _unauthorized("The service token is not valid.") from error
        header, claimed = unverified["header"], unverified["payload"]
        issuer = claimed.get("iss")
        if header.get("alg") != ALGORITHM or not isinstance(issuer, str):
            raise _unauthorized("The service token is not valid.")
        keys = self._keys.keys_of(issuer, header.get("kid"))
        if not keys:
            raise _unauthorized("The service token is not signed by a key this service trusts.")
        payload = self._decode(token, keys)
        return self._caller(payload)

    def _decode(self, token: str, keys: list[TrustedKey]) -> dict[str, Any]:
        for trusted in keys:
            try:
                return jwt.decode(
                    token,
                    trusted.key,
                    algorithms=[ALGORITHM],
                    audience=self.audience,
                    # Times are checked below, on this verifier's clock.
                    options={
                        "require": ["iss", "aud", "exp", "iat"],
                        "verify_exp": False,
                        "verify_iat": False,
                        "verify_nbf": False,
                    },
                )
            except jwt.InvalidAudienceError as error:
                raise _unauthorized("The service token is not meant for this service.") from error
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError as error:
                raise _unauthorized("The service token is not valid.") from error
        raise _unauthorized("The service token is not signed by a key this service trusts.")

    def _caller(self, payload: Mapping[str, Any]) -> ServiceCaller:
        expires_at, issued_at = payload["exp"], payload["iat"]
        if not all(_is_number(value) for value in (expires_at, issued_at)):
            raise _unauthorized("The service token is not valid.")
        now = self._clock()
        if issued_at > now + self.leeway_seconds:
            raise _unauthorized("The service token is issued in the future.")
        valid_until = min(float(expires_at), float(issued_at) + self.max_age_seconds)
        if self._expired(valid_until):
            raise _unauthorized("The service token has expired.")
        return ServiceCaller(
            service=str(payload["iss"]),
            audience=self.audience,
            expires_at=valid_until,
            claims={k: v for k, v in payload.items() if k not in _RESERVED_CLAIMS},
        )

    def _expired(self, expires_at: float) -> bool:
        return self._clock() >= expires_at + self.leeway_seconds


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _unauthorized(detail: str) -> Unauthorized:
    return Unauthorized(detail, headers={"WWW-Authenticate": 'Bearer realm="trivium"'})


def token_pair(settings: ServiceSettings) -> tuple[ServiceTokenIssuer, ServiceTokenVerifier]:
    """The issuer and verifier of a service, from its key settings (production refuses to start
    without them, or with published values: InsecureConfiguration)."""
    if settings.environment == "production":
        check_production_settings(settings)
    issuer = token_issuer(settings)
    return issuer, token_verifier(settings, own=issuer.trusted_key())


def token_issuer(settings: ServiceSettings) -> ServiceTokenIssuer:
    """The service's issuer; outside production a service without a key file signs with a key of
    its own process, which no other service trusts."""
    if settings.service_key_file is not None:
        key = load_private_key(settings.service_key_file)
    else:
        _log.warning("service_key_missing", extra={"detail": "calls it makes will be refused"})
        key = generate_private_key()
    return ServiceTokenIssuer(
        issuer=settings.service_name,
        private_key=key,
        ttl_seconds=settings.service_token_ttl_seconds,
    )


def token_verifier(
    settings: ServiceSettings, *, own: TrustedKey | None = None
) -> ServiceTokenVerifier:
    """The service's verifier, trusting the keys of TRIVIUM_TRUSTED_KEYS (none when unset) and
    the service's `own` key."""
    source, mine = settings.trusted_keys, [own] if own is not None else []
    if source is None:
        keys = TrustedKeySet(mine)
    else:
        keys = TrustedKeySet(
            [*load_trusted_keys(source), *mine], load=lambda: [*load_trusted_keys(source), *mine]
        )
    return ServiceTokenVerifier(
        audience=settings.service_name,
        keys=keys,
        max_age_seconds=settings.service_token_max_age_seconds,
    )


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header, if the request has one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class ServiceTokenCheck(SecurityBase):
    """The dependency `require_service_token` returns: reads the `Authorization` header and
    verifies its token in one step. It is the `serviceToken` scheme itself (FastAPI documents a
    `SecurityBase` dependency as a security scheme), so the document is that of `HTTPBearer`,
    while each request solves one dependency rather than a check on top of HTTPBearer's parser:
    FastAPI solves every node of a route's dependency tree on every request."""

    def __init__(self, accepted: frozenset[str], vouching: frozenset[str]) -> None:
        self.model = SERVICE_TOKEN_SCHEME.model
        self.scheme_name = SERVICE_TOKEN_SCHEME.scheme_name
        self.accepted = accepted
        self.vouching = vouching
        self._listed = ", ".join(sorted(accepted))

    async def __call__(self, request: Request) -> ServiceCaller:
        token = bearer_token(request)
        if token is None:
            raise _unauthorized("This internal API needs a service token (Authorization: Bearer).")
        verifier: ServiceTokenVerifier = request.app.state.service_token_verifier
        caller = verifier.verify(token)
        if caller.service not in self.accepted:
            raise CallerNotAccepted(
                f"Calls from {caller.service!r} are not accepted here; this route accepts "
                f"{self._listed}."
            )
        if caller.service not in self.vouching and caller.claims:
            caller = ServiceCaller(caller.service, caller.audience, caller.expires_at, {})
        request.state.service_caller = caller
        return caller


def require_service_token(*issuers: str, identity_from: Collection[str] = ()) -> params.Security:
    """A router dependency (`APIRouter(dependencies=[...])`, listing the accepted issuers as the
    scheme's scopes in the document): the verified caller when its service is one of `issuers`
    (401 without a valid token, 403 `caller-not-accepted` for another service). Claims of callers
    not in `identity_from` are dropped, so only those issuers can name a rep, partner or role."""
    accepted, vouching = frozenset(issuers), frozenset(identity_from)
    if not accepted or not vouching <= accepted:
        raise ValueError("name the accepted issuers; identity_from must be among them")
    declaration: params.Security = Security(
        ServiceTokenCheck(accepted, vouching), scopes=sorted(accepted)
    )
    return declaration


def process_api_router(
    *, business: Sequence[APIRouter], operations: Sequence[APIRouter]
) -> APIRouter:
    """A Process API's routes: `business` for the experience APIs (calling for their users, whose
    identity they pass) and operators, `operations` (work that needs attention) for operators."""
    callers = (*EXPERIENCE_APIS, OPERATOR)
    routes = APIRouter()
    for routers, accepted in ((business, callers), (operations, (OPERATOR,))):
        guarded = APIRouter(dependencies=[require_service_token(*accepted, identity_from=accepted)])
        for router in routers:
            guarded.include_router(router)
        routes.include_router(guarded)
    return routes


def experience_api_router(issuers: Sequence[str], routers: Sequence[APIRouter]) -> APIRouter:
    """An Experience API's routes, for the `issuers` (the gateway) that sign their end user's
    identity into the service token; that identity is taken from them alone."""
    routes = APIRouter(dependencies=[require_service_token(*issuers, identity_from=issuers)])
    for router in routers:
        routes.include_router(router)
    return routes


def system_api_router(routers: Sequence[APIRouter]) -> APIRouter:
    """A System API's routes, for the process and experience APIs that call it; identity claims
    are not read here (a System API serves the backend's data, whoever the user)."""
    routes = APIRouter(dependencies=[require_service_token(*PROCESS_APIS, *EXPERIENCE_APIS)])
    for router in routers:
        routes.include_router(router)
    return routes


def service_caller_of(request: Request) -> ServiceCaller:
    """The caller verified by the router's `require_service_token`, for a dependency that reads
    the request itself (one dependency instead of one per thing it combines)."""
    caller: ServiceCaller | None = getattr(request.state, "service_caller", None)
    if caller is None:
        raise RuntimeError("the route names no accepted callers (require_service_token)")
    return caller


async def current_service_caller(request: Request) -> ServiceCaller:
    """The caller verified by the router's `require_service_token` (async: a plain function would
    run in a worker thread for every request)."""
    return service_caller_of(request)


ServiceCallerDep = Annotated[ServiceCaller, Depends(current_service_caller)]
