"""Signing keys for tests: generated per test session, never committed.

`session_keys()` is this process's key ring in a temporary directory: every issuer a test names
gets a key on first use, and its public key joins the trusted directory that every service started
by the tests is given. Subprocesses reach the same files through the paths in their environment.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from trivium.keys import generate_private_key, load_private_key, public_key_pem, write_private_key
from trivium.service_auth import ServiceTokenIssuer

INTEGRATION_TEST = "integration-test"
# Created with the ring, so that services started early already trust every caller a test uses.
KNOWN_ISSUERS = (
    "gateway", "operator", INTEGRATION_TEST, "mobile-experience", "partner-portal-experience",
    "quote-to-order", "create-customer", "customer-sync", "salesforce-system", "erp-system",
)  # fmt: skip


class KeyRing:
    """Private keys under `<directory>/private/<issuer>.pem`, public ones under `trusted/`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.trusted_dir = directory / "trusted"
        self.trusted_dir.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def key_file(self, issuer: str) -> Path:
        """The private key file of `issuer`, created (and trusted) on first use."""
        path = self.directory / "private" / f"{issuer}.pem"
        with self._lock:
            if not path.exists():
                key = generate_private_key()
                write_private_key(path, key)
                staged = self.trusted_dir / f".{issuer}.pem.tmp"
                staged.write_bytes(public_key_pem(key.public_key()))
                staged.replace(self.trusted_dir / f"{issuer}.pem")
        return path

    def private_key(self, issuer: str) -> Ed25519PrivateKey:
        return load_private_key(self.key_file(issuer))

    def issuer(self, name: str, *, ttl_seconds: int = 120) -> ServiceTokenIssuer:
        """An issuer signing as `name` with its key from this ring."""
        return ServiceTokenIssuer(
            issuer=name, private_key=self.private_key(name), ttl_seconds=ttl_seconds
        )

    def token(self, issuer: str, audience: str, **claims: Any) -> str:
        """A token from `issuer` to `audience` carrying `claims`."""
        return self.issuer(issuer).token_for(audience, claims=claims or None)

    def authorization(
        self, issuer: str, audience: str, *, claims: dict[str, Any] | None = None
    ) -> dict[str, str]:
        """The `Authorization` header of a call from `issuer` to `audience` (carrying `claims`),
        valid for five minutes: long enough for a session's provider verifications."""
        token = self.issuer(issuer, ttl_seconds=300).token_for(audience, claims=claims)
        return {"Authorization": f"Bearer {token}"}

    def settings(self, service: str) -> dict[str, Any]:
        """ServiceSettings keyword arguments giving `service` its key and the trusted keys."""
        return {"service_key_file": self.key_file(service), "trusted_keys": self.trusted_dir}

    def env(self, service: str) -> dict[str, str]:
        """The environment variables giving a service process its key and the trusted keys."""
        return {
            "TRIVIUM_SERVICE_KEY_FILE": str(self.key_file(service)),
            "TRIVIUM_TRUSTED_KEYS": str(self.trusted_dir),
        }


_ring: KeyRing | None = None
_ring_lock = threading.Lock()


def session_keys() -> KeyRing:
    """This process's key ring (created on first use, removed at exit)."""
    global _ring
    with _ring_lock:
        if _ring is None:
            directory = Path(tempfile.mkdtemp(prefix="trivium-test-keys-"))
            atexit.register(shutil.rmtree, directory, True)
            _ring = KeyRing(directory)
            for issuer in KNOWN_ISSUERS:
                _ring.key_file(issuer)
        return _ring
