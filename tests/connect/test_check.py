"""``run_check`` and ``format_check`` against real servers."""

from __future__ import annotations

import json

import pytest
import valkey

from wildside_valkey.errors import (
    AuthenticationFailedError,
    CheckFailedError,
    ConnectOptionError,
)
from wildside_valkey.workload import CheckResult, format_check, run_check
from wildside_valkey.workload.check import KEY_PREFIX, Step
from wildside_valkey.workload.client import ConnectOptions

from .support import CONTRACT_HOST, PASSWORD, Pki, RedisTls, ValkeyServers, make_contract

STEPS = ["connect", "ping", "set", "get", "del", "info"]


def _leftover_keys(servers: ValkeyServers) -> list[bytes]:
    keys: list[bytes] = []
    for node in servers.cluster:
        client = valkey.Valkey(host="127.0.0.1", port=node.port, password=PASSWORD)
        keys.extend(client.keys(f"{KEY_PREFIX}*"))  # type: ignore[arg-type]
        client.close()  # type: ignore[no-untyped-call]
    return keys


def test_check_on_the_valkey_cluster(valkey_servers: ValkeyServers, valkey_version: str) -> None:
    result = run_check(
        make_contract(),
        ConnectOptions(host="127.0.0.1", port=valkey_servers.seed_port, password=PASSWORD),
    )
    assert [step.name for step in result.steps] == STEPS
    assert all(step.milliseconds >= 0 for step in result.steps)
    assert result.server_name == "valkey"
    assert result.server_version == valkey_version
    assert result.cluster is True
    assert result.primaries == tuple(
        sorted(f"127.0.0.1:{node.port}" for node in valkey_servers.cluster)
    )
    assert result.key.startswith(KEY_PREFIX)
    assert result.tls_server_name is None
    assert _leftover_keys(valkey_servers) == []


def test_check_over_tls_on_redis_server(redis_tls: RedisTls, pki: Pki, redis_version: str) -> None:
    result = run_check(
        make_contract(tls=True),
        ConnectOptions(
            host="127.0.0.1", port=redis_tls.port, password=PASSWORD, ca_file=pki.ca.pem_file
        ),
    )
    assert result.server_name == "redis"
    assert result.server_version == redis_version
    assert result.tls_server_name == CONTRACT_HOST
    assert result.primaries == (f"127.0.0.1:{redis_tls.port}",)


def test_check_on_a_standalone_server(valkey_servers: ValkeyServers) -> None:
    options = ConnectOptions(
        host="127.0.0.1", port=valkey_servers.standalone.port, password=PASSWORD, cluster=False
    )
    result = run_check(make_contract(), options)
    assert result.cluster is False
    assert "standalone" in result.steps[0].detail


def test_check_raises_the_connect_errors(valkey_servers: ValkeyServers) -> None:
    options = ConnectOptions(host="127.0.0.1", port=valkey_servers.seed_port, password="wrong")
    with pytest.raises(AuthenticationFailedError):
        run_check(make_contract(), options)


def test_a_wrong_read_fails_the_check_and_removes_the_key(
    valkey_servers: ValkeyServers, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No real server returns another value, so the read is made to.
    monkeypatch.setattr(valkey.cluster.ValkeyCluster, "get", lambda self, key: b"something else")
    options = ConnectOptions(host="127.0.0.1", port=valkey_servers.seed_port, password=PASSWORD)
    with pytest.raises(CheckFailedError, match="'get' read back a different value"):
        run_check(make_contract(), options)
    assert _leftover_keys(valkey_servers) == []


def _sample_result() -> CheckResult:
    return CheckResult(
        cluster_name="valkey",
        address="127.0.0.1:6379",
        cluster=True,
        primaries=("127.0.0.1:6379",),
        tls_server_name=CONTRACT_HOST,
        ca_source="file /tmp/ca.crt",
        password_source="environment variable VALKEY_PASSWORD",
        server_name="valkey",
        server_version="8.1.8",
        key=f"{KEY_PREFIX}abc",
        steps=(Step("connect", 1.5, "x"), Step("ping", 0.25, "1 answered PONG")),
    )


def test_format_json_is_the_result_as_data() -> None:
    data = json.loads(format_check(_sample_result(), "json"))
    assert data["ok"] is True
    assert data["server_version"] == "8.1.8"
    assert data["steps"] == [
        {"name": "connect", "milliseconds": 1.5, "detail": "x"},
        {"name": "ping", "milliseconds": 0.25, "detail": "1 answered PONG"},
    ]
    assert data["total_milliseconds"] == 1.75
    assert data["password_source"] == "environment variable VALKEY_PASSWORD"


def test_format_text_names_version_tls_and_steps() -> None:
    text = format_check(_sample_result(), "text")
    assert text.splitlines()[0] == "OK: valkey 8.1.8 at 127.0.0.1:6379 (cluster valkey)"
    assert f"verified as {CONTRACT_HOST}, CA from file /tmp/ca.crt" in text
    assert "password:  from environment variable VALKEY_PASSWORD" in text
    assert "total" in text.splitlines()[-1]


def test_format_rejects_an_unknown_output() -> None:
    with pytest.raises(ConnectOptionError):
        format_check(_sample_result(), "yaml")  # type: ignore[arg-type]


def test_real_check_output_never_shows_the_password(valkey_servers: ValkeyServers) -> None:
    result = run_check(
        make_contract(),
        ConnectOptions(host="127.0.0.1", port=valkey_servers.seed_port, password=PASSWORD),
    )
    for output in ("text", "json"):
        assert PASSWORD not in format_check(result, output)
    assert PASSWORD not in repr(result)
