"""One TLS context for every httpx client the test process makes with httpx's defaults.

httpx builds a new `ssl.SSLContext` for each client, loading certifi's CA bundle again: about
20 ms of CPU per client. Tests make thousands of short-lived clients of loopback services, which
never use TLS, so this alone took tens of seconds of a test run. A client with httpx's default
verification gets the one context built for the same settings (an `SSLContext` is safe to share);
any other `verify` or `cert` is built as httpx builds it.
"""

from __future__ import annotations

import functools
import os
import ssl
from typing import Any

import httpx._config
import httpx._transports.default

_build = httpx._config.create_ssl_context


@functools.cache
def _default_context(
    trust_env: bool, cert_file: str | None, cert_dir: str | None
) -> ssl.SSLContext:
    # The variables httpx reads are part of the key: a test that sets them gets their context.
    return _build(verify=True, cert=None, trust_env=trust_env)


def _create_ssl_context(
    verify: ssl.SSLContext | str | bool = True, cert: Any = None, trust_env: bool = True
) -> ssl.SSLContext:
    if verify is True and cert is None:
        return _default_context(
            trust_env, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")
        )
    return _build(verify=verify, cert=cert, trust_env=trust_env)


def share_default_ssl_context() -> None:
    """Let httpx clients with default verification share one TLS context (see above)."""
    # The transports call the name they imported from httpx._config.
    setattr(httpx._transports.default, "create_ssl_context", _create_ssl_context)  # noqa: B010
