"""Issue 11, point 4: OpenTofu's run habits, where they need no cluster: `plan
-detailed-exitcode` errors exit 1, and a saved plan is read before anything else.

Their runs against a working cluster (exit codes 0 and 2, the confirmation question,
saved plans applied or refused): tests/e2e/test_cli.py.
"""

from __future__ import annotations

from pathlib import Path

from tests.apply.test_apply_cli import APPLY, unreachable
from tests.conftest import RunCli


def test_detailed_exitcode_errors_exit_1(run_cli: RunCli, tmp_path: Path) -> None:
    cluster = unreachable(tmp_path)
    bad = run_cli(["plan", "--detailed-exitcode", *APPLY, "--var", "nodes=0", *cluster])
    assert bad.returncode == 1
    assert 'variable "nodes"' in bad.stderr
    usage = run_cli(["plan", "--detailed-exitcode", "--no-such-flag"])
    assert usage.returncode == 1
    assert run_cli(["plan", "--no-such-flag"]).returncode == 2
    render_mode = run_cli(["plan", "--detailed-exitcode", *cluster])
    assert render_mode.returncode == 1
    unreached = run_cli(["plan", "--detailed-exitcode", *APPLY, *cluster, "--retries", "0"])
    assert unreached.returncode == 1
    assert "cannot reach the Kubernetes API server" in unreached.stderr


def test_a_file_that_is_not_a_plan_is_bad_input(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "p").write_text("{}")
    result = run_cli(["apply", "--plan", "p", *unreachable(tmp_path)])
    assert result.returncode == 2
    assert "is not a plan file of this version" in result.stderr
