"""Which failures only mean that Redis or the network was away (retried, never counted)."""

from __future__ import annotations

import errno
import socket

import pytest
import redis.asyncio
from redis import exceptions as redis_errors

from trivium.work_queue import PermanentFailure, is_transient


def caused_by(cause: BaseException) -> RuntimeError:
    """A handler's own error raised `from` another, as an adapter that translates errors does."""
    try:
        raise RuntimeError("the order store failed") from cause
    except RuntimeError as error:
        return error


class TestIsTransient:
    @pytest.mark.parametrize(
        "error",
        [
            redis_errors.ConnectionError("Connection closed by server."),
            redis_errors.ConnectionError("Error 111 connecting to 127.0.0.1:6379."),
            redis_errors.TimeoutError("Timeout reading from socket"),
            redis_errors.BusyLoadingError("Redis is loading the dataset in memory"),
            redis_errors.ReadOnlyError("You can't write against a read only replica."),
            redis_errors.ClusterDownError("The cluster is down"),
            redis_errors.MasterDownError("Link with MASTER is down"),
            redis_errors.TryAgainError("Multiple keys request during rehashing of slot"),
            redis_errors.LockError("Cannot extend an unlocked lock"),
            redis_errors.LockNotOwnedError("Cannot release a lock that's no longer owned"),
            redis_errors.ResponseError("LOADING Redis is loading the dataset in memory"),
            redis_errors.ResponseError(
                "Error running script (call to f_0123): @user_script:2: -READONLY You can't "
                "write against a read only replica."
            ),
            ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"),
            ConnectionResetError(errno.ECONNRESET, "Connection reset by peer"),
            BrokenPipeError(errno.EPIPE, "Broken pipe"),
            TimeoutError("timed out"),
            OSError(errno.EHOSTUNREACH, "No route to host"),
            OSError(errno.ENETUNREACH, "Network is unreachable"),
            socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"),
        ],
        ids=lambda error: f"{type(error).__name__}: {error}"[:60],
    )
    def test_redis_or_the_network_away(self, error: BaseException) -> None:
        assert is_transient(error)

    @pytest.mark.parametrize(
        "error",
        [
            redis_errors.ResponseError("WRONGTYPE Operation against a key holding the wrong kind"),
            redis_errors.ResponseError("NOGROUP No such key 'orders' or consumer group"),
            redis_errors.DataError("Invalid input of type: 'dict'"),
            FileNotFoundError(errno.ENOENT, "No such file or directory"),
            PermissionError(errno.EACCES, "Permission denied"),
            ValueError("boom"),
            KeyError("orderId"),
            PermanentFailure("customer does not exist in the ERP"),
        ],
        ids=lambda error: f"{type(error).__name__}: {error}"[:60],
    )
    def test_other_failures(self, error: BaseException) -> None:
        assert not is_transient(error)

    def test_an_error_caused_by_redis_being_away(self) -> None:
        assert is_transient(caused_by(redis_errors.ConnectionError("Connection closed")))
        assert not is_transient(caused_by(ValueError("bad payload")))

    def test_an_error_merely_raised_while_handling_one_is_not(self) -> None:
        error = ValueError("a bug in the error handling")
        error.__context__ = redis_errors.ConnectionError("Connection closed")
        assert not is_transient(error)

    def test_a_group_of_errors_only_when_each_is(self) -> None:
        away = redis_errors.TimeoutError("Timeout reading from socket")
        assert is_transient(ExceptionGroup("reads", [away, ConnectionResetError()]))
        assert not is_transient(ExceptionGroup("reads", [away, ValueError("bad")]))

    def test_a_cause_cycle_ends(self) -> None:
        first, second = ValueError("first"), ValueError("second")
        first.__cause__, second.__cause__ = second, first
        assert not is_transient(first)


class TestTornDownConnection:
    @pytest.mark.asyncio
    async def test_a_write_on_a_connection_another_task_closed_is_redis_away(
        self, redis_url: str
    ) -> None:
        client = redis.asyncio.Redis.from_url(redis_url)
        connection = await client.connection_pool.get_connection()
        try:
            # Another task disconnected it between redis-py's "is it connected" and its write.
            stream = connection._writer
            connection._writer = None
            with pytest.raises(AttributeError) as raised:
                await connection._send_packed_command([b"PING\r\n"])
            connection._writer = stream
        finally:
            await client.connection_pool.release(connection)
            await client.aclose()
        assert is_transient(raised.value)

    def test_the_same_error_in_our_own_code_is_a_bug(self) -> None:
        stream = None
        with pytest.raises(AttributeError) as raised:
            stream.writelines([b"PING"])  # type: ignore[attr-defined]
        assert not is_transient(raised.value)
