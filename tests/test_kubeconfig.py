"""One way to find the cluster: KUBECONFIG's files merged as kubectl merges them,
the same for apply, `check --from-secret` and `connect(..., from_secret=True)`.

Merge rules from client-go (tools/clientcmd/loader.go, `ClientConfigLoadingRules.Load`):
missing files are skipped, the first file to define a cluster, user or context name
wins, the first to set current-context wins, relative paths resolve against their file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fakes.servers import closed_port_url
from wildside_valkey.apply import Helm, load_connection
from wildside_valkey.kubeconfig import KubeconfigError, find_cluster


def write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def cluster(name: str, server: str, **extra: str) -> dict[str, Any]:
    return {"name": name, "cluster": {"server": server, **extra}}


def context(name: str, cluster_name: str, user: str = "me") -> dict[str, Any]:
    return {"name": name, "context": {"cluster": cluster_name, "user": user}}


USERS = [{"name": "me", "user": {"token": "fake-token"}}]


SERVER = "https://work.example:6443"  # only read here: nothing is sent to it


@pytest.fixture
def split_config(tmp_path: Path) -> str:
    """A common layout: contexts in one file, clusters and credentials in another."""
    contexts = write(
        tmp_path / "contexts.yaml",
        {"contexts": [context("work", "fake")], "current-context": "work"},
    )
    clusters = write(
        tmp_path / "clusters.yaml",
        {"clusters": [cluster("fake", SERVER)], "users": USERS},
    )
    return f"{contexts}:{tmp_path / 'missing.yaml'}:{clusters}"


def test_every_file_in_kubeconfig_is_read_and_merged(split_config: str) -> None:
    found = find_cluster(environ={"KUBECONFIG": split_config})
    assert (str(found.config.cluster.server), found.config.context_name) == (SERVER, "work")
    assert "merged from KUBECONFIG" in found.source


def test_the_first_definition_and_the_first_current_context_win(tmp_path: Path) -> None:
    first = write(
        tmp_path / "a",
        {
            "clusters": [cluster("c", "https://first:6443")],
            "users": USERS,
            "contexts": [context("x", "c")],
            "current-context": "x",
        },
    )
    second = write(
        tmp_path / "b",
        {
            "clusters": [cluster("c", "https://second:6443"), cluster("d", "https://d:6443")],
            "users": USERS,
            "contexts": [context("y", "d")],
            "current-context": "y",
        },
    )
    found = find_cluster(environ={"KUBECONFIG": f"{first}:{second}"})
    assert (str(found.config.cluster.server), found.config.context_name) == (
        "https://first:6443",
        "x",
    )
    other = find_cluster(context="y", environ={"KUBECONFIG": f"{first}:{second}"})
    assert str(other.config.cluster.server) == "https://d:6443"


def test_relative_paths_resolve_against_the_file_that_holds_them(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "ca.crt").write_text("not checked here", encoding="utf-8")
    contexts = write(tmp_path / "c.yaml", {"contexts": [context("x", "c")], "current-context": "x"})
    clusters = write(
        tmp_path / "certs" / "k.yaml",
        {
            "clusters": [cluster("c", "https://c:6443", **{"certificate-authority": "ca.crt"})],
            "users": USERS,
        },
    )
    found = find_cluster(environ={"KUBECONFIG": f"{contexts}:{clusters}"})
    assert found.config.cluster.certificate_auth == str(tmp_path / "certs" / "ca.crt")


def test_no_existing_file_in_kubeconfig_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KubeconfigError, match="none of the files in KUBECONFIG exists") as failed:
        find_cluster(environ={"KUBECONFIG": f"{tmp_path / 'a'}:{tmp_path / 'b'}"})
    assert failed.value.exit_code == 2


def test_a_kubeconfig_comes_before_the_service_account(tmp_path: Path, split_config: str) -> None:
    account = tmp_path / "sa"
    account.mkdir()
    (account / "token").write_text("t", encoding="utf-8")
    environ = {"KUBECONFIG": split_config, "KUBERNETES_SERVICE_HOST": "10.0.0.1"}
    found = find_cluster(environ=environ, service_account=account)
    assert found.config.context_name == "work"
    alone = find_cluster(environ={"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, service_account=account)
    assert str(alone.config.cluster.server) == "https://10.0.0.1:443"


def test_apply_and_helm_use_the_merged_configuration(split_config: str) -> None:
    connection = load_connection(environ={"KUBECONFIG": split_config})
    assert connection.server == SERVER
    # helm's --kubeconfig takes one file: it gets the list (and the context) instead.
    assert connection.helm.flags() == ["--kube-context", "work"]
    helm = Helm("helm", connection.helm, env={})
    assert helm.env["KUBECONFIG"].split(":") == [
        p for p in split_config.split(":") if not p.endswith("missing.yaml")
    ]


def test_an_explicit_kubeconfig_is_the_only_file_read(tmp_path: Path, split_config: str) -> None:
    only = write(
        tmp_path / "only",
        {
            "clusters": [cluster("o", closed_port_url())],
            "users": USERS,
            "contexts": [context("o", "o")],
            "current-context": "o",
        },
    )
    found = find_cluster(only, environ={"KUBECONFIG": split_config})
    assert (found.config.context_name, found.files) == ("o", (only,))
