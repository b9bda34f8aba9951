"""The demo credentials a local caller needs, read from the kong.yml the gateway loads.

Partner API keys and the sales rep's JWT credential come from kong.yml's consumers; a rep token is
minted here as the mobile app's identity provider would issue it. Every local tool that shows or
uses a credential (`make run`'s table, `make demo`) takes it from this module, so that this is
the one place to change when the keys become per installation.

Run it for a fresh rep token (they live at most as long as the gateway accepts, an hour):
`.venv/bin/python deploy/local/demo_credentials.py`; with `--operator customer-sync` (or another
service) for an operator's service token to that service (two minutes), signed with the
operator's key of this installation (`.run/secrets/keys/operator.pem`, or the PEM file named by
TRIVIUM_OPERATOR_KEY_FILE), for the operator routes (`/parked`, `/dead-letters`).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import yaml
from local_secrets import OPERATOR, local_secrets

from trivium.keys import load_private_key
from trivium.service_auth import ServiceTokenIssuer

ROOT = Path(__file__).resolve().parents[2]
KONG_YML = ROOT / "gateway" / "kong.yml"
GATEWAY_URL = "http://127.0.0.1:8000"
PLAN_TAG_PREFIX = "plan-"
REP_TOKEN_LIFETIME_SECONDS = 3600


@dataclass(frozen=True)
class PartnerKey:
    """A partner's API key (header `apikey`), its account number (custom_id) and its plan."""

    username: str
    account_number: str
    plan: str | None
    key: str


@dataclass(frozen=True)
class RepCredential:
    """A sales rep's JWT credential: tokens name `key` in `iss` and are signed with `secret`."""

    username: str
    salesforce_username: str
    key: str
    secret: str
    algorithm: str
    max_lifetime_seconds: int | None


def kong_config_path(environ: Mapping[str, str] = os.environ) -> Path:
    """The kong.yml the local gateway loads (`GATEWAY_CONFIG_PATH`, else the repository's)."""
    return Path(environ.get("GATEWAY_CONFIG_PATH") or KONG_YML)


def load_kong_document(path: Path = KONG_YML) -> dict[str, Any]:
    """A kong.yml, parsed."""
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def partner_keys(document: Mapping[str, Any]) -> list[PartnerKey]:
    """Every consumer's API keys, in the order kong.yml lists them."""
    keys = []
    for consumer in document.get("consumers", []):
        plan = next(
            (
                tag.removeprefix(PLAN_TAG_PREFIX)
                for tag in consumer.get("tags", [])
                if tag.startswith(PLAN_TAG_PREFIX)
            ),
            None,
        )
        keys.extend(
            PartnerKey(consumer["username"], str(consumer.get("custom_id", "")), plan, cred["key"])
            for cred in consumer.get("keyauth_credentials", [])
        )
    return keys


def rep_credential(document: Mapping[str, Any]) -> RepCredential:
    """The first consumer's JWT credential (the demo sales rep's), with the longest lifetime
    any jwt plugin in the document accepts."""
    for consumer in document.get("consumers", []):
        for secret in consumer.get("jwt_secrets", []):
            return RepCredential(
                username=consumer["username"],
                salesforce_username=str(consumer.get("custom_id", "")),
                key=secret["key"],
                secret=secret["secret"],
                algorithm=secret.get("algorithm", "HS256"),
                max_lifetime_seconds=jwt_maximum_expiration(document),
            )
    raise LookupError("no consumer in kong.yml has a JWT credential")


def jwt_maximum_expiration(document: Mapping[str, Any]) -> int | None:
    """The smallest `maximum_expiration` of the document's jwt plugins (None: no limit)."""
    services = document.get("services", [])
    routes = [route for service in services for route in service.get("routes", [])]
    scopes = [document, *services, *routes]
    limits = [
        int(plugin.get("config", {}).get("maximum_expiration") or 0)
        for scope in scopes
        for plugin in scope.get("plugins", [])
        if plugin.get("name") == "jwt"
    ]
    positive = [limit for limit in limits if limit > 0]
    return min(positive) if positive else None


def rep_token_expiry(
    rep: RepCredential, *, now: float, lifetime_seconds: int = REP_TOKEN_LIFETIME_SECONDS
) -> int:
    """When a rep token minted `now` expires (epoch seconds): never later than the gateway
    accepts."""
    if rep.max_lifetime_seconds is not None:
        lifetime_seconds = min(lifetime_seconds, rep.max_lifetime_seconds)
    return int(now) + lifetime_seconds


def mint_rep_token(
    rep: RepCredential, *, now: float, lifetime_seconds: int = REP_TOKEN_LIFETIME_SECONDS
) -> str:
    """A signed rep token, as the mobile app's identity provider issues it."""
    claims = {
        "iss": rep.key,
        "sub": rep.salesforce_username,
        "iat": int(now),
        "nbf": int(now),
        "exp": rep_token_expiry(rep, now=now, lifetime_seconds=lifetime_seconds),
    }
    return jwt.encode(claims, rep.secret, algorithm=rep.algorithm)


def operator_key_file(environ: Mapping[str, str] = os.environ) -> Path:
    """The operator's signing key: TRIVIUM_OPERATOR_KEY_FILE, else this installation's."""
    named = environ.get("TRIVIUM_OPERATOR_KEY_FILE")
    return Path(named) if named else local_secrets().key_file(OPERATOR)


def mint_operator_token(audience: str, environ: Mapping[str, str] = os.environ) -> str:
    """A service token to `audience` with the operator role, signed with the operator's key (the
    services on this machine trust its public key)."""
    path = operator_key_file(environ)
    if not path.exists():
        raise SystemExit(f"no operator key at {path}: start `make run` once to generate it")
    issuer = ServiceTokenIssuer(issuer=OPERATOR, private_key=load_private_key(path))
    return issuer.token_for(audience, claims={"roles": ["operator"]})


def local_credential(name: str, environ: Mapping[str, str] = os.environ) -> str:
    """A credential of the local emulators: the variable, else `.run/secrets.env`'s value."""
    value = environ.get(name) or local_secrets().credentials().get(name)
    if not value:
        raise SystemExit(f"{name} is not set and not in .run/secrets.env: start `make run` once")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Demo credentials for local callers.")
    parser.add_argument(
        "--operator", metavar="SERVICE", help="print an operator token to SERVICE instead"
    )
    args = parser.parse_args(argv)
    if args.operator:
        sys.stdout.write(f"OPERATOR_TOKEN={mint_operator_token(args.operator)}\n")
        return 0
    rep = rep_credential(load_kong_document(kong_config_path()))
    sys.stdout.write(f"REP_TOKEN={mint_rep_token(rep, now=time.time())}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
