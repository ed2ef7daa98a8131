"""`wildside-valkey plan|apply|destroy` as a user runs them against the real cluster:
outputs, exit codes, OpenTofu's run habits (detailed exit codes, the confirmation question,
saved plans), and no secret in any output."""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
from pathlib import Path

from tests.conftest import command_path
from tests.e2e.conftest import Live
from tests.e2e.support import refused

CANARY = "canary-Pw-7f3e9a"


def assert_clean_failure(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") or "\nerror: " in result.stderr
    return result.stderr


def on_terminal(live: Live, answer: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run with a pseudo-terminal as standard input, typing ``answer``."""
    leader, follower = os.openpty()
    try:
        os.write(leader, answer.encode() + b"\n")
        return subprocess.run(
            [command_path(), *args],
            stdin=follower,
            cwd=live.product.cwd,
            env=live.product.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(follower)
        os.close(leader)


def test_plan_apply_plan_destroy(live: Live) -> None:
    own = live.own_operator()
    system, release, ns = own["operator_namespace"], own["helm_release_name"], live.namespace
    args = live.args(**own)
    kubeconfig = live.state.kubeconfig

    planned = live.run("plan", "--detailed-exitcode", *args)
    assert planned.returncode == 2, planned.stderr  # changes present
    assert planned.stdout.startswith(
        f"Cluster: {live.state.server} (context 'wildside-e2e' from {kubeconfig})\n"
    )
    assert f"\n  + create Valkey {ns}/valkey\n" in planned.stdout
    assert "\n      + spec.nodes = 1\n" in planned.stdout
    assert f"\n  + create ConfigMap {system}/wildside-valkey-operator-release\n" in planned.stdout
    assert planned.stdout.endswith(
        "Plan: 4 to create, 0 to change, 0 to delete; operator release: install.\n"
    )
    assert "warning" not in planned.stderr
    assert live.writes() == []

    applied = live.run("apply", *args)
    assert applied.returncode == 0, applied.stderr
    assert json.loads(applied.stdout)["endpoints"]["primary_host"] == (
        f"valkey.{ns}.svc.cluster.local"
    )
    progress = applied.stderr.splitlines()
    assert progress[0] == f"cluster: {live.state.server} (context 'wildside-e2e' from {kubeconfig})"
    assert f"+ created Valkey {ns}/valkey" in progress
    assert any(line.startswith(f"helm: installed {release}") for line in progress)
    assert (
        "apply: standard input is not a terminal, so no confirmation is asked; going ahead"
        in applied.stderr
    )
    assert progress[-1] == (
        "apply complete: 4 created, 0 changed, 0 deleted, 0 unchanged; operator release installed"
    )

    again = live.run("plan", "--detailed-exitcode", *args)
    assert again.returncode == 0, again.stderr
    assert "\nNo changes. 4 object(s) and the operator release are up to date.\n" in again.stdout
    as_json = json.loads(live.run("plan", "--output", "json", *args).stdout)
    assert as_json["no_changes"] is True
    assert as_json["operator"] == {
        "action": "unchanged",
        "release": release,
        "namespace": system,
        "chart": "valkey-operator",
        "repository": live.state.chart_repository,
        "version": "v0.0.61-chart",
        "reason": "same chart version and values, deployed",
        "status": "deployed",
        "rollback_to": None,
    }
    assert [(c["action"], c["kind"], c["name"]) for c in as_json["changes"]] == [
        ("unchanged", "Namespace", system),
        ("unchanged", "Namespace", ns),
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
    changed = live.run("plan", *args, "--var", "nodes=3")
    assert changed.returncode == 0  # without --detailed-exitcode, changes still exit 0
    assert f"  ~ update Valkey {ns}/valkey\n      ~ spec.nodes: 1 -> 3\n" in changed.stdout
    assert changed.stdout.endswith(
        "Plan: 0 to create, 1 to change, 0 to delete; operator release: unchanged.\n"
    )

    destroyed = live.run("destroy", "--output", "json", *args)
    assert destroyed.returncode == 0, destroyed.stderr
    report = json.loads(destroyed.stdout)
    assert [(d["kind"], d["name"]) for d in report["deleted"]] == [
        ("Valkey", "valkey"),
        ("Namespace", ns),
        ("ConfigMap", "wildside-valkey-operator-release"),
        ("Namespace", system),
    ]
    assert report["operator"]["action"] == "uninstalled"


def test_a_release_installed_by_someone_else_is_warned_about_once_and_kept(live: Live) -> None:
    from tests.e2e.test_destroy import helm_install

    own = live.own_operator()
    system, release = own["operator_namespace"], own["helm_release_name"]
    helm_install(live, release, system, "v0.0.61-chart")
    args = live.args(**own)
    warning = (
        f"warning: operator release {release} (namespace {system}) exists and was "
        "not installed by wildside-valkey: apply upgrades it when its chart version or "
        "values differ, and destroy leaves it in place"
    )
    for command in ("plan", "apply"):
        result = live.run(command, *args)
        assert result.returncode == 0, result.stderr
        assert result.stderr.count("not installed by wildside-valkey") == 1, result.stderr
        assert warning in result.stderr.splitlines()
        assert "not installed by wildside-valkey" not in result.stdout
    as_json = json.loads(live.run("plan", "--output", "json", *args).stdout)
    assert as_json["warnings"] == [warning.removeprefix("warning: ")]
    assert "ConfigMap" not in [c["kind"] for c in as_json["changes"]]

    destroyed = live.run("destroy", *args)
    assert destroyed.returncode == 0, destroyed.stderr
    assert destroyed.stdout.endswith(
        f"\nKept the operator release {release} (namespace {system}): "
        "not installed by wildside-valkey\n"
    )
    assert live.get(f"/api/v1/namespaces/{system}/secrets/sh.helm.release.v1.{release}.v1")


def test_a_password_never_appears_in_any_output(live: Live) -> None:
    encoded = base64.b64encode(CANARY.encode()).decode()
    args = live.args()
    secret = ["--var", f"password_inline={CANARY}"]
    outputs = [
        live.run("plan", *args, *secret),
        live.run("plan", *args, *secret, "--output", "json"),
        live.run("apply", *args, *secret),
        # A changed password: the diff has a before and an after, both masked.
        live.run("plan", *args, "--var", "password_inline=other-pw"),
        live.run("plan", *args, "--var", "password_inline=other-pw", "--output", "json"),
        live.run("destroy", *args, *secret, "--output", "json"),
        live.run("destroy", *args, *secret),
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


def test_plan_runs_without_helm_on_path(live: Live, tmp_path: Path) -> None:
    """plan only reads, and the release state comes from helm's Secrets: no helm needed."""
    assert live.run("apply", *live.args()).returncode == 0
    no_helm = {"PATH": str(tmp_path / "no-helm-here")}
    planned = live.run("plan", *live.args(nodes="2"), env=no_helm)
    assert planned.returncode == 0, planned.stderr
    assert "operator release: unchanged." in planned.stdout
    would = live.run("plan", "--destroy", *live.args(), env=no_helm)
    assert would.returncode == 0, would.stderr
    applied = live.run("apply", *live.args(), env=no_helm)
    assert applied.returncode == 1
    assert "the `helm` command was not found on PATH" in applied.stderr


def test_missing_helm_names_what_to_install(live: Live, tmp_path: Path) -> None:
    result = live.run("apply", *live.args(), env={"PATH": str(tmp_path)})
    stderr = assert_clean_failure(result, 1)
    assert "the `helm` command was not found on PATH" in stderr
    assert "Install Helm 3 or 4" in stderr
    assert live.writes() == []


def test_a_refusal_exits_1_without_traceback(live: Live) -> None:
    with refused(live.kube, resource="namespaces", name=live.namespace, message="not here"):
        result = live.run("apply", *live.args())
    stderr = assert_clean_failure(result, 1)
    assert "error: cannot patch namespaces at the cluster scope: namespaces " in stderr
    assert stderr.rstrip().endswith("denied request: not here")


# ------------------------------------------------------------------ confirmation


def test_apply_on_a_terminal_asks_and_only_yes_goes_ahead(live: Live) -> None:
    args = live.args()
    cancelled = on_terminal(live, "no", "apply", *args)
    assert cancelled.returncode == 1
    assert f"  + create Valkey {live.namespace}/valkey" in cancelled.stderr
    assert "Do you want to perform these actions?" in cancelled.stderr
    assert "Only 'yes' will be accepted to approve." in cancelled.stderr
    assert "error: Apply cancelled." in cancelled.stderr
    assert cancelled.stdout == ""
    assert live.writes() == []
    assert live.helm_commands() == []

    done = on_terminal(live, "yes", "apply", *args)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["cluster_name"] == "valkey"
    assert f"+ created Valkey {live.namespace}/valkey" in done.stderr
    assert "no confirmation is asked" not in done.stderr

    approved = on_terminal(live, "no", "apply", "--auto-approve", *args, "--var", "nodes=2")
    assert approved.returncode == 0, approved.stderr
    assert "Do you want" not in approved.stderr
    quiet = live.run("apply", "--auto-approve", *args)
    assert "no confirmation is asked" not in quiet.stderr


def test_destroy_on_a_terminal_lists_and_asks(live: Live) -> None:
    ns = live.namespace
    live.kube.create("/api/v1/namespaces", {"metadata": {"name": ns}})  # kept: no wait
    args = live.args()
    assert live.run("apply", *args).returncode == 0
    live.mark()
    cancelled = on_terminal(live, "", "destroy", *args)
    assert cancelled.returncode == 1
    assert f"  - delete Valkey {ns}/valkey" in cancelled.stderr
    assert "Do you really want to destroy this Valkey cluster?" in cancelled.stderr
    assert "error: Destroy cancelled." in cancelled.stderr
    assert live.writes() == []
    done = on_terminal(live, "yes", "destroy", *args)
    assert done.returncode == 0, done.stderr
    assert live.valkey() is None


# ------------------------------------------------------------------ saved plans


def test_a_saved_plan_applies_exactly_what_was_shown(live: Live) -> None:
    planned = live.run("plan", "--out", "valkey.plan", *live.args(nodes="2"))
    assert planned.returncode == 0, planned.stderr
    assert "saved the plan to valkey.plan" in planned.stderr
    assert stat.S_IMODE((live.product.cwd / "valkey.plan").stat().st_mode) == 0o600
    # No variables: the saved plan's are used, as `tofu apply PLANFILE`.
    applied = live.run("apply", "--plan", "valkey.plan")
    assert applied.returncode == 0, applied.stderr
    assert "Do you want" not in applied.stderr
    valkey = live.valkey()
    assert valkey is not None
    assert valkey["spec"]["nodes"] == 2


def test_tofus_single_dash_spellings(live: Live) -> None:
    """A tofu user's hands type -var-file, -var, -out=PLAN, -detailed-exitcode,
    -auto-approve and -destroy."""
    ns = live.namespace
    planned = live.run(
        "plan", "-var-file", str(live.state.tfvars), f"-var=namespace={ns}", "-var", "nodes=2",
        "-detailed-exitcode", "-out=valkey.plan",
    )  # fmt: skip
    assert planned.returncode == 2, planned.stderr  # changes present, as with --detailed-exitcode
    assert "saved the plan to valkey.plan" in planned.stderr
    applied = live.run("apply", "-auto-approve", "--plan", "valkey.plan")
    assert applied.returncode == 0, applied.stderr
    would = live.run("plan", "-destroy", *live.args(nodes="2"))
    assert would.returncode == 0, would.stderr
    assert f"delete Valkey {ns}/valkey" in would.stdout


def test_a_saved_plan_is_refused_when_the_release_moved(live: Live) -> None:
    own = live.own_operator()
    args = live.args(**own)
    assert live.run("apply", *args).returncode == 0
    planned = live.run("plan", "--out", "p", *args)
    assert planned.returncode == 0, planned.stderr
    values = 'helm_values=["manager: {replicas: 2}"]'
    assert live.run("apply", *args, "--var", values).returncode == 0
    refused_plan = live.run("apply", "--plan", "p")
    assert refused_plan.returncode == 1
    assert "operator release: revision 1 (deployed" in refused_plan.stderr
    assert "-> revision 2" in refused_plan.stderr


def test_a_saved_plan_stores_no_secret_and_needs_the_same_password(live: Live) -> None:
    password = "plan-canary-5150"
    env = {"TF_VAR_password_inline": password}
    planned = live.run("plan", "--out", "p", *live.args(), env=env)
    assert planned.returncode == 0, planned.stderr
    text = (live.product.cwd / "p").read_text()
    assert password not in text
    assert base64.b64encode(password.encode()).decode() not in text
    assert json.loads(text)["sensitive_set"] == ["password_inline"]

    missing = live.run("apply", "--plan", "p")
    assert missing.returncode == 2
    assert "give it again (for example TF_VAR_password_inline)" in missing.stderr
    other = live.run("apply", "--plan", "p", env={"TF_VAR_password_inline": "x"})
    assert other.returncode == 1
    assert "the sensitive variables (password_inline) given now are not those" in other.stderr
    assert live.writes() == []
    same = live.run("apply", "--plan", "p", env=env)
    assert same.returncode == 0, same.stderr
    for result in (planned, missing, other, same):
        assert password not in result.stdout + result.stderr


def test_a_saved_plan_refuses_other_variables(live: Live) -> None:
    assert live.run("plan", "--out", "p", *live.args()).returncode == 0
    result = live.run("apply", "--plan", "p", "--var", "nodes=5")
    assert result.returncode == 2
    assert "variable 'nodes' given here differs from the one saved in 'p'" in result.stderr
    same = live.run("apply", "--plan", "p", *live.args())
    assert same.returncode == 0, same.stderr


def test_a_saved_plan_takes_the_password_from_standard_input(live: Live) -> None:
    secret = 'password_inline = "stdin-canary-1"\n'
    args = [*live.args(), "--var-file", "-"]
    planned = live.run("plan", "--out", "p", *args, stdin=secret)
    assert planned.returncode == 0, planned.stderr
    applied = live.run("apply", "--plan", "p", "--var-file", "-", stdin=secret)
    assert applied.returncode == 0, applied.stderr
    assert "stdin-canary-1" not in planned.stdout + planned.stderr + applied.stdout + applied.stderr
    secret_path = f"/api/v1/namespaces/{live.namespace}/secrets/valkey-password"
    stored = live.get(secret_path)
    assert stored is not None
    assert base64.b64decode(stored["data"]["password"]) == b"stdin-canary-1"
