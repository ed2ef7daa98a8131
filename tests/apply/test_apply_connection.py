"""Finding the cluster: kubeconfig, context, KUBECONFIG, the in-cluster service account."""

from __future__ import annotations

import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness.kube import write_kubeconfig_for
from tests.e2e.harness.pki import make_pki
from tests.fakes.kubeconfig import KubeconfigFile, write_kubeconfig
from tests.fakes.servers import closed_port_url
from wildside_valkey.apply import (
    ApiRequestError,
    KubeconfigError,
    RetryPolicy,
    connect_cluster,
    load_connection,
)
from wildside_valkey.apply.client import KubeClient
from wildside_valkey.apply.kinds import NAMESPACE, ObjectRef
from wildside_valkey.apply.release import HelmTarget


@pytest.fixture
def fake_kubeconfig(tmp_path: Path) -> KubeconfigFile:
    """Contexts `fake` (current) and `unreachable`, each its own server: only the choice
    of context is read here, nothing is sent."""
    return write_kubeconfig(
        tmp_path / "kubeconfig",
        "https://fake.example:6443",
        context="fake",
        extra_contexts={"unreachable": closed_port_url()},
    )


def test_a_named_context_selects_its_server_and_helm_follows(
    fake_kubeconfig: KubeconfigFile,
) -> None:
    connection = load_connection(fake_kubeconfig.path, "unreachable", environ={})
    assert connection.server == fake_kubeconfig.extra_contexts["unreachable"]
    assert connection.context == "unreachable"
    assert connection.helm == HelmTarget(str(fake_kubeconfig.path), "unreachable")


def test_kubeconfig_from_the_environment(fake_kubeconfig: KubeconfigFile) -> None:
    other = f"{fake_kubeconfig.path}.other"
    connection = load_connection(environ={"KUBECONFIG": f"{fake_kubeconfig.path}:{other}"})
    assert (connection.server, connection.context) == (fake_kubeconfig.server, "fake")


def test_in_cluster_service_account(tmp_path: Path) -> None:
    account = tmp_path / "serviceaccount"
    account.mkdir()
    (account / "token").write_text("sa-token")
    (account / "namespace").write_text("apps")
    (account / "ca.crt").write_text("")
    environ = {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"}
    connection = load_connection(environ=environ, service_account=account)
    assert connection.server == "https://10.0.0.1:443"
    assert connection.helm == HelmTarget()  # helm finds the service account itself


def test_no_configuration_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(KubeconfigError, match="no Kubernetes configuration found") as failed:
        load_connection(environ={}, service_account=tmp_path / "none")
    assert failed.value.exit_code == 2


def test_missing_kubeconfig(tmp_path: Path) -> None:
    with pytest.raises(KubeconfigError, match=r"^kubeconfig .*/nope not found$"):
        load_connection(tmp_path / "nope")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("clusters: [\n", "is not valid: did not find expected node content at line 2"),
        ("contexts: []\n", "is not valid: missing 'clusters'"),
        ("just a string\n", "is not valid: not a YAML mapping"),
        ("clusters: [{name: c, cluster: {server: 5}}]\ncontexts: []\n", "is not valid: Expected"),
    ],
)
def test_broken_kubeconfig(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(content)
    with pytest.raises(KubeconfigError) as failed:
        load_connection(path)
    assert str(failed.value).startswith(f"kubeconfig {path} {reason}")
    assert failed.value.exit_code == 2


def test_unknown_context_lists_the_available_ones(fake_kubeconfig: KubeconfigFile) -> None:
    with pytest.raises(KubeconfigError) as failed:
        load_connection(fake_kubeconfig.path, "prod")
    assert str(failed.value) == (
        f'context "prod" is not in kubeconfig {fake_kubeconfig.path}; '
        "available contexts: fake, unreachable"
    )


def test_no_current_context(tmp_path: Path) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kc", "http://127.0.0.1:1")
    text = kubeconfig.path.read_text().replace("current-context: fake", "current-context: null")
    kubeconfig.path.write_text(text)
    with pytest.raises(KubeconfigError) as failed:
        load_connection(kubeconfig.path)
    assert str(failed.value) == (
        f"kubeconfig {kubeconfig.path} sets no current-context: pass --context "
        "(available contexts: fake)"
    )


def test_an_unreachable_server_is_named(tmp_path: Path) -> None:
    url = closed_port_url()
    kubeconfig = write_kubeconfig(tmp_path / "kc", url)
    with (
        connect_cluster(kubeconfig.path, retry=RetryPolicy(attempts=2, base_delay=0.01)) as kube,
        pytest.raises(ApiRequestError) as failed,
    ):
        kube.get(ObjectRef(NAMESPACE, None, "valkey"))
    assert str(failed.value).startswith(
        f"cannot reach the Kubernetes API server at {url} (after 2 attempts): "
    )
    assert failed.value.exit_code == 1


def test_clients_built_from_many_threads_load_their_certificates_one_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`apply --each` builds a client per preview thread. Loading certificates into SSL
    contexts from several threads at once crashed the interpreter (exit -11, CPython
    gh-134698): the loads must never overlap."""
    pki = make_pki(tmp_path / "pki")
    user = {"client-certificate": str(pki.cert("admin")), "client-key": str(pki.key("admin"))}
    kubeconfig = write_kubeconfig_for(
        tmp_path / "kubeconfig", "https://127.0.0.1:6443", pki.ca_cert, user, context="e2e"
    )
    loading, most = 0, 0
    count = threading.Lock()
    real = ssl.SSLContext.load_cert_chain

    def watched(context: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        nonlocal loading, most
        with count:
            loading += 1
            most = max(most, loading)
        time.sleep(0.02)  # long enough for another thread to arrive
        try:
            real(context, *args, **kwargs)
        finally:
            with count:
                loading -= 1

    monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", watched)
    connection = load_connection(kubeconfig, environ={})

    def build(_: int) -> None:
        KubeClient.connect(connection).close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(build, range(16)))

    assert most == 1
