"""MessagePack-RPC over a Unix socket, the wire protocol between Kong and its plugin servers.

A request is `[0, msgid, method, [params]]`, an answer `[1, msgid, error, result]` (as Kong's
kong/runloop/plugin_servers/rpc/mp_rpc.lua sends and reads them). The plugin server serves each
connection on its own thread (or greenlet) and answers its requests in order, so one call uses
one connection at a time: connections are pooled and kept alive, as Kong keeps its cosockets.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import msgpack

READ_SIZE = 64 * 1024


class RpcError(Exception):
    """The plugin server answered with an error."""


class RpcConnection:
    """One connection to the plugin server; one call at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
        self._msgid = 0

    @classmethod
    async def open(cls, socket_path: str) -> RpcConnection:
        reader, writer = await asyncio.open_unix_connection(socket_path, limit=READ_SIZE)
        return cls(reader, writer)

    async def call(self, method: str, *params: Any) -> Any:
        """Send one request and wait for its answer."""
        self._msgid += 1
        msgid = self._msgid
        self._writer.write(msgpack.packb([0, msgid, method, list(params)]))
        while True:
            for message in self._unpacker:
                if not isinstance(message, list) or len(message) != 4 or message[0] != 1:
                    continue  # notifications ([2, ...]) carry nothing Kong acts on here
                if message[1] != msgid:
                    raise RpcError(f"answer {message[1]} to request {msgid}: stream out of step")
                if message[2] is not None:
                    raise RpcError(str(message[2]))
                return message[3]
            data = await self._reader.read(READ_SIZE)
            if not data:
                raise ConnectionResetError("the plugin server closed the connection")
            self._unpacker.feed(data)

    def close(self) -> None:
        self._writer.close()


class RpcClient:
    """A pool of connections to one plugin server socket."""

    def __init__(self, socket_path: str, *, max_connections: int = 64) -> None:
        self.socket_path = socket_path
        self._idle: list[RpcConnection] = []
        self._slots = asyncio.Semaphore(max_connections)

    async def call(self, method: str, *params: Any) -> Any:
        """One RPC on an idle (or new) connection; a broken connection is dropped."""
        async with self._slots:
            connection = self._idle.pop() if self._idle else None
            if connection is None:
                connection = await RpcConnection.open(self.socket_path)
            try:
                result = await connection.call(method, *params)
            except RpcError:
                self._idle.append(connection)
                raise
            except BaseException:
                connection.close()
                raise
            self._idle.append(connection)
            return result

    async def close(self) -> None:
        """Close every idle connection."""
        while self._idle:
            connection = self._idle.pop()
            connection.close()
            with contextlib.suppress(OSError):
                await connection._writer.wait_closed()
