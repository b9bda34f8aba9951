"""The work queue's errors: the handler's way to give up, the problems callers may see, and which
failures only mean that Redis or the network was away for a while."""

from __future__ import annotations

import errno
import re
import socket

from redis import exceptions as redis_errors

from trivium.problems import NotFound, ServiceUnavailable


class PermanentFailure(Exception):
    """Raised by a handler when retrying cannot help: the message is dead-lettered at once."""


class RetryLater(Exception):
    """Raised by a handler whose work may succeed no sooner than `after_seconds` from now (a
    lower tier's `Retry-After`): the retry waits that long when the backoff is shorter, up to the
    queue's longest backoff. It counts as an attempt like any other failure."""

    def __init__(self, *args: object, after_seconds: float | None = None) -> None:
        super().__init__(*args)
        self.after_seconds = after_seconds


class QueueFull(ServiceUnavailable):
    slug = "queue-full"
    title = "Too much work is waiting; try again later"


class DeadLetterNotFound(NotFound):
    slug = "dead-letter-not-found"
    title = "No such dead letter"


# Redis away, starting or failing over: a lost or timed-out connection (BusyLoadingError, the
# LOADING reply, is one), a replica that still refuses writes, a lease that lapsed meanwhile.
_REDIS_AWAY = (
    redis_errors.ConnectionError,
    redis_errors.TimeoutError,
    redis_errors.ReadOnlyError,
    redis_errors.ClusterDownError,
    redis_errors.TryAgainError,
    redis_errors.LockError,
)
# The same replies as they read when a script's call met them, or from a client that does not
# map them to classes.
_AWAY_REPLY = re.compile(r"(?:^|[\s:-])(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b")
# OS errors of a socket whose peer or route is gone; not those of files or of programming bugs.
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EPIPE,
        errno.ETIMEDOUT,
        errno.ENETDOWN,
        errno.ENETUNREACH,
        errno.ENETRESET,
        errno.EHOSTDOWN,
        errno.EHOSTUNREACH,
    }
)


def is_transient(error: BaseException) -> bool:
    """True when `error` (or an error that caused it) means Redis or the network was away."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, BaseExceptionGroup):
            return all(is_transient(inner) for inner in current.exceptions)
        if _is_away(current):
            return True
        current = current.__cause__
    return False


def _is_away(error: BaseException) -> bool:
    if isinstance(error, _REDIS_AWAY):
        return True
    if isinstance(error, AttributeError):
        return _is_torn_down_connection(error)
    if isinstance(error, redis_errors.ResponseError):
        return _AWAY_REPLY.search(str(error)) is not None
    if isinstance(error, ConnectionError | TimeoutError | socket.gaierror):
        return True
    return isinstance(error, OSError) and error.errno in _NETWORK_ERRNOS


def _is_torn_down_connection(error: AttributeError) -> bool:
    """redis-py's asyncio connection written to after another task tore it down (as a failover or
    a timeout elsewhere does): its stream is None and the write fails inside the client with an
    AttributeError on None instead of a ConnectionError. The same error in our code is a bug."""
    if error.obj is not None:
        return False
    frame = error.__traceback__
    if frame is None:
        return False
    while frame.tb_next is not None:
        frame = frame.tb_next
    module = frame.tb_frame.f_globals.get("__name__", "")
    return isinstance(module, str) and module.startswith("redis.")
