"""Pytest fixtures for apply-mode tests: enable with

    pytest_plugins = ["tests.fakes.plugin"]

in tests/conftest.py. Fixtures:

* `fake_kube` -> FakeKubeApi, running on 127.0.0.1 (a fresh one per test).
* `make_fake_kube(**kwargs)` -> FakeKubeApi: more servers, or other options
  (`require_auth=False` for anonymous access, as real helm sends in tests/helm_real).
* `fake_kubeconfig` -> KubeconfigFile: a kubeconfig for `fake_kube` (context
  `fake`, token auth, plus a context `unreachable` pointing at a closed port).
* `fake_helm` -> FakeHelm: the `helm` stand-in first on PATH, logging and
  keeping state under the test's tmp_path.
* `fake_cluster` -> FakeCluster: all three together, with the valkey-operator
  simulated (ready on the 2nd read) and its CRD installed and Established.

A test fails at teardown if the fake recorded an internal error (an exception
in the fake itself or in a reactor), so such bugs cannot pass silently.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.fakes.helm_fake import FakeHelm
from tests.fakes.kube_api import FakeKubeApi
from tests.fakes.kubeconfig import KubeconfigFile, write_kubeconfig

if TYPE_CHECKING:
    from tests.fakes.cluster import FakeCluster

MakeFakeKube = Callable[..., FakeKubeApi]

_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


def closed_port_url() -> str:
    """A loopback URL on which nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _check_clean(api: FakeKubeApi) -> None:
    if api.internal_errors:
        pytest.fail(
            "the fake API server recorded internal errors:\n" + "\n".join(api.internal_errors),
            pytrace=False,
        )


@pytest.fixture
def make_fake_kube() -> Iterator[MakeFakeKube]:
    servers: list[FakeKubeApi] = []

    def make(**kwargs: Any) -> FakeKubeApi:
        api = FakeKubeApi(**kwargs).start()
        servers.append(api)
        return api

    yield make
    for api in servers:
        api.stop()
    for api in servers:
        _check_clean(api)


@pytest.fixture
def fake_kube(make_fake_kube: MakeFakeKube, monkeypatch: pytest.MonkeyPatch) -> FakeKubeApi:
    # httpx honours proxy variables; loopback must never go through a proxy.
    if any(os.environ.get(v) for v in _PROXY_VARS):
        no_proxy = os.environ.get("NO_PROXY", "")
        monkeypatch.setenv("NO_PROXY", ",".join(filter(None, [no_proxy, "127.0.0.1", "localhost"])))
    return make_fake_kube()


@pytest.fixture
def fake_kubeconfig(fake_kube: FakeKubeApi, tmp_path: Path) -> KubeconfigFile:
    return write_kubeconfig(
        tmp_path / "kubeconfig",
        fake_kube.url,
        token=next(iter(fake_kube.tokens)),
        context="fake",
        extra_contexts={"unreachable": closed_port_url()},
    )


@pytest.fixture
def fake_helm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeHelm:
    helm = FakeHelm(tmp_path / "fake-helm")
    helm.root.mkdir(parents=True, exist_ok=True)
    for key, value in helm.env().items():
        if os.environ.get(key) != value:
            monkeypatch.setenv(key, value)
    return helm


@pytest.fixture
def fake_cluster(
    fake_kube: FakeKubeApi,
    fake_kubeconfig: KubeconfigFile,
    fake_helm: FakeHelm,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> FakeCluster:
    # Imported here: the fake's own tests must not need the package under test.
    from tests.fakes.cluster import FakeCluster
    from tests.fakes.helm_fake import write_launcher
    from tests.fakes.kube_sim import install_valkey_crd, simulate_valkey_operator

    # The same stand-in, started in one interpreter launch instead of two or more.
    helm = FakeHelm(fake_helm.root, bin_dir=write_launcher(tmp_path / "fast-helm"), api=fake_kube)
    monkeypatch.setenv("PATH", helm.env()["PATH"])
    operator = simulate_valkey_operator(fake_kube)
    install_valkey_crd(fake_kube)
    fake_kube.clear_requests()
    return FakeCluster(fake_kube, fake_kubeconfig, helm, operator)
