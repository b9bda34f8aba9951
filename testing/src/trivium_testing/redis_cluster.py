"""A real Redis Cluster on loopback for the tests: three masters with one replica each.

Every node is a `redis-server` with cluster support, its files (node table, log) under the given
folder; the cluster is formed by hand (slots, epochs, MEET, REPLICATE) rather than through
`redis-cli --cluster create`, so that each step waits on the condition it needs instead of the
tool's fixed pauses. The cluster is ready when every node reports `cluster_state:ok`, knows every
other node, and every replica's link to its master is up.

The nodes have no password (loopback, tests only); `user_url` adds a service's own user, with the
grants of `trivium.redis_users`, to every node, since a cluster does not share its ACL.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from trivium.redis_discovery import free_port
from trivium.redis_users import acl_rule, user_url

SLOTS = 16_384
# Short, so that a failover (CLUSTER FAILOVER, a killed master) settles within a test.
NODE_TIMEOUT_MS = 2_000
READY_TIMEOUT_SECONDS = 30.0
_POLL_SECONDS = 0.05


@dataclass
class ClusterNode:
    """One `redis-server` of the cluster."""

    port: int
    bus_port: int
    directory: Path
    process: subprocess.Popen[bytes]

    def client(self) -> redis.Redis:
        """A plain client of this node alone (administration, never data)."""
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)


@dataclass
class RedisClusterServer:
    """A running cluster: its nodes (masters first) and how to reach and stop it."""

    masters: list[ClusterNode]
    replicas: list[ClusterNode]

    @property
    def nodes(self) -> list[ClusterNode]:
        """Every node, masters first."""
        return [*self.masters, *self.replicas]

    @property
    def url(self) -> str:
        """The cluster URL that `trivium.redis_client` understands, naming every master."""
        hosts = ",".join(f"127.0.0.1:{node.port}" for node in self.masters)
        return f"redis+cluster://{hosts}"

    def user_url(self, service: str, password: str) -> str:
        """The cluster URL of `service`'s own user, created on every node with its grants."""
        rule = acl_rule(service, password).split()
        for node in self.nodes:
            with node.client() as client:
                # `user <name> <rules...>`: ACL SETUSER takes the same name and rules.
                client.execute_command("ACL", "SETUSER", *rule[1:])
        return user_url(self.url, service, password)

    def flush(self) -> None:
        """Empty every master (the replicas follow); users stay."""
        for node in self.masters:
            with node.client() as client:
                client.flushall()

    def stop(self) -> None:
        """Stop every node (terminate, then kill after a grace period)."""
        for node in self.nodes:
            if node.process.poll() is None:
                node.process.terminate()
        for node in self.nodes:
            try:
                node.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                node.process.kill()
                node.process.wait()


def start_redis_cluster(
    run_dir: Path, *, masters: int = 3, replicas_per_master: int = 1
) -> RedisClusterServer:
    """Start `masters` masters with `replicas_per_master` replicas each, files under `run_dir`,
    and return once the cluster serves every slot with every replica in sync."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise FileNotFoundError("redis-server is not on PATH")
    if masters < 3:
        raise ValueError("a Redis Cluster needs at least three masters")
    started: list[ClusterNode] = []
    try:
        for _ in range(masters * (1 + replicas_per_master)):
            started.append(_start_node(binary, run_dir))
        cluster = RedisClusterServer(masters=started[:masters], replicas=started[masters:])
        _form(cluster, replicas_per_master)
    except BaseException:
        RedisClusterServer(masters=started, replicas=[]).stop()
        raise
    return cluster


def _start_node(binary: str, run_dir: Path) -> ClusterNode:
    # The bus port is chosen too: the default (port + 10000) may not exist above port 55535.
    port, bus_port = free_port(), free_port()
    directory = run_dir / f"node-{port}"
    directory.mkdir(parents=True, exist_ok=True)
    arguments = {
        "bind": "127.0.0.1",
        "port": str(port),
        "cluster-enabled": "yes",
        "cluster-port": str(bus_port),
        "cluster-config-file": str(directory / "nodes.conf"),
        "cluster-node-timeout": str(NODE_TIMEOUT_MS),
        "dir": str(directory),
        "logfile": str(directory / "redis.log"),
        "save": "",
        "appendonly": "no",
        # A replica's first sync starts at once instead of after the default 5 s wait for others.
        "repl-diskless-sync-delay": "0",
        # CLUSTER SLOTS names a replica only once its offset has moved, which on an idle master
        # only its pings do (every 10 s by default).
        "repl-ping-replica-period": "1",
    }
    command = [binary]
    for name, value in arguments.items():
        command += [f"--{name}", value]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    node = ClusterNode(port=port, bus_port=bus_port, directory=directory, process=process)
    _wait_until(lambda: _answers(node), f"node {port} answers PING", nodes=[node])
    return node


def _form(cluster: RedisClusterServer, replicas_per_master: int) -> None:
    masters, nodes = cluster.masters, cluster.nodes
    share = SLOTS // len(masters)
    for index, node in enumerate(masters):
        first = index * share
        last = SLOTS - 1 if index == len(masters) - 1 else first + share - 1
        with node.client() as client:
            # Distinct epochs, so that no two masters claim their slots with the same one.
            client.execute_command("CLUSTER", "SET-CONFIG-EPOCH", index + 1)
            client.execute_command("CLUSTER", "ADDSLOTSRANGE", first, last)
    with masters[0].client() as client:
        for node in nodes[1:]:
            client.execute_command("CLUSTER", "MEET", "127.0.0.1", node.port, node.bus_port)
    _wait_until(
        lambda: all(_info(node).get("cluster_known_nodes") == str(len(nodes)) for node in nodes),
        "every node knows every other",
        nodes=nodes,
    )
    master_ids = [_node_id(node) for node in masters]
    for index, replica in enumerate(cluster.replicas):
        with replica.client() as client:
            client.execute_command("CLUSTER", "REPLICATE", master_ids[index % len(masters)])
    _wait_until(lambda: _ready(cluster), "the cluster is ready", nodes=nodes)


def _ready(cluster: RedisClusterServer) -> bool:
    for node in cluster.nodes:
        info = _info(node)
        if info.get("cluster_state") != "ok" or info.get("cluster_slots_ok") != str(SLOTS):
            return False
    for node in cluster.replicas:
        with node.client() as client:
            if client.info("replication").get("master_link_status") != "up":
                return False
    # Every node's slot map names each master's replicas: the replicas' roles have spread.
    # An entry is [first slot, last slot, master, replica, ...].
    entry_length = 3 + len(cluster.replicas) // len(cluster.masters)
    for node in cluster.nodes:
        with node.client() as client:
            shards = client.execute_command("CLUSTER", "SLOTS")
        if len(shards) != len(cluster.masters) or any(len(s) != entry_length for s in shards):
            return False
    return True


def _info(node: ClusterNode) -> dict[str, str]:
    with node.client() as client:
        raw = client.execute_command("CLUSTER", "INFO")
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    return dict(line.split(":", 1) for line in text.split() if ":" in line)


def _node_id(node: ClusterNode) -> str:
    with node.client() as client:
        raw = client.execute_command("CLUSTER", "MYID")
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def _answers(node: ClusterNode) -> bool:
    try:
        with node.client() as client:
            return bool(client.ping())
    except (redis.RedisError, OSError):
        return False


def _wait_until(
    condition: Callable[[], bool],
    what: str,
    *,
    nodes: list[ClusterNode],
    timeout: float = READY_TIMEOUT_SECONDS,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        exited = [node.port for node in nodes if node.process.poll() is not None]
        if exited:
            raise RuntimeError(f"redis-server on port(s) {exited} exited while waiting: {what}")
        try:
            if condition():
                return
        except (redis.RedisError, OSError):
            pass  # a node still starting or busy: ask again
        time.sleep(_POLL_SECONDS)
    raise TimeoutError(f"not within {timeout} s: {what}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `cluster` every test that uses the cluster, so that `-m cluster` (and `-m "not
    cluster"`) select by what a test needs, whether or not it says so."""
    for item in items:
        if "redis_cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.cluster)


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterServer]:
    """A Redis Cluster (three masters, one replica each) for the test session; skipped when
    redis-server is not installed."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not on PATH")
    cluster = start_redis_cluster(tmp_path_factory.mktemp("redis-cluster"))
    yield cluster
    cluster.stop()


@pytest.fixture
def redis_cluster_url(redis_cluster: RedisClusterServer) -> str:
    """The URL of the session's Redis Cluster, emptied for this test."""
    redis_cluster.flush()
    return redis_cluster.url
