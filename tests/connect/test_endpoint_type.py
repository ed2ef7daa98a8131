"""What ``clusterPreferredEndpointType`` does on a real valkey-server (no announced hostname).

valkey-operator v0.0.61 writes ``cluster-preferred-endpoint-type`` into
valkey.conf from the CRD field and never sets ``cluster-announce-hostname``
(``internal/controller/scripts/valkey.conf``; no CONFIG SET of it in
``internal/controller/valkey_controller.go``). These tests pin what the server
then announces, which is why ``cluster_preferred_endpoint_type`` defaults to
``ip`` and the plan warns about ``hostname``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import valkey

from tests.connect.fixtures import _find_valkey_server
from tests.connect.servers import (
    SLOTS,
    ServerProcess,
    free_port,
    launch,
    stop_all,
    wait_listening,
)
from wildside_valkey.plan import build_plan
from wildside_valkey.variables import variables_from_mapping


def _node(binary: str, root: Path, name: str, endpoint_type: str) -> ServerProcess:
    port, bus = free_port(), free_port()
    server = launch(
        binary,
        root / name,
        name,
        [
            f"port {port}",
            # An explicit bus port: the default (port + 10000) fails above 55535.
            f"cluster-port {bus}",
            "cluster-enabled yes",
            f"cluster-config-file {root / name / 'nodes.conf'}",
            f"cluster-preferred-endpoint-type {endpoint_type}",
        ],
        port,
    )
    server.bus_port = bus
    return server


@pytest.fixture(params=["ip", "hostname", "unknown-endpoint"])
def moved(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, int, str]]:
    """(endpoint type, port of the slot owner, the MOVED target the other node answers)."""
    binary, reason = _find_valkey_server()
    if binary is None:
        pytest.skip(reason)
    endpoint_type = str(request.param)
    owner, other = (_node(binary, tmp_path, n, endpoint_type) for n in ("owner", "other"))
    clients = [
        valkey.Valkey(host="127.0.0.1", port=s.port, socket_timeout=5) for s in (owner, other)
    ]
    try:
        for server in (owner, other):
            wait_listening(server)
        clients[0].execute_command("CLUSTER", "ADDSLOTSRANGE", 0, SLOTS - 1)  # type: ignore[no-untyped-call]
        clients[1].execute_command("CLUSTER", "MEET", "127.0.0.1", owner.port, owner.bus_port)  # type: ignore[no-untyped-call]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                clients[1].get("greeting")
            except valkey.ResponseError as exc:
                if str(exc).startswith("MOVED"):
                    yield endpoint_type, owner.port, str(exc).split()[2]
                    return
            time.sleep(0.05)
        pytest.fail("the second node never learned the slots")
    finally:
        for client in clients:
            client.close()  # type: ignore[no-untyped-call]
        stop_all([owner, other])


def test_the_redirect_each_endpoint_type_gives(moved: tuple[str, int, str]) -> None:
    endpoint_type, port, target = moved
    expected = {
        "ip": f"127.0.0.1:{port}",  # the pod IP: only a client that pins the TLS name verifies it
        "hostname": f"?:{port}",  # no announced hostname: a redirect no client can follow
        "unknown-endpoint": f":{port}",  # "the address you used": the Service, any pod behind it
    }[endpoint_type]
    assert target == expected


def test_the_default_is_ip_and_hostname_is_warned_about() -> None:
    default = build_plan(variables_from_mapping({}))
    assert "clusterPreferredEndpointType" not in default.find("Valkey").body["spec"]  # type: ignore[union-attr]
    hostname = build_plan(variables_from_mapping({"cluster_preferred_endpoint_type": "hostname"}))
    spec = hostname.find("Valkey").body["spec"]  # type: ignore[union-attr]
    assert spec["clusterPreferredEndpointType"] == "hostname"
    assert any("announces no hostnames" in w for w in hostname.warnings)
