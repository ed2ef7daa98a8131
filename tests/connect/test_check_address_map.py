"""``check --address-map`` through port-forwards, and naming the node that does not answer.

A multi-shard cluster seen from a laptop: only forwarded ports are reachable,
and the seed announces the other nodes at addresses that must be mapped to
their forwards. The 3-node cluster here announces 127.0.0.1:<port>; each
stand-in port-forward (tests/connect/forward.py) relays to one node.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import RunCli
from tests.connect.forward import PortForward, unanswered_port
from tests.connect.servers import free_port
from tests.connect.support import PASSWORD, ValkeyServers

ENV = {"VALKEY_PASSWORD": PASSWORD}


@pytest.fixture
def forwards(valkey_servers: ValkeyServers) -> Iterator[list[PortForward]]:
    started = [PortForward(node.port) for node in valkey_servers.cluster]
    yield started
    for forward in started:
        forward.close()


def _mapping(valkey_servers: ValkeyServers, ports: list[int]) -> list[str]:
    args: list[str] = []
    for node, port in zip(valkey_servers.cluster[1:], ports, strict=True):
        args += ["--address-map", f"127.0.0.1:{node.port}=127.0.0.1:{port}"]
    return args


def _check(run_cli: RunCli, seed: int, *extra: str) -> tuple[int, str, str]:
    result = run_cli(["check", "--host", "127.0.0.1", "--port", str(seed), *extra], env=ENV)
    return result.returncode, result.stdout, result.stderr


def test_check_reaches_every_shard_through_its_port_forward(
    run_cli: RunCli, valkey_servers: ValkeyServers, forwards: list[PortForward]
) -> None:
    mapping = _mapping(valkey_servers, [f.port for f in forwards[1:]])
    status, out, err = _check(run_cli, forwards[0].port, *mapping)
    assert status == 0, err
    assert "3 primaries" in out
    # Every other shard was reached through its forward, not at its announced address.
    assert all(forward.connections > 0 for forward in forwards)
    assert PASSWORD not in out + err


def test_a_mapped_node_that_refuses_is_named_with_the_hint(
    run_cli: RunCli, valkey_servers: ValkeyServers, forwards: list[PortForward]
) -> None:
    closed = free_port()
    mapping = _mapping(valkey_servers, [forwards[1].port, closed])
    status, _, err = _check(run_cli, forwards[0].port, *mapping, "--timeout", "1")
    assert status == 1
    assert f"127.0.0.1:{closed}" in err
    assert "announces a node this client cannot reach" in err
    assert "--address-map" in err


def test_a_node_that_does_not_answer_in_time_is_named_not_the_seed(
    run_cli: RunCli, valkey_servers: ValkeyServers, forwards: list[PortForward]
) -> None:
    seed = forwards[0].port
    with unanswered_port() as silent:
        mapping = _mapping(valkey_servers, [forwards[1].port, silent])
        status, _, err = _check(run_cli, seed, *mapping, "--timeout", "1")
    assert status == 1
    assert f"127.0.0.1:{silent}" in err
    assert "announces a node that did not answer in time" in err
    assert "--address-map" in err  # the same hint as for a refused node
    assert f"127.0.0.1:{seed} did not answer" not in err


def test_a_silent_seed_is_still_blamed_on_the_seed(run_cli: RunCli) -> None:
    with unanswered_port() as silent:
        status, _, err = _check(run_cli, silent, "--timeout", "1")
    assert status == 1
    assert f"127.0.0.1:{silent} did not answer in time" in err


@pytest.mark.parametrize("entry", ["10.0.0.7:6379", "10.0.0.7=127.0.0.1:1"])
def test_a_malformed_address_map_is_bad_input(run_cli: RunCli, entry: str) -> None:
    result = run_cli(["check", "--address-map", entry], env=ENV)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr
