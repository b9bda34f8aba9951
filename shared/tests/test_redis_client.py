"""The Redis client factory: a plain server or a Redis Cluster, chosen by the URL alone."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import aclosing

import pytest
import redis
import redis.asyncio
from redis.crc import key_slot

from trivium.redis_client import (
    DirectWriteConnection,
    close_sync_redis,
    create_redis,
    create_sync_redis,
    hash_tag,
    is_cluster_url,
    same_slot_key,
)
from trivium.redis_discovery import RedisEndpoint
from trivium_testing.redis_cluster import RedisClusterServer
from trivium_testing.waiting import until

PASSWORD = "quote-to-order-password-0123456789"


class TestIsClusterUrl:
    @pytest.mark.parametrize(
        "url",
        [
            "redis+cluster://127.0.0.1:7000",
            "rediss+cluster://user:secret@10.0.0.1:7000,10.0.0.2:7000",
            "REDIS+CLUSTER://node",
        ],
    )
    def test_cluster_schemes(self, url: str) -> None:
        assert is_cluster_url(url)

    @pytest.mark.parametrize(
        "url", ["redis://127.0.0.1:6379/0", "rediss://user:secret@host:6380", "unix:///tmp/r.sock"]
    )
    def test_single_server_schemes(self, url: str) -> None:
        assert not is_cluster_url(url)


class TestHashTag:
    @pytest.mark.parametrize(
        ("key", "tag"),
        [
            ("{quote-to-order}:work", "quote-to-order"),
            ("trivium:quota:{partner-1}:second", "partner-1"),
            ("a{b}c{d}", "b"),
            ("plain:key", None),
            ("empty{}:tag", None),
            ("open{only", None),
        ],
    )
    def test_the_hashed_part(self, key: str, tag: str | None) -> None:
        assert hash_tag(key) == tag


class TestSameSlotKey:
    @pytest.mark.parametrize("key", ["{quote-to-order}:work", "orders", "open{only"])
    def test_the_companion_hashes_like_the_key(self, key: str) -> None:
        companion = same_slot_key(key, "retry")
        assert key_slot(companion.encode()) == key_slot(key.encode())

    def test_a_tagged_key_keeps_its_name(self) -> None:
        assert same_slot_key("{quote-to-order}:work", "dead") == "{quote-to-order}:work:dead"

    def test_an_untagged_key_becomes_the_tag(self) -> None:
        assert same_slot_key("orders", "dead") == "{orders}:dead"

    def test_a_stray_closing_brace_needs_a_tag(self) -> None:
        with pytest.raises(ValueError, match="hash tag"):
            same_slot_key("empty{}:name", "retry")


class TestCreateRedis:
    @pytest.mark.asyncio
    async def test_a_plain_url_makes_a_plain_client(self, redis_url: str) -> None:
        async with aclosing(create_redis(redis_url)) as client:
            assert isinstance(client, redis.asyncio.Redis)
            await client.set("plain", "value")
            assert await client.get("plain") == b"value"

    def test_a_plain_url_writes_directly(self) -> None:
        client = create_redis("redis://127.0.0.1:6379/0")
        assert client.connection_pool.connection_class is DirectWriteConnection

    @pytest.mark.parametrize(
        ("url", "connection_class"),
        [
            ("rediss://127.0.0.1:6380/0", redis.asyncio.SSLConnection),
            ("unix:///tmp/redis.sock", redis.asyncio.UnixDomainSocketConnection),
        ],
    )
    def test_other_schemes_keep_their_connection(
        self, url: str, connection_class: type[redis.asyncio.Connection]
    ) -> None:
        assert create_redis(url).connection_pool.connection_class is connection_class

    def test_options_reach_the_client(self) -> None:
        client = create_redis("redis://127.0.0.1:6379/0", decode_responses=True)
        assert client.connection_pool.connection_kwargs["decode_responses"] is True

    def test_a_cluster_has_only_database_zero(self) -> None:
        with pytest.raises(ValueError, match="database 0"):
            create_redis("redis+cluster://127.0.0.1:7000/3")

    def test_a_cluster_url_names_a_node(self) -> None:
        with pytest.raises(ValueError, match="at least one node"):
            create_redis("redis+cluster://user:secret@")

    def test_tls_is_kept(self) -> None:
        client = create_redis("rediss+cluster://127.0.0.1:7000")
        assert isinstance(client, redis.asyncio.RedisCluster)
        assert client.connection_kwargs["connection_class"] is redis.asyncio.SSLConnection

    @pytest.mark.cluster
    @pytest.mark.asyncio
    async def test_a_cluster_url_makes_a_cluster_client(self, redis_cluster_url: str) -> None:
        async with aclosing(create_redis(redis_cluster_url)) as client:
            assert isinstance(client, redis.asyncio.RedisCluster)
            # Keys spread over every master, and each is found where it lives.
            for index in range(30):
                await client.set(f"key-{index}", index)
            assert [await client.get(f"key-{index}") for index in range(30)] == [
                str(index).encode() for index in range(30)
            ]
            assert len({client.get_node_from_key(f"key-{i}").name for i in range(30)}) == 3

    @pytest.mark.cluster
    @pytest.mark.asyncio
    async def test_any_named_node_lets_the_client_start(
        self, redis_cluster: RedisClusterServer, redis_cluster_url: str
    ) -> None:
        # The first node named does not answer: the client finds the cluster through the next.
        dead = f"127.0.0.1:{redis_cluster.masters[0].bus_port + 1}"
        url = redis_cluster_url.replace("redis+cluster://", f"redis+cluster://{dead},")
        async with aclosing(create_redis(url)) as client:
            await client.set("reached", "yes")
            assert await client.get("reached") == b"yes"

    @pytest.mark.cluster
    @pytest.mark.asyncio
    async def test_credentials_sign_in_as_the_services_user(
        self, redis_cluster: RedisClusterServer, redis_cluster_url: str
    ) -> None:
        url = redis_cluster.user_url("quote-to-order", PASSWORD)
        async with aclosing(create_redis(url)) as client:
            await client.set("{quote-to-order}:order:1", "saved")
            assert await client.get("{quote-to-order}:order:1") == b"saved"
            with pytest.raises(redis.exceptions.NoPermissionError):
                await client.get("trivium:salesforce:session:client")


class TestCreateSyncRedis:
    def test_a_plain_url_makes_a_plain_client(self, redis_endpoint: RedisEndpoint) -> None:
        client = create_sync_redis(redis_endpoint.url, socket_timeout=1)
        assert isinstance(client, redis.Redis)
        try:
            assert client.ping()
        finally:
            client.close()

    @pytest.mark.cluster
    def test_a_cluster_url_makes_a_cluster_client(
        self, redis_cluster: RedisClusterServer, redis_cluster_url: str
    ) -> None:
        client = create_sync_redis(
            redis_cluster.user_url("gateway", "gateway-password-0123456789"), socket_timeout=1
        )
        assert isinstance(client, redis.RedisCluster)
        try:
            assert client.incr("trivium:quota:{partner-1}:second") == 1
            with pytest.raises(redis.exceptions.NoPermissionError):
                client.set("trivium:salesforce:api-budget", "1000000")
        finally:
            close_sync_redis(client)


@pytest.fixture
def deaf_server() -> Iterator[int]:
    """A port that accepts connections and never reads from them."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


class TestDirectWriteConnection:
    @pytest.mark.asyncio
    async def test_commands_and_pipelines_answer(self, redis_url: str) -> None:
        async with aclosing(create_redis(redis_url)) as client:
            await client.set("direct", "written")
            async with client.pipeline(transaction=False) as pipe:
                pipe.get("direct").incr("direct-count")
                assert await pipe.execute() == [b"written", 1]

    @pytest.mark.asyncio
    async def test_a_cancelled_command_leaves_the_client_usable(self, redis_url: str) -> None:
        async with aclosing(create_redis(redis_url)) as client:
            blocked = asyncio.create_task(client.blpop(["direct-never-filled"], timeout=0))

            async def waiting_in_redis() -> bool:
                return any(entry.get("cmd") == "blpop" for entry in await client.client_list())

            await until(waiting_in_redis, what="the BLPOP waiting in Redis")
            blocked.cancel()
            with pytest.raises(asyncio.CancelledError):
                await blocked
            assert await client.ping()

    @pytest.mark.asyncio
    async def test_a_write_that_cannot_drain_times_out(self, deaf_server: int) -> None:
        connection = DirectWriteConnection(
            host="127.0.0.1",
            port=deaf_server,
            socket_timeout=0.3,
            # Nothing asked on connecting (no HELLO, no CLIENT SETINFO): the server never answers.
            protocol=2,
            driver_info=None,
        )
        await connection.connect()
        assert connection._writer is not None
        transport = connection._writer.transport
        try:
            # Far more than loopback's socket buffers hold: the write waits for a reader.
            with pytest.raises(redis.exceptions.TimeoutError, match="writing"):
                await connection.send_command("SET", "big", b"x" * (64 * 1024 * 1024))
            assert not connection.is_connected
        finally:
            # Closed, the transport would still wait to flush to a server that never reads.
            transport.abort()
            await asyncio.sleep(0)
