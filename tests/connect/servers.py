"""Start real valkey-server / redis-server processes on loopback, and form clusters.

Each server gets a generated config in its own temporary folder, free ports
on 127.0.0.1, no persistence, and is stopped (SIGTERM, then SIGKILL) by the
fixture that started it. Cluster formation is what ``valkey-cli --cluster
create`` does, by hand: assign slot ranges, MEET, wait until every node says
``cluster_state:ok``.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import valkey

SLOTS = 16384
_given_ports: set[int] = set()


class ServerStartError(RuntimeError):
    """A server process exited or never listened; carries its log tail."""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now, never handed out twice in this process."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _given_ports:
            _given_ports.add(port)
            return port


@dataclass
class ServerProcess:
    """One running server."""

    name: str
    binary: str
    port: int
    workdir: Path
    process: subprocess.Popen[bytes]
    bus_port: int | None = None

    @property
    def log_file(self) -> Path:
        return self.workdir / "server.log"

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def launch(
    binary: str, workdir: Path, name: str, config: Iterable[str], port: int
) -> ServerProcess:
    """Start ``binary`` with the given config lines; does not wait for it."""
    workdir.mkdir(parents=True, exist_ok=True)
    conf = workdir / "server.conf"
    base = [
        "bind 127.0.0.1",
        f"dir {workdir}",
        f"logfile {workdir / 'server.log'}",
        'save ""',
        "appendonly no",
        "daemonize no",
    ]
    conf.write_text("\n".join([*base, *config]) + "\n")
    process = subprocess.Popen(
        [binary, str(conf)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return ServerProcess(name=name, binary=binary, port=port, workdir=workdir, process=process)


def wait_listening(server: ServerProcess, timeout: float = 10.0) -> None:
    """Wait until the server accepts TCP connections on its port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerStartError(
                f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}"
            )
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", server.port), 0.2),
        ):
            return
        time.sleep(0.01)
    raise ServerStartError(f"{server.name} did not listen within {timeout}s:\n{server.log_tail()}")


def stop_all(servers: Iterable[ServerProcess]) -> None:
    """Stop servers in parallel: SIGTERM to all first, then wait for each."""
    servers = list(servers)
    for server in servers:
        if server.process.poll() is None:
            server.process.terminate()
    for server in servers:
        server.stop()


@dataclass
class ClusterSpec:
    """Servers that form one cluster, and how to open an admin client on each."""

    nodes: Sequence[ServerProcess]
    admin: Callable[[ServerProcess], valkey.Valkey]
    clients: list[valkey.Valkey] = field(default_factory=list)


def start_forming(spec: ClusterSpec) -> None:
    """Assign contiguous slot ranges and MEET; ``wait_formed`` waits for the result."""
    spec.clients[:] = [spec.admin(node) for node in spec.nodes]
    count = len(spec.nodes)
    for index, client in enumerate(spec.clients):
        first = index * SLOTS // count
        last = (index + 1) * SLOTS // count - 1
        client.execute_command("CLUSTER", "ADDSLOTSRANGE", first, last)  # type: ignore[no-untyped-call]
    seed = spec.clients[0]
    for node in spec.nodes[1:]:
        args: list[Any] = ["127.0.0.1", node.port]
        if node.bus_port is not None:
            args.append(node.bus_port)
        seed.execute_command("CLUSTER", "MEET", *args)  # type: ignore[no-untyped-call]


def wait_formed(specs: Sequence[ClusterSpec], timeout: float = 30.0) -> None:
    """Wait until every node of every cluster knows all its peers and says state ok.

    A new primary refuses to say ``ok`` during its first 2 seconds (it waits
    for news from peers), so forming clusters in parallel saves that each time.
    """
    deadline = time.monotonic() + timeout
    pending = [(spec, client) for spec in specs for client in spec.clients]
    while pending:
        spec, client = pending[0]
        info = client.execute_command("CLUSTER", "INFO")  # type: ignore[no-untyped-call]
        text = info.decode() if isinstance(info, bytes) else str(info)
        fields = dict(line.split(":", 1) for line in text.split() if ":" in line)
        if fields.get("cluster_state") == "ok" and int(fields["cluster_known_nodes"]) == len(
            spec.nodes
        ):
            pending.pop(0)
            continue
        if time.monotonic() > deadline:
            raise ServerStartError(f"cluster not formed within {timeout}s: {fields}")
        time.sleep(0.05)
    for spec in specs:
        for client in spec.clients:
            client.close()  # type: ignore[no-untyped-call]
