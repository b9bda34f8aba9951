"""The Redis users of a deployment: one per service (and Kong), each limited to its own keys.

    <directory>/redis-users/<user>      a user's password (`default` is the administrator)
    <directory>/redis-users/users.acl   Redis's ACL file: every user's rule, passwords as SHA-256

The rules are `trivium.redis_users.GRANTS`, the same `make run` gives the Redis it starts. A
password that exists is kept and the ACL file written again, so running this twice changes
nothing; delete a password file to get a new one. With `--env-file`, the passwords are also
written as `REDIS_PASSWORD_<USER>` lines into that dotenv file for Compose (other lines kept).

    python deploy/redis_users.py --env-file deploy/.env   # Compose: deploy/secrets/redis-users
    python deploy/redis_users.py --directory /safe/place  # for the trivium-redis-users Secret
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from trivium.keys import random_secret
from trivium.redis_users import ADMIN_USER, GRANTS, acl_lines

DEFAULT_DIRECTORY = Path(__file__).resolve().parent / "secrets"
DEFAULT_ENV_FILE = Path(__file__).resolve().parent / ".env"
ACL_FILE = "users.acl"
ACL_FILE_MODE = 0o644


def env_name(user: str) -> str:
    """The Compose variable of a user's password: `REDIS_PASSWORD_QUOTE_TO_ORDER`, ..."""
    return "REDIS_PASSWORD_" + user.upper().replace("-", "_")


def ensure_redis_users(directory: Path) -> dict[str, str]:
    """Every user's password (made where missing) and the ACL file, under `directory`."""
    folder = directory / "redis-users"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    passwords = {}
    for user in (ADMIN_USER, *GRANTS):
        path = folder / user
        if not path.exists():
            _write_private(path, random_secret())
        passwords[user] = path.read_text().strip()
    admin = passwords[ADMIN_USER]
    services = {user: password for user, password in passwords.items() if user != ADMIN_USER}
    acl = folder / ACL_FILE
    _write_private(acl, "\n".join(acl_lines(services, admin_password=admin)) + "\n")
    # Compose bind-mounts it with its owner on the host, not Redis's user in the container: it
    # holds digests of random passwords only, and the folder (0700) keeps the host's users out.
    acl.chmod(ACL_FILE_MODE)
    return passwords


def update_env_file(path: Path, passwords: dict[str, str]) -> None:
    """Set `REDIS_PASSWORD_<USER>` lines in a dotenv file, keeping its other lines."""
    names = {env_name(user): password for user, password in passwords.items()}
    kept = []
    if path.exists():
        kept = [
            line for line in path.read_text().splitlines() if line.partition("=")[0] not in names
        ]
    lines = [*kept, *(f"{name}={password}" for name, password in names.items())]
    _write_private(path, "\n".join(lines) + "\n")


def _write_private(path: Path, content: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(content)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--directory", type=Path, default=DEFAULT_DIRECTORY)
    parser.add_argument(
        "--env-file",
        type=Path,
        help=f"also write the passwords there (Compose: {DEFAULT_ENV_FILE})",
    )
    args = parser.parse_args(argv)
    passwords = ensure_redis_users(args.directory)
    if args.env_file:
        update_env_file(args.env_file, passwords)
    sys.stdout.write(f"{len(passwords)} Redis users in {args.directory / 'redis-users'}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
