"""Service-to-service auth: short-lived signed JWTs whose audience is the called service.

Every internal call carries `Authorization: Bearer <token>` minted by the caller
(`ServiceTokenIssuer`) and checked by the callee (`require_service_token`). The gateway uses the
same tokens to pass the authenticated consumer down as claims (`consumer`, `plan`, ...), so an
identity reaches a service only inside a signature it can verify, never as a forgeable header.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from pydantic import SecretStr

from trivium.problems import Unauthorized

ALGORITHM = "HS256"
_RENEW_AT_FRACTION = 0.8
_RESERVED_CLAIMS = frozenset({"iss", "aud", "iat", "nbf", "exp", "sub"})


def _secret_value(secret: SecretStr | str) -> str:
    return secret.get_secret_value() if isinstance(secret, SecretStr) else secret


@dataclass(frozen=True)
class ServiceCaller:
    """Who called: the issuing service, and any identity claims it passed down."""

    service: str
    audience: str
    expires_at: float
    claims: Mapping[str, Any] = field(default_factory=dict)


class ServiceTokenIssuer:
    """Mints tokens for the calls a service makes, reusing each until most of its life is spent."""

    def __init__(self, *, issuer: str, secret: SecretStr | str, ttl_seconds: int = 300) -> None:
        self.issuer = issuer
        self._secret = _secret_value(secret)
        self.ttl_seconds = ttl_seconds
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def token_for(self, audience: str, *, claims: Mapping[str, Any] | None = None) -> str:
        """A token for calling `audience`; tokens carrying identity claims are never cached."""
        if claims:
            return self._mint(audience, claims)
        now = time.time()
        with self._lock:
            cached = self._cache.get(audience)
            if cached is not None and now < cached[1]:
                return cached[0]
            token = self._mint(audience, None)
            self._cache[audience] = (token, now + self.ttl_seconds * _RENEW_AT_FRACTION)
            return token

    def _mint(self, audience: str, claims: Mapping[str, Any] | None) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            key: value for key, value in (claims or {}).items() if key not in _RESERVED_CLAIMS
        }
        payload.update(iss=self.issuer, aud=audience, iat=now, exp=now + self.ttl_seconds)
        return jwt.encode(payload, self._secret, algorithm=ALGORITHM)


class ServiceTokenVerifier:
    """Checks that a token was signed with the shared secret, is current, and names this service."""

    # Callers reuse a token until shortly before it expires, so most requests carry a token this
    # process has verified before: remembering them (until their expiry) saves a signature check.
    _REMEMBERED_TOKENS = 2048

    def __init__(
        self,
        *,
        audience: str,
        secret: SecretStr | str,
        leeway_seconds: int = 5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.audience = audience
        self._secret = _secret_value(secret)
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
            payload = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                audience=self.audience,
                leeway=self.leeway_seconds,
                # Expiry is checked below, on this verifier's clock.
                options={"require": ["iss", "aud", "exp", "iat"], "verify_exp": False},
            )
        except jwt.InvalidAudienceError as error:
            raise _unauthorized("The service token is not meant for this service.") from error
        except jwt.PyJWTError as error:
            raise _unauthorized("The service token is not valid.") from error
        expires_at = payload["exp"]
        if isinstance(expires_at, bool) or not isinstance(expires_at, int | float):
            raise _unauthorized("The service token is not valid.")
        if self._expired(expires_at):
            raise _unauthorized("The service token has expired.")
        return ServiceCaller(
            service=str(payload["iss"]),
            audience=self.audience,
            expires_at=float(expires_at),
            claims={k: v for k, v in payload.items() if k not in _RESERVED_CLAIMS},
        )

    def _expired(self, expires_at: float) -> bool:
        return self._clock() >= expires_at + self.leeway_seconds


def _unauthorized(detail: str) -> Unauthorized:
    return Unauthorized(detail, headers={"WWW-Authenticate": 'Bearer realm="trivium"'})


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header, if the request has one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def require_service_token(request: Request) -> ServiceCaller:
    """FastAPI dependency: the verified calling service, or a 401 problem (async: a plain
    function would be run in a worker thread for every request)."""
    verifier: ServiceTokenVerifier = request.app.state.service_token_verifier
    token = bearer_token(request)
    if token is None:
        raise _unauthorized("This internal API needs a service token (Authorization: Bearer).")
    return verifier.verify(token)


ServiceCallerDep = Annotated[ServiceCaller, Depends(require_service_token)]
