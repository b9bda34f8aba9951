"""Each service's own Redis user, limited to the keys that service owns.

A service that is taken over can then read or write its own state only: not another service's
orders, the gateway's quota counters or the Salesforce session. The grants below are the key
prefixes each service's code writes (and the Salesforce budget the gateway only reads); a new key
outside them is refused with NOPERM, which the ACL stack test (`tests/test_redis_users.py`) turns
into a failure.

The same rules serve the Redis `make run` starts (as `user` lines of its configuration file),
`deploy/redis_users.py` (an ACL file for Kubernetes) and the tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

ADMIN_USER = "default"
# Everything a service's code sends, nothing that reconfigures, inspects or empties the server
# (CONFIG, KEYS, FLUSHALL, DEBUG, MONITOR, ACL, CLIENT KILL, ... are in these categories).
COMMANDS = "+@all -@admin -@dangerous"


@dataclass(frozen=True)
class RedisGrant:
    """The key patterns one service may read and write, and those it may only read."""

    keys: tuple[str, ...]
    read_only: tuple[str, ...] = ()


def idempotency_keys(service: str) -> str:
    """The pattern of the stored answers of `service` (see `trivium.idempotency`)."""
    return f"trivium:idempotency:{service}:*"


GRANTS: Mapping[str, RedisGrant] = {
    # Session and login lock, API budget, price book cache.
    "salesforce-system": RedisGrant(keys=("trivium:salesforce:*",)),
    # Per-reference locks, and the references a sales order was attempted for.
    "erp-system": RedisGrant(keys=("trivium:lock:erp-system:*", "trivium:attempt:erp-system:*")),
    # The process APIs keep everything under their hash tag (orders, streams, leases, parked).
    "quote-to-order": RedisGrant(keys=("{quote-to-order}:*",)),
    "create-customer": RedisGrant(keys=("{create-customer}:*",)),
    "customer-sync": RedisGrant(keys=("{customer-sync}:*",)),
    "mobile-experience": RedisGrant(keys=("mobile:*",)),
    "partner-portal-experience": RedisGrant(keys=("partner-portal:*",)),
    # Quotas, failed-authentication counters, Kong's rate-limiting counters; the budget the
    # Salesforce System API publishes is read to shed traffic, never written.
    "gateway": RedisGrant(
        keys=("trivium:quota:*", "trivium:auth-failures:*", "ratelimit:*"),
        read_only=("trivium:salesforce:api-budget",),
    ),
}


def acl_rule(service: str, password: str) -> str:
    """The ACL rule of `service`'s user (for `user` lines and ACL files), keeping only the
    password's SHA-256."""
    grant = GRANTS[service]
    patterns = [f"~{pattern}" for pattern in (*grant.keys, idempotency_keys(service))]
    patterns += [f"%R~{pattern}" for pattern in grant.read_only]
    digest = hashlib.sha256(password.encode()).hexdigest()
    return " ".join(
        ["user", service, "reset", "on", f"#{digest}", *patterns, "resetchannels", COMMANDS]
    )


def admin_rule(password: str) -> str:
    """The administrator (Redis's `default` user): everything, with a password."""
    digest = hashlib.sha256(password.encode()).hexdigest()
    return f"user {ADMIN_USER} reset on #{digest} ~* &* +@all"


def acl_lines(passwords: Mapping[str, str], *, admin_password: str) -> list[str]:
    """The whole ACL: the administrator, then one user per service of `passwords`."""
    return [
        admin_rule(admin_password),
        *(acl_rule(service, password) for service, password in sorted(passwords.items())),
    ]


def user_url(url: str, user: str, password: str) -> str:
    """`url` (any Redis URL) signing in as `user`."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    credentials = f"{quote(user, safe='')}:{quote(password, safe='')}"
    return urlunsplit((parts.scheme, f"{credentials}@{host}", parts.path, parts.query, ""))
