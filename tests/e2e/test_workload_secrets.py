"""The workload side reads the contract's Secrets from the real API server: the password
and the CA, by context or KUBECONFIG (a list of files, merged), and says what is wrong when
the Secret, its key or the permission to read it is missing."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.connect.support import (
    CLUSTER_NAME,
    PASSWORD,
    Pki,
    RedisTls,
    ValkeyServers,
    make_contract,
)
from tests.e2e.conftest import Live
from tests.e2e.support import everything_but, limited_kubeconfig
from tests.fakes.servers import closed_port_url
from wildside_valkey.errors import PasswordSourceError, SecretReadError
from wildside_valkey.workload import open_client
from wildside_valkey.workload.client import ConnectOptions
from wildside_valkey.workload.contract_view import SecretRef
from wildside_valkey.workload.secrets import read_secret_key

CONTEXT = "wildside-e2e"


@pytest.fixture
def kubeconfig(live: Live, tmp_path: Path) -> Path:
    """Context `wildside-e2e` is the cluster; the current context points at a closed port.

    So a read that succeeds with ``context="wildside-e2e"`` proves the context was
    selected, and a read without a context proves the current one is used.
    """
    config: dict[str, Any] = yaml.safe_load(live.state.kubeconfig.read_text())
    config["clusters"].append({"name": "unreachable", "cluster": {"server": closed_port_url()}})
    config["contexts"].append(
        {"name": "unreachable", "context": {"cluster": "unreachable", "user": CONTEXT}}
    )
    config["current-context"] = "unreachable"
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


def secret(live: Live, name: str, data: dict[str, bytes]) -> SecretRef:
    ns = live.namespace
    if live.get(f"/api/v1/namespaces/{ns}") is None:
        live.kube.create("/api/v1/namespaces", {"metadata": {"name": ns}})
    live.kube.create(
        f"/api/v1/namespaces/{ns}/secrets",
        {
            "metadata": {"name": name},
            "type": "Opaque",
            "data": {key: base64.b64encode(value).decode() for key, value in data.items()},
        },
    )
    return SecretRef(ns, name, "password")


def contract(live: Live, **options: Any) -> dict[str, Any]:
    """The workload tests' contract, its Secrets in this test's namespace."""
    made = make_contract(**options)
    made["cluster_namespace"] = live.namespace
    if made["credentials"]:
        made["credentials"]["namespace"] = live.namespace
    return made


def test_reads_and_decodes_one_key(live: Live, kubeconfig: Path) -> None:
    ref = secret(live, CLUSTER_NAME, {"password": b"s3cret", "other": b"x"})
    live.mark()
    assert read_secret_key(ref, kubeconfig=kubeconfig, context=CONTEXT) == b"s3cret"
    assert live.audit.calls() == [f"get secrets {live.namespace}/{CLUSTER_NAME}"]


def test_kubeconfig_from_the_environment_merged_from_several_files(
    live: Live, kubeconfig: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ref = secret(live, CLUSTER_NAME, {"password": b"s3cret"})
    # A common layout: contexts in one file, clusters and credentials in another.
    config = yaml.safe_load(kubeconfig.read_text())
    contexts = tmp_path / "contexts.yaml"
    contexts.write_text(
        yaml.safe_dump({"contexts": config["contexts"], "current-context": CONTEXT})
    )
    rest = tmp_path / "clusters.yaml"
    rest.write_text(yaml.safe_dump({"clusters": config["clusters"], "users": config["users"]}))
    monkeypatch.setenv("KUBECONFIG", f"{contexts}:{tmp_path / 'missing.yaml'}:{rest}")
    assert read_secret_key(ref) == b"s3cret"
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    assert read_secret_key(ref, context=CONTEXT) == b"s3cret"


def test_a_missing_secret_or_key(live: Live, kubeconfig: Path) -> None:
    ns = live.namespace
    with pytest.raises(
        SecretReadError, match=f"Secret {ns}/{CLUSTER_NAME} key 'password' not found"
    ):
        read_secret_key(
            SecretRef(ns, CLUSTER_NAME, "password"), kubeconfig=kubeconfig, context=CONTEXT
        )
    ref = secret(live, CLUSTER_NAME, {"pass": b"x"})
    with pytest.raises(SecretReadError, match="has no such key"):
        read_secret_key(ref, kubeconfig=kubeconfig, context=CONTEXT)


def test_a_refusal_says_so(live: Live, tmp_path: Path) -> None:
    ref = secret(live, CLUSTER_NAME, {"password": b"s3cret"})
    limited, _ = limited_kubeconfig(
        live.kube, live.state, tmp_path / "limited", everything_but("get", "secrets")
    )
    with pytest.raises(SecretReadError, match=r"not allowed to read .*\(403\)"):
        read_secret_key(ref, kubeconfig=limited)


def test_connect_with_the_password_from_the_secret(
    live: Live, valkey_servers: ValkeyServers, kubeconfig: Path, absent_file: Path
) -> None:
    secret(live, CLUSTER_NAME, {"password": PASSWORD.encode()})
    connected = open_client(
        contract(live),
        ConnectOptions(
            host="127.0.0.1",
            port=valkey_servers.seed_port,
            password_file=absent_file,
            from_secret=True,
            kubeconfig=kubeconfig,
            context=CONTEXT,
        ),
    )
    connected.client.close()  # type: ignore[no-untyped-call]
    assert connected.password_source == f"Secret {live.namespace}/{CLUSTER_NAME} key 'password'"


def test_an_empty_secret_value_is_an_error(live: Live, kubeconfig: Path, absent_file: Path) -> None:
    secret(live, CLUSTER_NAME, {"password": b""})
    options = ConnectOptions(
        password_file=absent_file, from_secret=True, kubeconfig=kubeconfig, context=CONTEXT
    )
    with pytest.raises(PasswordSourceError, match="is empty"):
        open_client(contract(live), options)


def test_connect_with_the_ca_from_the_secret(
    live: Live, redis_tls: RedisTls, pki: Pki, kubeconfig: Path
) -> None:
    secret(live, f"{CLUSTER_NAME}-tls", {"ca.crt": pki.ca.pem_file.read_bytes()})
    connected = open_client(
        contract(live, tls=True),
        ConnectOptions(
            host="127.0.0.1",
            port=redis_tls.port,
            password=PASSWORD,
            ca_from_secret=True,
            kubeconfig=kubeconfig,
            context=CONTEXT,
        ),
    )
    connected.client.close()  # type: ignore[no-untyped-call]
    assert connected.ca_source == f"Secret {live.namespace}/{CLUSTER_NAME}-tls key 'ca.crt'"
