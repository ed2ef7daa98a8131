"""Issue 11, point 4: OpenTofu's run habits for plan, apply and destroy.

`plan -detailed-exitcode` (0 no changes, 2 changes, 1 error), the confirmation
question of `tofu apply`/`tofu destroy` on a terminal (and `-auto-approve`), and
saved plans (`plan -out`, `apply PLANFILE`) that apply exactly what was shown.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
from pathlib import Path

from tests.conftest import RunCli, command_path
from tests.fakes.cluster import FakeCluster

APPLY = ["--var", "mode=apply"]


def run(
    run_cli: RunCli, cluster: FakeCluster, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli([*args, *cluster.cli_args()], env=env)


def on_terminal(
    cluster: FakeCluster, cwd: Path, answer: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run with a pseudo-terminal as standard input, typing ``answer``."""
    leader, follower = os.openpty()
    try:
        os.write(leader, answer.encode() + b"\n")
        return subprocess.run(
            [command_path(), *args, *cluster.cli_args()],
            stdin=follower,
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(follower)
        os.close(leader)


# ------------------------------------------------------------ detailed exit code


def test_detailed_exitcode(run_cli: RunCli, fake_cluster: FakeCluster) -> None:
    before = run(run_cli, fake_cluster, "plan", "--detailed-exitcode", *APPLY)
    assert before.returncode == 2, before.stderr
    assert "Plan: 4 to create" in before.stdout
    assert run(run_cli, fake_cluster, "apply", *APPLY).returncode == 0
    after = run(run_cli, fake_cluster, "plan", "--detailed-exitcode", *APPLY)
    assert after.returncode == 0, after.stderr
    assert "No changes." in after.stdout
    without = run(run_cli, fake_cluster, "plan", *APPLY, "--var", "nodes=3")
    assert without.returncode == 0  # without the flag, changes still exit 0


def test_detailed_exitcode_errors_exit_1(run_cli: RunCli, fake_cluster: FakeCluster) -> None:
    bad = run(run_cli, fake_cluster, "plan", "--detailed-exitcode", *APPLY, "--var", "nodes=0")
    assert bad.returncode == 1
    assert 'variable "nodes"' in bad.stderr
    usage = run_cli(["plan", "--detailed-exitcode", "--no-such-flag"])
    assert usage.returncode == 1
    assert run_cli(["plan", "--no-such-flag"]).returncode == 2
    render_mode = run(run_cli, fake_cluster, "plan", "--detailed-exitcode")
    assert render_mode.returncode == 1


def test_tofus_single_dash_spellings(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    """A tofu user's hands type -var, -out=PLAN, -detailed-exitcode, -auto-approve, -destroy."""
    (tmp_path / "apply.tfvars").write_text('mode = "apply"\n')
    planned = run(
        run_cli, fake_cluster, "plan", "-var-file", "apply.tfvars", "-var=nodes=2",
        "-detailed-exitcode", "-out=valkey.plan",
    )  # fmt: skip
    assert planned.returncode == 2, planned.stderr  # changes present, as with --detailed-exitcode
    assert "saved the plan to valkey.plan" in planned.stderr
    assert (
        run(run_cli, fake_cluster, "apply", "-auto-approve", "--plan", "valkey.plan").returncode
        == 0
    )
    would = run(run_cli, fake_cluster, "plan", "-destroy", "-var", "mode=apply", "-var", "nodes=2")
    assert would.returncode == 0, would.stderr
    assert "delete Valkey valkey/valkey" in would.stdout


# ------------------------------------------------------------------ confirmation


def test_apply_on_a_terminal_asks_and_no_cancels(fake_cluster: FakeCluster, tmp_path: Path) -> None:
    result = on_terminal(fake_cluster, tmp_path, "no", "apply", *APPLY)
    assert result.returncode == 1
    assert "Plan: 4 to create" in result.stderr
    assert "Do you want to perform these actions?" in result.stderr
    assert "Only 'yes' will be accepted to approve." in result.stderr
    assert "error: Apply cancelled." in result.stderr
    assert result.stdout == ""
    assert fake_cluster.mutating() == []
    assert not any("upgrade" in command for command in fake_cluster.helm_commands())


def test_apply_on_a_terminal_goes_ahead_on_yes(fake_cluster: FakeCluster, tmp_path: Path) -> None:
    result = on_terminal(fake_cluster, tmp_path, "yes", "apply", *APPLY)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["cluster_name"] == "valkey"
    assert "+ created Valkey valkey/valkey" in result.stderr
    assert "no confirmation is asked" not in result.stderr


def test_auto_approve_on_a_terminal_asks_nothing(fake_cluster: FakeCluster, tmp_path: Path) -> None:
    result = on_terminal(fake_cluster, tmp_path, "no", "apply", "--auto-approve", *APPLY)
    assert result.returncode == 0, result.stderr
    assert "Do you want" not in result.stderr


def test_off_a_terminal_apply_goes_ahead_and_says_so(
    run_cli: RunCli, fake_cluster: FakeCluster
) -> None:
    result = run(run_cli, fake_cluster, "apply", *APPLY)
    assert result.returncode == 0, result.stderr
    assert (
        "apply: standard input is not a terminal, so no confirmation is asked; going ahead"
        in result.stderr
    )
    quiet = run(run_cli, fake_cluster, "apply", "--auto-approve", *APPLY)
    assert "no confirmation is asked" not in quiet.stderr


def test_destroy_on_a_terminal_lists_and_asks(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    assert run(run_cli, fake_cluster, "apply", *APPLY).returncode == 0
    fake_cluster.reset_records()
    cancelled = on_terminal(fake_cluster, tmp_path, "", "destroy", *APPLY)
    assert cancelled.returncode == 1
    assert "  - delete Valkey valkey/valkey" in cancelled.stderr
    assert "Do you really want to destroy this Valkey cluster?" in cancelled.stderr
    assert "error: Destroy cancelled." in cancelled.stderr
    assert fake_cluster.mutating() == []
    done = on_terminal(fake_cluster, tmp_path, "yes", "destroy", *APPLY)
    assert done.returncode == 0, done.stderr
    assert list(fake_cluster.objects("valkeys", "valkey")) == []


# ------------------------------------------------------------------ saved plans


def test_saved_plan_applies_exactly_what_was_shown(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    planned = run(run_cli, fake_cluster, "plan", "--out", "valkey.plan", *APPLY, "--var", "nodes=2")
    assert planned.returncode == 0, planned.stderr
    assert "saved the plan to valkey.plan" in planned.stderr
    assert stat.S_IMODE((tmp_path / "valkey.plan").stat().st_mode) == 0o600
    fake_cluster.reset_records()
    # No variables: the saved plan's are used, as `tofu apply PLANFILE`.
    applied = run(run_cli, fake_cluster, "apply", "--plan", "valkey.plan")
    assert applied.returncode == 0, applied.stderr
    assert "Do you want" not in applied.stderr
    (valkey,) = fake_cluster.objects("valkeys", "valkey")
    assert valkey["spec"]["nodes"] == 2


def test_saved_plan_is_refused_when_the_cluster_moved(
    run_cli: RunCli, fake_cluster: FakeCluster
) -> None:
    assert run(run_cli, fake_cluster, "apply", *APPLY).returncode == 0
    planned = run(run_cli, fake_cluster, "plan", "--out", "p", *APPLY, "--var", "nodes=3")
    assert planned.returncode == 0, planned.stderr
    # Someone else changes the Valkey in between.
    assert run(run_cli, fake_cluster, "apply", *APPLY, "--var", "nodes=2").returncode == 0
    fake_cluster.reset_records()
    refused = run(run_cli, fake_cluster, "apply", "--plan", "p")
    assert refused.returncode == 1
    assert "the cluster changed since the plan was saved" in refused.stderr
    assert "Valkey valkey/valkey: resourceVersion " in refused.stderr
    assert fake_cluster.mutating() == []
    (valkey,) = fake_cluster.objects("valkeys", "valkey")
    assert valkey["spec"]["nodes"] == 2


def test_saved_plan_is_refused_when_the_release_moved(
    run_cli: RunCli, fake_cluster: FakeCluster
) -> None:
    assert run(run_cli, fake_cluster, "apply", *APPLY).returncode == 0
    planned = run(run_cli, fake_cluster, "plan", "--out", "p", *APPLY)
    assert planned.returncode == 0, planned.stderr
    values = ['helm_values=["manager: {replicas: 2}"]']
    assert run(run_cli, fake_cluster, "apply", *APPLY, "--var", *values).returncode == 0
    refused = run(run_cli, fake_cluster, "apply", "--plan", "p")
    assert refused.returncode == 1
    assert "operator release: revision 1 (deployed" in refused.stderr
    assert "-> revision 2" in refused.stderr


def test_saved_plan_stores_no_secret_and_needs_the_same_password(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    password = "plan-canary-5150"
    env = {"TF_VAR_password_inline": password}
    planned = run(run_cli, fake_cluster, "plan", "--out", "p", *APPLY, env=env)
    assert planned.returncode == 0, planned.stderr
    text = (tmp_path / "p").read_text()
    assert password not in text
    assert base64.b64encode(password.encode()).decode() not in text
    assert json.loads(text)["sensitive_set"] == ["password_inline"]

    missing = run(run_cli, fake_cluster, "apply", "--plan", "p")
    assert missing.returncode == 2
    assert "give it again (for example TF_VAR_password_inline)" in missing.stderr
    other = run(run_cli, fake_cluster, "apply", "--plan", "p", env={"TF_VAR_password_inline": "x"})
    assert other.returncode == 1
    assert "the sensitive variables (password_inline) given now are not those" in other.stderr
    assert fake_cluster.mutating() == []
    same = run(run_cli, fake_cluster, "apply", "--plan", "p", env=env)
    assert same.returncode == 0, same.stderr
    for result in (planned, missing, other, same):
        assert password not in result.stdout + result.stderr


def test_saved_plan_refuses_other_variables(run_cli: RunCli, fake_cluster: FakeCluster) -> None:
    assert run(run_cli, fake_cluster, "plan", "--out", "p", *APPLY).returncode == 0
    result = run(run_cli, fake_cluster, "apply", "--plan", "p", "--var", "nodes=5")
    assert result.returncode == 2
    assert "variable 'nodes' given here differs from the one saved in 'p'" in result.stderr
    same = run(run_cli, fake_cluster, "apply", "--plan", "p", *APPLY)
    assert same.returncode == 0, same.stderr


def test_a_file_that_is_not_a_plan_is_bad_input(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    (tmp_path / "p").write_text("{}")
    result = run(run_cli, fake_cluster, "apply", "--plan", "p")
    assert result.returncode == 2
    assert "is not a plan file of this version" in result.stderr


def test_saved_plan_takes_the_password_from_standard_input(
    run_cli: RunCli, fake_cluster: FakeCluster, tmp_path: Path
) -> None:
    secret = 'password_inline = "stdin-canary-1"\n'
    planned = subprocess.run(
        [command_path(), "plan", "--out", "p", "--var-file", "-", *APPLY, *fake_cluster.cli_args()],
        input=secret,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert planned.returncode == 0, planned.stderr
    applied = subprocess.run(
        [command_path(), "apply", "--plan", "p", "--var-file", "-", *fake_cluster.cli_args()],
        input=secret,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert applied.returncode == 0, applied.stderr
    assert "stdin-canary-1" not in planned.stdout + planned.stderr + applied.stdout + applied.stderr
