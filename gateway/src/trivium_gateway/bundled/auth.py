"""key-auth and jwt, as Kong 3.9 runs them (messages, statuses, upstream consumer headers)."""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs

import jwt
from jwt.algorithms import Algorithm, get_default_algorithms

from trivium_gateway.bundled import BundledDeps, BundledPlugin
from trivium_gateway.context import RequestContext
from trivium_gateway.entities import Consumer, Credential, PluginInstance

_BEARER = re.compile(r"\s*[Bb]earer\s+(.+)")
_ALGORITHMS: dict[str, Algorithm] = get_default_algorithms()


class _AuthPlugin(BundledPlugin):
    """What key-auth and jwt share: preflight, anonymous fallback, the 401 answer."""

    has_access = True
    scheme = ""

    def __init__(self, instance: PluginInstance, deps: BundledDeps) -> None:
        super().__init__(instance, deps)
        realm = self.conf.get("realm")
        self.www_authenticate = f'{self.scheme} realm="{realm}"' if realm else self.scheme
        self.anonymous = self._anonymous_consumer(self.conf.get("anonymous"))

    def _anonymous_consumer(self, reference: str | None) -> Consumer | None:
        if not reference:
            return None
        consumers = self.deps.config.consumers
        found = consumers.get(reference) or next(
            (c for c in consumers.values() if c.username == reference), None
        )
        if found is None:
            raise ValueError(f"{self.name}: anonymous consumer {reference!r} not found")
        return found

    async def access(self, ctx: RequestContext) -> None:
        if not self.conf["run_on_preflight"] and ctx.method == "OPTIONS":
            return
        if self.anonymous is not None and ctx.credential is not None:
            # Already authenticated by another plugin: anonymous means a logical OR.
            return
        failure = self.authenticate(ctx)
        if failure is None:
            return
        if self.anonymous is not None:
            ctx.authenticate(self.anonymous, None)
            return
        status, body = failure
        headers = {"WWW-Authenticate": self.www_authenticate}
        if isinstance(body, str):
            ctx.error(status, body, headers)
        else:
            ctx.exit_with(status, body, headers)

    def authenticate(self, ctx: RequestContext) -> tuple[int, str | dict[str, str]] | None:
        """None when the request is authenticated, else (status, message or claim errors)."""
        raise NotImplementedError

    def _authenticated(self, ctx: RequestContext, credential: Credential) -> None:
        consumer = self.deps.config.consumers.get(credential.consumer_id)
        ctx.authenticate(consumer, credential)


class KeyAuth(_AuthPlugin):
    scheme = "Key"

    def __init__(self, instance: PluginInstance, deps: BundledDeps) -> None:
        super().__init__(instance, deps)
        if self.conf["key_in_body"]:
            raise ValueError("key-auth: key_in_body is not supported by the local gateway")
        self.key_names: list[str] = self.conf["key_names"]

    def authenticate(self, ctx: RequestContext) -> tuple[int, str | dict[str, str]] | None:
        key = None
        query: dict[str, list[str]] | None = None
        for name in self.key_names:
            values = ctx.headers.get_all(name) if self.conf["key_in_header"] else []
            if not values and self.conf["key_in_query"]:
                query = query if query is not None else parse_qs(ctx.query)
                values = query.get(name, [])
            if len(values) > 1:
                return 401, "Duplicate API key found"
            if values:
                key = values[0]
                if self.conf["hide_credentials"]:
                    self._hide(ctx, name, query)
                break
        if not key:
            return 401, "No API key found in request"
        credential = self.deps.config.keyauth_credentials.get(key)
        if credential is None:
            return 401, "Unauthorized"
        self._authenticated(ctx, credential)
        return None

    @staticmethod
    def _hide(ctx: RequestContext, name: str, query: dict[str, list[str]] | None) -> None:
        ctx.upstream_headers.remove(name)
        if query and name in query:
            kept = [
                part
                for part in ctx.upstream_query.split("&")
                if part and part.split("=", 1)[0] != name
            ]
            ctx.upstream_query = "&".join(kept)


class JwtAuth(_AuthPlugin):
    scheme = "Bearer"

    def __init__(self, instance: PluginInstance, deps: BundledDeps) -> None:
        super().__init__(instance, deps)
        self._keys: dict[str, Any] = {}

    def authenticate(self, ctx: RequestContext) -> tuple[int, str | dict[str, str]] | None:
        token = self._token(ctx)
        if token is None:
            return 401, "Unauthorized"
        if isinstance(token, list):
            return 401, "Multiple tokens provided"
        try:
            header, claims, signing_input, signature = parse_token(token)
        except ValueError as error:
            return 401, f"Bad token; {error}"
        claim = self.conf["key_claim_name"]
        key = claims.get(claim) or header.get(claim)
        if not key:
            return 401, f"No mandatory '{claim}' in claims"
        credential = self.deps.config.jwt_secrets.get(str(key))
        if credential is None:
            return 401, f"No credentials found for given '{claim}'"
        failure = self._verify(header, claims, credential, signing_input, signature)
        if failure is not None:
            return failure
        self._authenticated(ctx, credential)
        ctx.shared["authenticated_jwt_token"] = token
        return None

    def _token(self, ctx: RequestContext) -> str | list[str] | None:
        query = parse_qs(ctx.query) if self.conf["uri_param_names"] else {}
        for name in self.conf["uri_param_names"]:
            values = [value for value in query.get(name, []) if value]
            if len(values) > 1:
                return values
            if values:
                return values[0]
        cookie_header = ctx.headers.get("cookie")
        if self.conf["cookie_names"] and cookie_header:
            cookies = SimpleCookie()
            try:
                cookies.load(cookie_header)
            except CookieError:
                cookies = SimpleCookie()
            for name in self.conf["cookie_names"]:
                if name in cookies and cookies[name].value:
                    return cookies[name].value
        for name in self.conf["header_names"]:
            value = ctx.headers.get(name)
            match = _BEARER.match(value) if value else None
            if match and match.group(1):
                return match.group(1)
        return None

    def _verify(
        self,
        header: dict[str, Any],
        claims: dict[str, Any],
        credential: Credential,
        signing_input: bytes,
        signature: bytes,
    ) -> tuple[int, str | dict[str, str]] | None:
        name = credential.entity.get("algorithm") or "HS256"
        algorithm = _ALGORITHMS.get(name)
        if header.get("alg") != name or algorithm is None:
            return 401, "Invalid algorithm"
        key = self._prepared_key(credential, name, algorithm)
        if key is None:
            return 401, "Invalid key/secret"
        if not algorithm.verify(signing_input, key, signature):
            return 401, "Invalid signature"
        errors = verify_registered_claims(claims, self.conf["claims_to_verify"] or [], time.time())
        if errors:
            return 401, errors
        if exceeds_maximum_expiration(claims, self.conf["maximum_expiration"] or 0, time.time()):
            return 401, {"exp": "exceeds maximum allowed expiration"}
        return None

    def _prepared_key(self, credential: Credential, name: str, algorithm: Algorithm) -> Any:
        # Preparing a key (parsing a PEM, checking an HMAC secret) costs more than verifying.
        cached = self._keys.get(credential.id)
        if cached is not None:
            return cached
        if name.startswith("HS"):
            secret = credential.entity.get("secret")
            raw: str | bytes | None = str(secret) if secret else None
            if raw and self.conf["secret_is_base64"]:
                try:
                    raw = base64.b64decode(raw)
                except (binascii.Error, ValueError):
                    return None
        else:
            public_key = credential.entity.get("rsa_public_key")
            raw = str(public_key) if public_key else None
        if raw is None:
            return None
        try:
            key = algorithm.prepare_key(raw)
        except (jwt.PyJWTError, ValueError, TypeError):
            return None
        self._keys[credential.id] = key
        return key


def parse_token(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    """(header, claims, signed part, signature) of a compact JWS; ValueError if malformed."""
    segments = token.split(".")
    if len(segments) != 3:
        raise ValueError("invalid JWT: expected 3 segments")
    try:
        header = json.loads(_base64url(segments[0]))
        claims = json.loads(_base64url(segments[1]))
        signature = _base64url(segments[2])
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ValueError("invalid base64 encoding") from error
    except json.JSONDecodeError as error:
        raise ValueError("invalid JSON") from error
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("invalid JWT: header and claims must be JSON objects")
    return header, claims, f"{segments[0]}.{segments[1]}".encode(), signature


def _base64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def verify_registered_claims(
    claims: dict[str, Any], to_verify: list[str], now: float
) -> dict[str, str]:
    """Kong's checks of `exp` and `nbf`: one message per failing claim."""
    errors: dict[str, str] = {}
    for name in to_verify:
        value = claims.get(name)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            errors[name] = "must be a number"
        elif name == "exp" and value <= now:
            errors[name] = "token expired"
        elif name == "nbf" and value > now:
            errors[name] = "token not valid yet"
    return errors


def exceeds_maximum_expiration(claims: dict[str, Any], maximum: float, now: float) -> bool:
    """Kong's `maximum_expiration`: a token without `exp`, or living longer, is refused."""
    if maximum <= 0:
        return False
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        return True
    return exp - now > maximum
