"""The preview commands' bad input is refused before any request (an unreachable cluster
proves it: a request would fail with exit 1, not 2).

The lifecycle itself (ttl, list, apply/destroy --each, destroy --expired) runs against
the real cluster: tests/e2e/test_lifecycle.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.apply.test_apply_cli import APPLY, unreachable
from tests.conftest import RunCli


def test_apply_each_refuses_bad_entries_before_touching_the_cluster(
    run_cli: RunCli, tmp_path: Path
) -> None:
    entries = [
        {"cluster_name": "pr-1", "namespace": "preview-1"},
        {"cluster_name": "pr-2", "namespace": "preview-2", "nodes": 0},
        {"cluster_name": "pr-3", "namespace": "preview-3", "chart_version": "v0.0.60-chart"},
    ]
    each = tmp_path / "previews.yaml"
    each.write_text(yaml.safe_dump(entries))
    result = run_cli(["apply", "--each", str(each), *APPLY, *unreachable(tmp_path)])
    assert result.returncode == 2
    assert 'variable "each[1].nodes"' in result.stderr
    assert 'variable "each[2].chart_version"' in result.stderr  # one shared operator


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["destroy", "--dry-run"], "--dry-run goes with --expired"),
        (["destroy", "--expired", "--each", "x.yaml"], "cannot be used together"),
        (["apply", "--each", "missing.yaml"], "cannot read --each file"),
        (["apply", "--each", "x.yaml", "--concurrency", "0"], "--concurrency"),
    ],
)
def test_batch_options_bad_input_exits_2(
    run_cli: RunCli, tmp_path: Path, args: list[str], message: str
) -> None:
    result = run_cli([*args, *APPLY, *unreachable(tmp_path)])
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
