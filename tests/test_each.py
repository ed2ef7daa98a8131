"""``render --each``: many environments in one run, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import RunCli


def _write(tmp_path: Path, entries: object, name: str = "envs.yaml") -> str:
    (tmp_path / name).write_text(yaml.safe_dump(entries))
    return name


def test_each_renders_one_folder_per_environment(run_cli: RunCli, tmp_path: Path) -> None:
    each = _write(
        tmp_path,
        [
            {"cluster_name": "pr-1", "namespace": "preview-1"},
            {"cluster_name": "pr-2", "namespace": "preview-2", "nodes": 3},
        ],
    )
    result = run_cli(["render", "--each", each, "--var", "replicas=1", "--out", "envs"])
    assert result.returncode == 0, result.stderr
    out = tmp_path / "envs"
    contracts = json.loads((out / "contracts.json").read_text())
    assert json.loads(result.stdout) == contracts
    assert sorted(contracts) == ["preview-1/pr-1", "preview-2/pr-2"]
    assert contracts["preview-2/pr-2"]["replication"] == {"nodes": 3, "replicas": 1}
    for folder, contract in contracts.items():
        assert json.loads((out / folder / "contract.json").read_text()) == contract
        sync = list(yaml.safe_load_all((out / folder / "sync.yaml").read_text()))
        assert sync[1]["spec"]["path"] == f"./platform/valkey/{folder}/cluster"
    # The same warning for every environment is said once, with its count.
    assert result.stderr.count("issue #186") == 1
    assert "(2 environments)" in result.stderr


def test_each_entry_wins_over_var(run_cli: RunCli, tmp_path: Path) -> None:
    each = _write(tmp_path, [{"cluster_name": "a", "nodes": 2}], name="envs.json")
    (tmp_path / "envs.json").write_text(json.dumps([{"cluster_name": "a", "nodes": 2}]))
    result = run_cli(["render", "--each", each, "--var", "nodes=5"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["valkey/a"]["replication"]["nodes"] == 2


def test_collisions_are_rejected_and_nothing_is_written(run_cli: RunCli, tmp_path: Path) -> None:
    each = _write(tmp_path, [{"cluster_name": "a"}, {"cluster_name": "b"}, {"cluster_name": "a"}])
    result = run_cli(["render", "--each", each])
    assert result.returncode == 2
    assert 'variable "each[2].cluster_name"' in result.stderr
    assert "already entry 0" in result.stderr
    assert not (tmp_path / "build").exists()


def test_one_bad_entry_rejects_the_batch(run_cli: RunCli, tmp_path: Path) -> None:
    assert run_cli(["render", "--out", "build"]).returncode == 0
    before = (tmp_path / "build" / "contract.json").read_text()
    each = _write(tmp_path, [{"cluster_name": "ok"}, {"cluster_name": "bad", "nodes": 0}, "x"])
    result = run_cli(["render", "--each", each, "--out", "build"])
    assert result.returncode == 2
    assert 'variable "each[1].nodes"' in result.stderr
    assert 'variable "each[2]": must be a mapping' in result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "build" / "contract.json").read_text() == before
    assert not (tmp_path / "build" / "contracts.json").exists()


def test_each_file_must_be_a_list(run_cli: RunCli, tmp_path: Path) -> None:
    each = _write(tmp_path, {"cluster_name": "a"})
    result = run_cli(["render", "--each", each])
    assert result.returncode == 2
    assert "must hold a non-empty list" in result.stderr


def test_each_as_a_library_call() -> None:
    from wildside_valkey.render.batch import environment_variables, render_batch

    environments = environment_variables({"nodes": 2}, [{"cluster_name": "x"}, {"namespace": "y"}])
    tree, contracts, _ = render_batch(environments)
    assert sorted(contracts) == ["valkey/x", "y/valkey"]
    assert "y/valkey/cluster/valkey.yaml" in tree
