"""`wildside-valkey plan|apply|destroy` where no working cluster is needed: refusals before
any request, exit codes, and what a failing or absent API server makes of them.

Everything a working cluster answers runs against the real one: tests/e2e/test_cli.py.
"""

from __future__ import annotations

from pathlib import Path
from subprocess import CompletedProcess

import pytest

from tests.conftest import RunCli
from tests.fakes.kubeconfig import write_kubeconfig
from tests.fakes.servers import closed_port_url, status_server

APPLY = ["--var", "mode=apply"]


def assert_clean_failure(result: CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") or "\nerror: " in result.stderr
    return result.stderr


def unreachable(tmp_path: Path) -> list[str]:
    """A kubeconfig whose server refuses connections: a command that sent a request
    would fail on it (exit 1), so a bad-input exit 2 proves nothing was sent."""
    kubeconfig = write_kubeconfig(
        tmp_path / "kubeconfig",
        closed_port_url(),
        context="fake",
        extra_contexts={"unreachable": closed_port_url()},
    )
    return ["--kubeconfig", str(kubeconfig.path)]


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


def test_kubeconfig_problems_are_bad_input(run_cli: RunCli, tmp_path: Path) -> None:
    missing = run_cli(["plan", *APPLY, "--kubeconfig", str(tmp_path / "absent")])
    assert f"kubeconfig {tmp_path / 'absent'} not found" in assert_clean_failure(missing, 2)
    broken = tmp_path / "broken"
    broken.write_text("clusters: [\n")
    result = run_cli(["apply", *APPLY, "--kubeconfig", str(broken)])
    assert f"kubeconfig {broken} is not valid: " in assert_clean_failure(result, 2)
    unknown = run_cli(["plan", *APPLY, *unreachable(tmp_path), "--context", "prod"])
    assert "available contexts: fake, unreachable" in assert_clean_failure(unknown, 2)


@pytest.mark.parametrize("command", [["apply"], ["destroy", "--auto-approve"]])
def test_a_bad_kubeconfig_fails_a_batch_once_before_any_preview(
    run_cli: RunCli, tmp_path: Path, command: list[str]
) -> None:
    """The kubeconfig is read once for all previews, so its problem is said once, as bad
    input, and not as one failure per preview (nor read by many threads at once)."""
    each = tmp_path / "previews.yaml"
    each.write_text("".join(f"- {{cluster_name: c{i}, namespace: p{i}}}\n" for i in range(3)))
    absent = tmp_path / "absent"
    result = run_cli([*command, *APPLY, "--kubeconfig", str(absent), "--each", str(each)])
    stderr = assert_clean_failure(result, 2)
    assert stderr.count(f"kubeconfig {absent} not found") == 1, stderr
    assert "previews succeeded" not in stderr


def test_an_unreachable_server_is_an_operation_failure(run_cli: RunCli, tmp_path: Path) -> None:
    url = closed_port_url()
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", url)
    result = run_cli(["plan", *APPLY, "--kubeconfig", str(kubeconfig.path), "--retries", "0"])
    assert f"cannot reach the Kubernetes API server at {url}" in assert_clean_failure(result, 1)


def test_a_lasting_server_error_is_retried_then_exits_1_without_traceback(
    run_cli: RunCli, tmp_path: Path
) -> None:
    with status_server(500) as url:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", url)
        result = run_cli(["plan", *APPLY, "--kubeconfig", str(kubeconfig.path), "--retries", "1"])
    stderr = assert_clean_failure(result, 1)
    assert stderr.splitlines()[0] == "retrying after 500 InternalError (attempt 1, in 0.25s)"
    assert "cannot get Namespace valkey-system: 500 Internal error occurred: injected fault" in (
        stderr
    )
    assert "(after 2 attempts)" in stderr


def test_retry_after_is_honoured_then_the_command_gives_up(run_cli: RunCli, tmp_path: Path) -> None:
    with status_server(429, retry_after=1) as url:
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", url)
        result = run_cli(["plan", *APPLY, "--kubeconfig", str(kubeconfig.path), "--retries", "1"])
    stderr = assert_clean_failure(result, 1)
    assert stderr.splitlines()[0] == "retrying after 429 TooManyRequests (attempt 1, in 1s)"


def test_plan_destroy_cannot_be_saved(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli(["plan", "--destroy", "--out", "p.plan", *APPLY, *unreachable(tmp_path)])
    assert result.returncode == 2
    assert "--out saves apply plans only" in result.stderr


@pytest.mark.parametrize("command", ["plan", "apply", "destroy"])
def test_help(run_cli: RunCli, command: str) -> None:
    result = run_cli([command, "--help"])
    assert result.returncode == 0
    for option in ("--kubeconfig", "--context", "--retries", "--request-timeout", "--var"):
        assert option in result.stdout
    assert ("--force-conflicts" in result.stdout) is (command == "apply")
    assert ("--timeout" in result.stdout) is (command != "plan")
