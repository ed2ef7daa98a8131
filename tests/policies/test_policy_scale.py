"""``policy`` over a ``render --each`` tree: batched, linear, and still exact."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from wildside_valkey.policies import evaluate_paths, partition
from wildside_valkey.policies.model import Severity

from ..conftest import RunCli


def _render_each(run_cli: RunCli, tmp_path: Path, count: int) -> Path:
    entries = [{"cluster_name": f"pr-{i}", "namespace": f"preview-{i}"} for i in range(count)]
    (tmp_path / "envs.json").write_text(json.dumps(entries))
    result = run_cli(["render", "--each", "envs.json", "--out", "tree"])
    assert result.returncode == 0, result.stderr
    return tmp_path / "tree"


def test_a_broken_environment_among_many_is_found(run_cli: RunCli, tmp_path: Path) -> None:
    tree = _render_each(run_cli, tmp_path, 12)
    sync = tree / "preview-7" / "pr-7" / "sync.yaml"
    document = yaml.safe_load(sync.read_text())
    del document["spec"]["dependsOn"]
    sync.write_text(yaml.safe_dump(document))
    report = evaluate_paths([tree])  # the fixture checks batched == whole as well
    denials = [(f.rule, f.file) for f in report.findings if f.severity is Severity.DENY]
    assert denials == [
        ("ordering.cluster-after-operator", f"{tree.as_posix()}/preview-7/pr-7/sync.yaml")
    ]


def test_batches_stay_small_and_share_only_the_operator(tmp_path: Path, run_cli: RunCli) -> None:
    from wildside_valkey.policies.loader import load_paths

    files = load_paths([_render_each(run_cli, tmp_path, 30)])
    batches = partition.batches(files)  # BATCH_OBJECTS is 1 here: one closed group each
    assert len(batches) >= 30
    largest = max(len(batch) for batch in batches)
    # An environment's files plus the shared operator's and the top sync.yaml.
    assert largest <= 12, [file.path for file in max(batches, key=len)]


def test_the_cli_reports_a_memory_limit_instead_of_aborting(
    run_cli: RunCli, tmp_path: Path
) -> None:
    tree = _render_each(run_cli, tmp_path, 20)
    # 600 MiB of address space: plenty for Python, not for rego-cpp's up-front reservation.
    probe = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (600 * 1024 * 1024,) * 2)\n"
        "from wildside_valkey.cli.main import main\n"
        f"main(['policy', {str(tree)!r}])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 1, result.stderr
    assert "cannot start under the address space limit (ulimit -v) of 600 MiB" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_inputs_of_one_run_are_bounded_in_total(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wildside_valkey.errors import BadInputError
    from wildside_valkey.policies import loader

    for index in range(5):
        (tmp_path / f"{index}.yaml").write_text("---\napiVersion: v1\nkind: ConfigMap\n" * 20)
    monkeypatch.setattr(loader, "MAX_TOTAL_BYTES", 1500)
    with pytest.raises(BadInputError, match=r"total more than 0 MiB \(reached at .*/2\.yaml\)"):
        loader.load_paths([tmp_path])
