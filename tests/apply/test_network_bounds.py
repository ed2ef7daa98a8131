"""Apply's bounds: a silent server, a server that is not a URL, a missing credential
plugin and kubeconfigs of the wrong shape all end quickly, with one clear line."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import RunCli
from tests.fakes.kubeconfig import write_kubeconfig
from tests.fakes.servers import closed_port_url, silent_server

PLAN = ["plan", "--var", "mode=apply"]


@pytest.fixture
def silent() -> Iterator[str]:
    with silent_server() as url:
        yield url


def test_a_silent_server_fails_within_two_request_timeouts(
    run_cli: RunCli, tmp_path: Path, silent: str
) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", silent)
    started = time.monotonic()
    result = run_cli([*PLAN, "--kubeconfig", str(kubeconfig.path), "--request-timeout", "1"])
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stderr
    # Two timeouts of 1 s and one 0.25 s backoff, plus the process's start.
    assert elapsed < 6, elapsed
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: the Kubernetes API server at {silent} did not answer within the "
        "request timeout (--request-timeout) while trying to get Namespace valkey-system "
        "(after 2 attempts)"
    ]


@pytest.mark.parametrize("server", ["not a url", "https://host:port", "ftp://h", "https://"])
def test_a_server_that_is_not_a_url_is_bad_input(
    run_cli: RunCli, tmp_path: Path, server: str
) -> None:
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server)
    started = time.monotonic()
    result = run_cli([*PLAN, "--kubeconfig", str(kubeconfig.path)])
    assert result.returncode == 2, result.stderr
    assert "which is not an http:// or https:// URL" in result.stderr
    assert "retrying" not in result.stderr
    assert time.monotonic() - started < 5


def test_a_credential_plugin_that_is_not_installed(run_cli: RunCli, tmp_path: Path) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
        f"clusters: [{{name: c, cluster: {{server: '{closed_port_url()}'}}}}]\n"
        "users: [{name: u, user: {exec: {command: no-such-plugin-here, "
        "apiVersion: client.authentication.k8s.io/v1beta1}}}]\n"
        "current-context: x\n"
    )
    result = run_cli([*PLAN, "--kubeconfig", str(path)])
    assert result.returncode == 2, result.stderr
    assert "no-such-plugin-here" in result.stderr
    assert "install the plugin" in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        "clusters: 5\n",
        "[1, 2]\n",
        "contexts: {a: 1}\ncurrent-context: a\n",
        "contexts: [{name: x, context: {cluster: c, user: u}}]\nclusters: [{name: c, cluster: 7}]"
        "\nusers: [{name: u, user: []}]\ncurrent-context: x\n",
        "contexts: [{name: x}]\ncurrent-context: x\nclusters: []\nusers: []\n",
        "a: &a [*a]\n",
        "current-context: 5\ncontexts: []\nclusters: []\n",
        "\x00",
    ],
)
def test_kubeconfigs_of_the_wrong_shape(run_cli: RunCli, tmp_path: Path, text: str) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(text)
    result = run_cli([*PLAN, "--kubeconfig", str(path)])
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert "internal error" not in result.stderr
