"""One way to make a Redis client from a URL, for a single server or a Redis Cluster.

`redis://` and `rediss://` name one server (`redis-py`'s own URL format). A Redis Cluster is named
by `redis+cluster://` (or `rediss+cluster://` for TLS) followed by one or more of its nodes:
`redis+cluster://user:password@10.0.0.1:6379,10.0.0.2:6379`. The client asks the first node that
answers for the cluster's slot map, so any node will do; naming more than one lets a service start
while one of them is down. A cluster has no databases: the path may only be empty or `/0`.

Both clients offer the same commands, scripts and pipelines, so the code that uses them does not
change; what does depend on the server is that the keys of one script or transaction share a hash
slot (`{tag}` in the key), which `tests/test_redis_cluster.py` checks against a real cluster. One
difference reaches callers: a cluster client reports a cluster it cannot reach at all (no node
answers for the slot map) with `RedisClusterException`, which is not a `RedisError`; the blocking
one does so as it is made.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING, Any, TypeAlias
from urllib.parse import urlsplit, urlunsplit

import redis
import redis.asyncio
import redis.asyncio.cluster
import redis.cluster
import redis.exceptions

if TYPE_CHECKING:
    from trivium.settings import ServiceSettings

AsyncRedis: TypeAlias = redis.asyncio.Redis | redis.asyncio.RedisCluster
SyncRedis: TypeAlias = redis.Redis | redis.RedisCluster

# Cluster scheme -> the scheme of one node's connection.
CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}
DEFAULT_PORT = 6379


def is_cluster_url(url: str) -> bool:
    """True when `url` names a Redis Cluster (`redis+cluster://` or `rediss+cluster://`)."""
    return urlsplit(url).scheme.lower() in CLUSTER_SCHEMES


def hash_tag(key: str) -> str | None:
    """The part of `key` Redis Cluster hashes when it is not the whole key: the text between
    the first `{` and the next `}`, when not empty."""
    start = key.find("{")
    end = key.find("}", start + 1) if start >= 0 else -1
    return key[start + 1 : end] if end > start + 1 else None


def same_slot_key(key: str, suffix: str) -> str:
    """A key named after `key` that hashes to its slot: `key:suffix` when `key` has a hash tag,
    else `{key}:suffix` (whose tag is all of `key`, hence the same hash)."""
    if hash_tag(key) is not None:
        return f"{key}:{suffix}"
    if "}" in key:
        raise ValueError(f"give {key!r} a hash tag: its companion keys cannot share its slot")
    return f"{{{key}}}:{suffix}"


class DirectWriteConnection(redis.asyncio.Connection):
    """redis-py's TCP connection, writing a command without `asyncio.wait_for`.

    With a socket timeout (redis-py's default: 5 s) redis-py runs every write under `wait_for`,
    which on Python 3.11 makes a task per command: 10-15 µs of CPU, a fifth of what a command
    costs its caller on loopback, and a cancellation that comes as the write finishes is dropped
    (CPython gh-86296). A write only hands the bytes to the
    transport; what can take time is waiting for a full buffer to drain, and that alone runs under
    the timeout here. Errors are those of redis-py's own write."""

    async def send_packed_command(
        self, command: bytes | str | Iterable[bytes], check_health: bool = True
    ) -> None:
        if not self.is_connected:
            await self.connect_check_health(check_health=False)
        if check_health:
            await self.check_health()  # type: ignore[no-untyped-call]
        if isinstance(command, str):
            command = command.encode()
        if isinstance(command, bytes):
            command = [command]
        try:
            writer = self._writer
            assert writer is not None
            writer.writelines(command)
            async with asyncio.timeout(self.socket_timeout):
                await writer.drain()
        except TimeoutError:
            await self.disconnect(nowait=True)
            raise redis.exceptions.TimeoutError("Timeout writing to socket") from None
        except OSError as error:
            await self.disconnect(nowait=True)
            number, message = ("UNKNOWN", error.args[0]) if len(error.args) == 1 else error.args[:2]
            raise redis.exceptions.ConnectionError(
                f"Error {number} while writing to socket. {message}."
            ) from error
        except BaseException:
            # A write broken off midway leaves the connection unusable, as in redis-py.
            await self.disconnect(nowait=True)
            raise


def create_redis(url: str, **options: Any) -> AsyncRedis:
    """An asyncio client for `url`: a `RedisCluster` for a cluster URL, else a `Redis` (whose
    plain TCP connections write with `DirectWriteConnection`)."""
    if not is_cluster_url(url):
        # A `rediss://` or `unix://` URL names its own connection class, which wins.
        return redis.asyncio.Redis.from_url(
            url, **{"connection_class": DirectWriteConnection, **options}
        )
    node_url, nodes = _cluster_nodes(url)
    startup_nodes = [redis.asyncio.cluster.ClusterNode(host, port) for host, port in nodes]
    return redis.asyncio.RedisCluster.from_url(node_url, startup_nodes=startup_nodes, **options)


def service_redis(stack: AsyncExitStack, settings: ServiceSettings) -> AsyncRedis:
    """The service's Redis client (`settings.redis_url`), closed when `stack` closes: what a
    composition root opens for the service's lifetime."""
    client = create_redis(settings.redis_url)
    stack.push_async_callback(client.aclose)
    return client


def create_sync_redis(url: str, **options: Any) -> SyncRedis:
    """A blocking client for `url` (the gateway's plugins): a `RedisCluster` for a cluster URL,
    else a `Redis`."""
    if not is_cluster_url(url):
        return redis.Redis.from_url(url, **options)
    node_url, nodes = _cluster_nodes(url)
    # redis-py leaves the blocking ClusterNode's constructor unannotated.
    startup_nodes = [
        redis.cluster.ClusterNode(host, port)  # type: ignore[no-untyped-call]
        for host, port in nodes
    ]
    return redis.RedisCluster.from_url(node_url, startup_nodes=startup_nodes, **options)


def close_sync_redis(client: SyncRedis) -> None:
    """Close a blocking client and every connection it opened."""
    if isinstance(client, redis.RedisCluster):
        # A cluster client's `close` leaves its nodes' connection pools to the garbage collector.
        for node in client.get_nodes():  # type: ignore[no-untyped-call]
            if node.redis_connection is not None:
                node.redis_connection.connection_pool.disconnect()
    client.close()


def _cluster_nodes(url: str) -> tuple[str, list[tuple[str, int]]]:
    """The URL of the first node (credentials, TLS and query options kept) and every node named."""
    parts = urlsplit(url)
    if parts.path not in ("", "/", "/0"):
        raise ValueError(f"a Redis Cluster has only database 0, not {parts.path[1:]!r}")
    credentials, at, hosts = parts.netloc.rpartition("@")
    nodes = [_host_and_port(address) for address in hosts.split(",") if address]
    if not nodes:
        raise ValueError("a Redis Cluster URL names at least one node: redis+cluster://host:port")
    first = hosts.split(",")[0]
    scheme = CLUSTER_SCHEMES[parts.scheme.lower()]
    node_url = urlunsplit((scheme, f"{credentials}{at}{first}", "/0", parts.query, ""))
    return node_url, nodes


def _host_and_port(address: str) -> tuple[str, int]:
    node = urlsplit(f"//{address}")
    if not node.hostname:
        raise ValueError(f"no host in the Redis Cluster node {address!r}")
    return node.hostname, node.port or DEFAULT_PORT
