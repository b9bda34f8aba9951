"""The service keys of a deployment: each signer's own Ed25519 key, and the public keys of all.

    <directory>/keys/<issuer>.pem     a signer's private key: mounted into its own containers alone
    <directory>/trusted/<issuer>.pem  its public key: the trusted set (TRIVIUM_TRUSTED_KEYS)

The signers are Kong (issuer `gateway`), every service, and the operator (whose private key stays
with the operator). A key that exists is kept and its public key written again, so running this
twice changes nothing; delete a private key to get a new one (the README's "Rotating" says in
which order). Files in `trusted/` that this script did not write (a previous key kept during a
rotation) are left alone.

    python deploy/service_keys.py                         # into deploy/secrets (git-ignored)
    python deploy/service_keys.py --directory /safe/place # for the Kubernetes Secrets
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from trivium.keys import generate_private_key, load_private_key, public_key_pem, write_private_key

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "secrets"
SIGNERS = (
    "gateway",
    "mobile-experience",
    "partner-portal-experience",
    "quote-to-order",
    "create-customer",
    "customer-sync",
    "salesforce-system",
    "erp-system",
    "operator",
)
# Compose bind-mounts a key with its owner on the host, which is not the container's user (10001,
# Kong's 1000): the file is readable by all, and the directory (0700) keeps the host's other
# users out.
KEY_FILE_MODE = 0o644


def ensure_keys(directory: Path, signers: Iterable[str] = SIGNERS) -> list[Path]:
    """Generate the private keys that are missing, write every public key; the new key files."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    created = []
    for issuer in signers:
        private = directory / "keys" / f"{issuer}.pem"
        if private.exists():
            key = load_private_key(private)
        else:
            key = generate_private_key()
            write_private_key(private, key)
            created.append(private)
        private.chmod(KEY_FILE_MODE)
        trusted = directory / "trusted" / f"{issuer}.pem"
        trusted.parent.mkdir(exist_ok=True)
        trusted.write_bytes(public_key_pem(key.public_key()))
    return created


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--directory", type=Path, default=DEFAULT_DIRECTORY)
    arguments = parser.parse_args(argv)
    created = ensure_keys(arguments.directory)
    for path in created:
        print(f"new key: {path}")
    print(
        f"keys in {arguments.directory / 'keys'}, public keys in {arguments.directory / 'trusted'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
