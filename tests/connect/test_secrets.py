"""Reading the contract's Secrets through the real lightkube client and a loopback API."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.fakes.kube_api import FakeKubeApi
from tests.fakes.kubeconfig import write_kubeconfig
from tests.fakes.plugin import closed_port_url
from wildside_valkey.errors import PasswordSourceError, SecretReadError
from wildside_valkey.workload import open_client
from wildside_valkey.workload.client import ConnectOptions
from wildside_valkey.workload.contract_view import SecretRef
from wildside_valkey.workload.secrets import read_secret_key

from .support import CLUSTER_NAME, NAMESPACE, PASSWORD, Pki, RedisTls, ValkeyServers, make_contract

PASSWORD_REF = SecretRef(NAMESPACE, CLUSTER_NAME, "password")
SECRET_PATH = f"/api/v1/namespaces/{NAMESPACE}/secrets/{CLUSTER_NAME}"


def seed_secret(api: FakeKubeApi, name: str, data: dict[str, bytes]) -> None:
    """Store a real v1 Secret in the contract's namespace, its values base64-encoded."""
    api.seed(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "type": "Opaque",
            "data": {key: base64.b64encode(value).decode() for key, value in data.items()},
        }
    )


@pytest.fixture
def kubeconfig(fake_kube: FakeKubeApi, tmp_path: Path) -> Path:
    """Context ``fake`` points at the fake API; the current context points at a closed port.

    So a read that succeeds with ``context="fake"`` proves the context was
    selected, and a read without a context proves the current one is used.
    """
    return write_kubeconfig(
        tmp_path / "kubeconfig",
        fake_kube.url,
        token=next(iter(fake_kube.tokens)),
        context="fake",
        extra_contexts={"unreachable": closed_port_url()},
        current_context="unreachable",
    ).path


def test_reads_and_decodes_one_key(fake_kube: FakeKubeApi, kubeconfig: Path) -> None:
    seed_secret(fake_kube, CLUSTER_NAME, {"password": b"s3cret", "other": b"x"})
    value = read_secret_key(PASSWORD_REF, kubeconfig=kubeconfig, context="fake")
    assert value == b"s3cret"
    assert [(r.method, r.path) for r in fake_kube.requests()] == [("GET", SECRET_PATH)]


def test_kubeconfig_from_the_environment(
    fake_kube: FakeKubeApi, kubeconfig: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_secret(fake_kube, CLUSTER_NAME, {"password": b"s3cret"})
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    assert read_secret_key(PASSWORD_REF, context="fake") == b"s3cret"


def test_missing_secret(kubeconfig: Path) -> None:
    with pytest.raises(SecretReadError, match="Secret valkey/valkey key 'password' not found"):
        read_secret_key(PASSWORD_REF, kubeconfig=kubeconfig, context="fake")


def test_missing_key(fake_kube: FakeKubeApi, kubeconfig: Path) -> None:
    seed_secret(fake_kube, CLUSTER_NAME, {"pass": b"x"})
    with pytest.raises(SecretReadError, match="has no such key"):
        read_secret_key(PASSWORD_REF, kubeconfig=kubeconfig, context="fake")


def test_forbidden(fake_kube: FakeKubeApi, kubeconfig: Path) -> None:
    seed_secret(fake_kube, CLUSTER_NAME, {"password": b"s3cret"})
    fake_kube.forbid("get", "secrets", namespace=NAMESPACE)
    with pytest.raises(SecretReadError, match=r"not allowed to read .*\(403\)"):
        read_secret_key(PASSWORD_REF, kubeconfig=kubeconfig, context="fake")


def test_unknown_context(kubeconfig: Path) -> None:
    with pytest.raises(
        SecretReadError,
        match=r'context "nope" is not in kubeconfig .*; available contexts: fake, unreachable',
    ):
        read_secret_key(PASSWORD_REF, kubeconfig=kubeconfig, context="nope")


def test_missing_kubeconfig(tmp_path: Path) -> None:
    with pytest.raises(
        SecretReadError, match=r"cannot find the cluster .*: kubeconfig .*/none not found"
    ):
        read_secret_key(PASSWORD_REF, kubeconfig=tmp_path / "none")


def test_unreachable_api(kubeconfig: Path) -> None:
    # The kubeconfig's current context points at a closed port.
    with pytest.raises(SecretReadError, match="cannot reach the Kubernetes API"):
        read_secret_key(PASSWORD_REF, kubeconfig=kubeconfig, timeout=1.0)


def test_connect_with_the_password_from_the_secret(
    valkey_servers: ValkeyServers, fake_kube: FakeKubeApi, kubeconfig: Path, absent_file: Path
) -> None:
    seed_secret(fake_kube, CLUSTER_NAME, {"password": PASSWORD.encode()})
    connected = open_client(
        make_contract(),
        ConnectOptions(
            host="127.0.0.1",
            port=valkey_servers.seed_port,
            password_file=absent_file,
            from_secret=True,
            kubeconfig=kubeconfig,
            context="fake",
        ),
    )
    connected.client.close()  # type: ignore[no-untyped-call]
    assert connected.password_source == "Secret valkey/valkey key 'password'"


def test_an_empty_secret_value_is_an_error(
    fake_kube: FakeKubeApi, kubeconfig: Path, absent_file: Path
) -> None:
    seed_secret(fake_kube, CLUSTER_NAME, {"password": b""})
    options = ConnectOptions(
        password_file=absent_file,
        from_secret=True,
        kubeconfig=kubeconfig,
        context="fake",
    )
    with pytest.raises(PasswordSourceError, match="is empty"):
        open_client(make_contract(), options)


def test_connect_with_the_ca_from_the_secret(
    redis_tls: RedisTls, pki: Pki, fake_kube: FakeKubeApi, kubeconfig: Path
) -> None:
    seed_secret(fake_kube, f"{CLUSTER_NAME}-tls", {"ca.crt": pki.ca.pem_file.read_bytes()})
    connected = open_client(
        make_contract(tls=True),
        ConnectOptions(
            host="127.0.0.1",
            port=redis_tls.port,
            password=PASSWORD,
            ca_from_secret=True,
            kubeconfig=kubeconfig,
            context="fake",
        ),
    )
    connected.client.close()  # type: ignore[no-untyped-call]
    assert connected.ca_source == "Secret valkey/valkey-tls key 'ca.crt'"
