"""Several replicas of each service behind one HAProxy address, for the scale-out tests.

A `ReplicaSet` is one service's replicas, each a real uvicorn process on a port of its own that
stays the same across a SIGKILL and a restart, so that the load balancer's entry for it stays
valid; the `ScaledStack` is every set, the load balancer in front of them, and what they share
(the emulators and a Redis Cluster).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trivium.load_balancer import LoadBalancer, Pool
from trivium.redis_discovery import free_port
from trivium_testing.redis_cluster import RedisClusterServer
from trivium_testing.services import RunningService, start_service
from trivium_testing.stack import Emulators, start_all, stop_all

# Generous: on a loaded machine a service's imports alone can take many seconds.
START_SECONDS = 300.0


@dataclass
class ReplicaSet:
    """One service's replicas: how each starts, and the running processes."""

    name: str
    app_factory: str
    # One environment per replica (they may differ, e.g. in a status port).
    envs: Sequence[Mapping[str, str]]
    log_dir: Path
    # Each replica's port, kept across restarts; chosen with the environments.
    ports: list[int] = field(default_factory=list)
    running: list[RunningService] = field(default_factory=list)
    front_port: int = field(default_factory=free_port)
    restarts: int = 0

    @property
    def url(self) -> str:
        """The one address of the service: the load balancer's front."""
        return f"http://127.0.0.1:{self.front_port}"

    @property
    def pool(self) -> Pool:
        return Pool(self.name, self.front_port, tuple(self.ports))

    def start_arguments(self, index: int) -> dict[str, Any]:
        """`start_service` keyword arguments of replica `index`."""
        return {
            "app_factory": self.app_factory,
            "name": f"{self.name}-{index + 1}",
            "env": dict(self.envs[index]),
            "port": self.ports[index],
            "timeout": START_SECONDS,
        }

    def kill(self, index: int) -> None:
        """SIGKILL replica `index`: no shutdown code runs, as when a pod is OOM-killed."""
        self.running[index].stop(kill=True)

    def restart(self, index: int) -> RunningService:
        """Start replica `index` again on its port (a log of its own, beside the killed one's);
        returns once it is ready."""
        self.running[index].stop(kill=True)
        self.restarts += 1
        arguments = self.start_arguments(index)
        arguments["name"] += f"-restart{self.restarts}"
        self.running[index] = start_service(log_dir=self.log_dir, **arguments)
        return self.running[index]


@dataclass
class ScaledStack:
    """Every replica set behind one load balancer, on the emulators and a Redis Cluster."""

    emulators: Emulators
    sets: dict[str, ReplicaSet]
    # None until it is started (after the replica sets have chosen their ports).
    balancer: LoadBalancer | None
    cluster: RedisClusterServer

    def url(self, name: str) -> str:
        """The one address of service `name`."""
        return self.sets[name].url

    def log_files(self) -> list[Path]:
        """The log of every replica and emulator."""
        return sorted(
            {path for group in self.sets.values() for path in group.log_dir.glob("*.log")}
        )

    def stop(self) -> None:
        stop_all(service for group in self.sets.values() for service in group.running)
        if self.balancer is not None:
            self.balancer.stop()
        self.emulators.stop()


def start_replica_sets(sets: Sequence[ReplicaSet]) -> None:
    """Start every replica of every set at once; all or none run."""
    arguments = [(group, index) for group in sets for index in range(len(group.envs))]
    started = start_all(
        [group.start_arguments(index) for group, index in arguments], log_dir=sets[0].log_dir
    )
    for (group, _), service in zip(arguments, started, strict=True):
        group.running.append(service)
