"""Apply mode keeps the password out and its messages whole, whatever the password is.

The policy (``apply/redact.py``, ``variables/redaction.py``, docs/limits.md): the tool's
own words (progress, plan listings, reports, the contract) never hold the password and
are never redacted; words from outside it (an API server's message, helm's stderr) are
scrubbed of the password where they enter a message. As in tests/test_secret_messages.py,
both halves are checked by comparing a run with a password P against one with a canary
that never shows: the same bytes means P neither showed nor took a word with it.
"""

from __future__ import annotations

import base64
from subprocess import CompletedProcess

import pytest

from tests.conftest import RunCli
from tests.fakes.cluster import FakeCluster

APPLY = ["--var", "mode=apply"]
CANARY = "Zqcanarypw"
# Ordinary words, and words (or letters) of apply's own messages: "+ created Valkey
# valkey/valkey", "apply complete: ...", "helm: installed valkey-operator ...".
PASSWORDS = ("valkey", "apply", "created", "the", "e", "cache", "-", "hunter2", "Secret")


def run(run_cli: RunCli, cluster: FakeCluster, password: str, *args: str) -> CompletedProcess[str]:
    secret = ["--var", f"password_inline={password}"]
    return run_cli([*args, *APPLY, *secret, *cluster.cli_args()])


def lifecycle(run_cli: RunCli, cluster: FakeCluster, password: str) -> list[tuple[str, str]]:
    """What plan, apply, plan again and destroy print (stdout, stderr), from an empty cluster
    back to it."""
    outputs = []
    for command in (
        ["plan"],
        ["plan", "--output", "json"],
        ["apply"],
        ["plan"],
        ["plan", "--destroy"],
        ["destroy"],
    ):
        result = run(run_cli, cluster, password, *command)
        assert result.returncode == 0, result.stderr
        outputs.append((result.stdout, result.stderr))
    return outputs


def test_apply_mode_prints_the_same_words_whatever_the_password(
    run_cli: RunCli, fake_cluster: FakeCluster
) -> None:
    expected = lifecycle(run_cli, fake_cluster, CANARY)
    assert "+ created Valkey valkey/valkey" in expected[2][1]
    for password in PASSWORDS:
        assert lifecycle(run_cli, fake_cluster, password) == expected, password


@pytest.mark.parametrize("password", ["hunter2-secret", "valkey", "e"])
def test_a_helm_error_quoting_the_password_hides_it(
    run_cli: RunCli, fake_cluster: FakeCluster, password: str
) -> None:
    encoded = base64.b64encode(password.encode()).decode()
    fake_cluster.helm.fail(
        "upgrade", message=f'values: token "{password}" (base64 {encoded}) refused', times=None
    )
    failed = run(run_cli, fake_cluster, password, "apply")
    assert failed.returncode == 1
    assert (
        "error: helm upgrade failed (exit 1): INSTALLATION FAILED: values: token (not shown) "
        "(base64 (not shown)) refused"
    ) in failed.stderr
    # The tool's own words around it are whole: its progress names the release as ever.
    assert "valkey-system" in failed.stderr


@pytest.mark.parametrize("password", ["hunter2-secret", "valkey", "e"])
def test_an_api_error_quoting_the_password_hides_it(
    run_cli: RunCli, fake_cluster: FakeCluster, password: str
) -> None:
    fake_cluster.api.fail(
        422,
        method="PATCH",
        path="/secrets/valkey-password",
        reason="Invalid",
        message=f'Secret "valkey-password" is invalid: data.password: "{password}" is too weak',
        times=None,
    )
    failed = run(run_cli, fake_cluster, password, "apply")
    assert failed.returncode == 1, failed.stderr
    [error] = [line for line in failed.stderr.splitlines() if line.startswith("error: ")]
    # "valkey-password" is the server's word too: with the password "valkey" it is hidden
    # with it, while the tool's own words ("Secret valkey/valkey-password") stay whole.
    server_name = "(not shown)" if password == "valkey" else '"valkey-password"'
    assert error == (
        "error: the API server rejected Secret valkey/valkey-password: "
        f"Secret {server_name} is invalid: data.password: (not shown) is too weak"
    )
