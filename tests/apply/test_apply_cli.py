"""`wildside-valkey plan|apply|destroy` as a user runs them: outputs, exit codes, no secrets."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.conftest import RunCli
from tests.fakes.cluster import FakeCluster

APPLY = ["--var", "mode=apply"]
CANARY = "canary-Pw-7f3e9a"


def run(run_cli: RunCli, cluster: FakeCluster, *args: str) -> CompletedProcess[str]:
    return run_cli([*args, *APPLY, *cluster.cli_args()])


def assert_clean_failure(result: CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") or "\nerror: " in result.stderr
    return result.stderr


def test_plan_apply_plan_destroy(run_cli: RunCli, fake_cluster: FakeCluster) -> None:
    planned = run(run_cli, fake_cluster, "plan")
    assert planned.returncode == 0, planned.stderr
    assert planned.stdout.startswith(f"Cluster: {fake_cluster.api.url} (context 'fake' from ")
    assert "\n  + create Valkey valkey/valkey\n" in planned.stdout
    assert "\n      + spec.nodes = 1\n" in planned.stdout
    assert "\n  + create ConfigMap valkey-system/wildside-valkey-operator-release\n" in (
        planned.stdout
    )
    assert planned.stdout.endswith(
        "Plan: 4 to create, 0 to change, 0 to delete; operator release: install.\n"
    )
    assert "warning" not in planned.stderr
    assert fake_cluster.mutating() == []

    applied = run(run_cli, fake_cluster, "apply")
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout)["endpoints"]["primary_host"] == (
        "valkey.valkey.svc.cluster.local"
    )
    progress = applied.stderr.splitlines()
    assert progress[0] == f"cluster: {fake_cluster.api.url} (context 'fake' from " + (
        f"{fake_cluster.kubeconfig.path})"
    )
    assert "+ created Valkey valkey/valkey" in progress
    assert any(line.startswith("helm: installed valkey-operator") for line in progress)
    assert progress[-1] == (
        "apply complete: 4 created, 0 changed, 0 deleted, 0 unchanged; operator release installed"
    )

    again = run(run_cli, fake_cluster, "plan")
    assert again.returncode == 0
    assert "\nNo changes. 4 object(s) and the operator release are up to date.\n" in again.stdout

    as_json = json.loads(run(run_cli, fake_cluster, "plan", "--output", "json").stdout)
    assert as_json["no_changes"] is True
    assert as_json["operator"] == {
        "action": "unchanged",
        "release": "valkey-operator",
        "namespace": "valkey-system",
        "chart": "oci://ghcr.io/hyperspike/valkey-operator",
        "repository": "oci://ghcr.io/hyperspike",
        "version": "v0.0.61-chart",
        "reason": "same chart version and values, deployed",
        "status": "deployed",
        "rollback_to": None,
    }
    assert [(c["action"], c["kind"], c["name"]) for c in as_json["changes"]] == [
        ("unchanged", "Namespace", "valkey-system"),
        ("unchanged", "Namespace", "valkey"),
        ("unchanged", "ConfigMap", "wildside-valkey-operator-release"),
        ("unchanged", "Valkey", "valkey"),
    ]
    assert as_json["warnings"] == []
    assert as_json["summary"] == {
        "create": 0,
        "update": 0,
        "delete": 0,
        "unchanged": 4,
        "left_alone": 0,
    }

    destroyed = run(run_cli, fake_cluster, "destroy", "--output", "json")
    assert destroyed.returncode == 0, destroyed.stderr
    report = json.loads(destroyed.stdout)
    assert [(d["kind"], d["name"]) for d in report["deleted"]] == [
        ("Valkey", "valkey"),
        ("Namespace", "valkey"),
        ("ConfigMap", "wildside-valkey-operator-release"),
        ("Namespace", "valkey-system"),
    ]
    assert report["operator"]["action"] == "uninstalled"


def test_a_release_installed_by_someone_else_is_warned_about_once_and_kept(
    run_cli: RunCli, fake_cluster: FakeCluster
) -> None:
    fake_cluster.helm.seed_release("valkey-operator", "valkey-system")
    warning = (
        "warning: operator release valkey-operator (namespace valkey-system) exists and was "
        "not installed by wildside-valkey: apply upgrades it when its chart version or "
        "values differ, and destroy leaves it in place"
    )
    for command in (["plan"], ["apply"]):
        result = run(run_cli, fake_cluster, *command)
        assert result.returncode == 0, result.stderr
        assert result.stderr.count("not installed by wildside-valkey") == 1, result.stderr
        assert warning in result.stderr.splitlines()
        assert "not installed by wildside-valkey" not in result.stdout
    as_json = json.loads(run(run_cli, fake_cluster, "plan", "--output", "json").stdout)
    assert as_json["warnings"] == [warning.removeprefix("warning: ")]
    assert "ConfigMap" not in [c["kind"] for c in as_json["changes"]]

    destroyed = run(run_cli, fake_cluster, "destroy")
    assert destroyed.returncode == 0, destroyed.stderr
    assert destroyed.stdout.endswith(
        "\nKept the operator release valkey-operator (namespace valkey-system): "
        "not installed by wildside-valkey\n"
    )
    assert fake_cluster.helm.release("valkey-operator", "valkey-system") is not None


def test_plan_shows_a_field_level_change(run_cli: RunCli, fake_cluster: FakeCluster) -> None:
    assert run(run_cli, fake_cluster, "apply").returncode == 0
    planned = run(run_cli, fake_cluster, "plan", "--var", "nodes=3")
    assert "  ~ update Valkey valkey/valkey\n      ~ spec.nodes: 1 -> 3\n" in planned.stdout
    assert planned.stdout.endswith(
        "Plan: 0 to create, 1 to change, 0 to delete; operator release: unchanged.\n"
    )


def test_a_password_never_appears_in_any_output(run_cli: RunCli, fake_cluster: FakeCluster) -> None:
    encoded = base64.b64encode(CANARY.encode()).decode()
    secret = ["--var", f"password_inline={CANARY}"]
    outputs = [
        run(run_cli, fake_cluster, "plan", *secret),
        run(run_cli, fake_cluster, "plan", *secret, "--output", "json"),
        run(run_cli, fake_cluster, "apply", *secret),
        # A changed password: the diff has a before and an after, both masked.
        run(run_cli, fake_cluster, "plan", "--var", "password_inline=other-pw"),
        run(run_cli, fake_cluster, "plan", "--var", "password_inline=other-pw", "--output", "json"),
        run(run_cli, fake_cluster, "destroy", *secret),
        run(run_cli, fake_cluster, "destroy", *secret, "--output", "json"),
    ]
    for result in outputs:
        assert result.returncode == 0, result.stderr
        for text in (result.stdout, result.stderr):
            assert CANARY not in text
            assert encoded not in text
    assert "+ data.password = (sensitive value)" in outputs[0].stdout
    assert "~ data.password: (sensitive value) -> (sensitive value)" in outputs[3].stdout
    [secret_change] = [c for c in json.loads(outputs[4].stdout)["changes"] if c["kind"] == "Secret"]
    assert secret_change["fields"] == [
        {
            "path": "data.password",
            "sensitive": True,
            "before": "(sensitive value)",
            "after": "(sensitive value)",
        }
    ]


@pytest.mark.parametrize(
    ("command", "does"),
    [
        (["plan"], "plan reads a live cluster"),
        (["plan", "--destroy"], "plan reads a live cluster"),
        (["apply"], "apply changes a live cluster"),
        (["destroy"], "destroy deletes from a live cluster"),
        (["destroy", "--expired"], "destroy deletes from a live cluster"),
    ],
)
def test_render_mode_is_refused_in_the_commands_words(
    run_cli: RunCli, command: list[str], does: str
) -> None:
    result = run_cli([*command, "--kubeconfig", "/nonexistent"])
    stderr = assert_clean_failure(result, 2)
    assert (
        f'variable "mode": is "render" (the default), but {does} (apply mode); '
        'set mode = "apply" (or --var mode=apply)' in stderr
    )
    assert "changes a live cluster" not in stderr or command == ["apply"]


def test_plan_runs_without_helm_on_path(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    assert run(run_cli, fake_cluster, "apply").returncode == 0
    no_helm = {"PATH": str(tmp_path / "no-helm-here")}
    planned = run_cli(["plan", *APPLY, "--var", "nodes=2", *fake_cluster.cli_args()], env=no_helm)
    assert planned.returncode == 0, planned.stderr
    assert "operator release: unchanged." in planned.stdout
    would = run_cli(["plan", "--destroy", *APPLY, *fake_cluster.cli_args()], env=no_helm)
    assert would.returncode == 0, would.stderr
    applied = run_cli(["apply", *APPLY, *fake_cluster.cli_args()], env=no_helm)
    assert "the `helm` command was not found on PATH" in assert_clean_failure(applied, 1)


def test_kubeconfig_problems_are_bad_input(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    missing = run_cli(["plan", *APPLY, "--kubeconfig", str(tmp_path / "absent")])
    assert f"kubeconfig {tmp_path / 'absent'} not found" in assert_clean_failure(missing, 2)
    broken = tmp_path / "broken"
    broken.write_text("clusters: [\n")
    result = run_cli(["apply", *APPLY, "--kubeconfig", str(broken)])
    assert f"kubeconfig {broken} is not valid: " in assert_clean_failure(result, 2)
    kubeconfig = ["--kubeconfig", str(fake_cluster.kubeconfig.path)]
    unknown = run_cli(["plan", *APPLY, *kubeconfig, "--context", "prod"])
    assert "available contexts: fake, unreachable" in assert_clean_failure(unknown, 2)


def test_an_unreachable_server_is_an_operation_failure(
    run_cli: RunCli, fake_cluster: FakeCluster
) -> None:
    url = fake_cluster.kubeconfig.extra_contexts["unreachable"]
    kubeconfig = str(fake_cluster.kubeconfig.path)
    result = run_cli(
        ["apply", *APPLY, "--kubeconfig", kubeconfig, "--context", "unreachable", "--retries", "0"]
    )
    assert f"cannot reach the Kubernetes API server at {url}" in assert_clean_failure(result, 1)


def test_missing_helm_names_what_to_install(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    result = run_cli(["apply", *APPLY, *fake_cluster.cli_args()], env={"PATH": str(tmp_path)})
    stderr = assert_clean_failure(result, 1)
    assert "the `helm` command was not found on PATH" in stderr
    assert "Install Helm 3 or 4" in stderr
    assert fake_cluster.mutating() == []


def test_refusals_and_lasting_faults_exit_1_without_traceback(
    run_cli: RunCli, fake_cluster: FakeCluster
) -> None:
    fake_cluster.api.forbid("patch", "namespaces")
    stderr = assert_clean_failure(run(run_cli, fake_cluster, "apply"), 1)
    assert "error: cannot patch namespaces at the cluster scope: " in stderr
    fake_cluster.api.forbid_rules.clear()
    fake_cluster.api.fail(500, method="GET", path="/namespaces/valkey$", times=None)
    stderr = assert_clean_failure(run(run_cli, fake_cluster, "plan", "--retries", "1"), 1)
    assert stderr.splitlines()[0] == "retrying after 500 InternalError (attempt 1, in 0.25s)"
    assert "(after 2 attempts)" in stderr


def test_conflicts_and_force(run_cli: RunCli, fake_cluster: FakeCluster) -> None:
    assert run(run_cli, fake_cluster, "apply").returncode == 0
    edited = fake_cluster.api.get("valkeys", "valkey", "valkey")
    assert edited is not None
    edited["spec"]["replicas"] = 2
    del edited["metadata"]["managedFields"]
    fake_cluster.api.seed(edited, manager="kubectl-scale")
    stderr = assert_clean_failure(run(run_cli, fake_cluster, "apply"), 1)
    assert ".spec.replicas is managed by 'kubectl-scale'" in stderr
    assert "re-run with --force-conflicts" in stderr
    forced = run(run_cli, fake_cluster, "apply", "--force-conflicts")
    assert forced.returncode == 0, forced.stderr
    assert "~ updated Valkey valkey/valkey (spec.replicas)" in forced.stderr


@pytest.mark.parametrize("command", ["plan", "apply", "destroy"])
def test_help(run_cli: RunCli, command: str) -> None:
    result = run_cli([command, "--help"])
    assert result.returncode == 0
    for option in ("--kubeconfig", "--context", "--retries", "--request-timeout", "--var"):
        assert option in result.stdout
    assert ("--force-conflicts" in result.stdout) is (command == "apply")
    assert ("--timeout" in result.stdout) is (command != "plan")
