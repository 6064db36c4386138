"""A primary, its replica and a Sentinel as real processes of the test's own, on free ports."""

from __future__ import annotations

from pathlib import Path

import redis

from apps.auth.tests.integration.redis_server import RedisProcess, wait_until

MASTER = "mymaster"  # the name the Spotahome operator gives its Sentinel master (v1 docs)


class SentinelProcess(RedisProcess):
    """Quorum 1, and failure detection in half a second instead of the operator's five."""

    def __init__(self, directory: Path, watched: RedisProcess) -> None:
        super().__init__(directory)
        self.watched = watched

    def command_line(self) -> list[str]:
        config = self.directory / "sentinel.conf"
        lines = [
            f"port {self.port}",
            "bind 127.0.0.1",
            f"dir {self.directory}",
            f"sentinel monitor {MASTER} 127.0.0.1 {self.watched.port} 1",
            f"sentinel down-after-milliseconds {MASTER} 500",
            f"sentinel failover-timeout {MASTER} 2000",
            f"sentinel parallel-syncs {MASTER} 1",
        ]
        if self.watched.password:
            lines.append(f"sentinel auth-pass {MASTER} {self.watched.password}")
        config.write_text("\n".join(lines) + "\n")
        return ["redis-server", str(config), "--sentinel"]

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=1.0)

    def current_primary(self) -> int:
        with self.client() as client:
            _, port = client.sentinel_get_master_addr_by_name(MASTER)
            return int(port)

    def replica_ports(self) -> list[int]:
        with self.client() as client:
            replicas = client.sentinel_slaves(MASTER)
        usable = [r for r in replicas if r["master-link-status"] == "ok" and r["flags"] == "slave"]
        return [int(r["port"]) for r in usable]


class Topology:
    """A primary, optionally a replica in sync, and a Sentinel that sees both."""

    def __init__(self, directory: Path, *, password: str | None = None) -> None:
        self.directory = directory
        self.password = password
        self.primary = RedisProcess(directory / "primary", password=password)
        self.replica: RedisProcess | None = None
        self.sentinel = SentinelProcess(directory / "sentinel", self.primary)

    @property
    def sentinel_address(self) -> str:
        return f"127.0.0.1:{self.sentinel.port}"

    def start(self, *, with_replica: bool = True) -> None:
        self.primary.start()
        if with_replica:
            self.start_replica()
        self.sentinel.start()
        if self.replica is not None:
            port = self.replica.port
            wait_until(lambda: port in self.sentinel.replica_ports(), "Sentinel to see a replica")

    def start_replica(self) -> None:
        self.replica = RedisProcess(
            self.directory / "replica",
            *("--replicaof", "127.0.0.1", str(self.primary.port)),
            password=self.password,
        )
        replica = self.replica
        replica.start()
        wait_until(lambda: replica.info("replication")["master_link_status"] == "up", "sync")
        wait_until(self._replica_acknowledges, "the replica's first acknowledgement")

    def _replica_acknowledges(self) -> bool:
        """A replica fresh from its full sync answers its first WAIT only after a second."""
        with self.primary.client() as client:
            client.set("topology:ready", 1)
            return int(client.wait(1, 200)) == 1

    def kill(self) -> None:
        for process in (self.sentinel, self.replica, self.primary):
            if process is not None:
                process.kill()
