"""``render --each``: many environments in one run, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
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
        [sync] = yaml.safe_load_all((out / folder / "sync.yaml").read_text())
        assert sync["spec"]["path"] == f"./platform/valkey/{folder}/cluster"
        assert sync["spec"]["dependsOn"] == [{"name": "valkey-operator"}]
        assert not (out / folder / "operator").exists()
    # One operator for the whole batch, which every environment depends on.
    [operator] = yaml.safe_load_all((out / "sync.yaml").read_text())
    assert operator["metadata"]["name"] == "valkey-operator"
    assert operator["spec"]["path"] == "./platform/valkey/operator"
    assert (out / "operator" / "helmrelease.yaml").is_file()
    top = yaml.safe_load((out / "kustomization.yaml").read_text())
    assert top["resources"] == ["sync.yaml", "preview-1/pr-1", "preview-2/pr-2"]
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


def test_an_entry_in_apply_mode_is_refused_in_renders_words(
    run_cli: RunCli, tmp_path: Path
) -> None:
    each = _write(tmp_path, [{"cluster_name": "a"}, {"cluster_name": "b", "mode": "apply"}])
    result = run_cli(["render", "--each", each])
    assert result.returncode == 2
    assert 'variable "each[1].mode": is "apply", but render writes a GitOps tree' in result.stderr


def test_each_file_must_be_a_list(run_cli: RunCli, tmp_path: Path) -> None:
    each = _write(tmp_path, {"cluster_name": "a"})
    result = run_cli(["render", "--each", each])
    assert result.returncode == 2
    assert "must hold a non-empty list" in result.stderr


SHARE = "the environments of one batch share one operator"


@pytest.mark.parametrize(
    ("versions", "named", "message"),
    [
        # Entry 1 alone sets it: entry 1 differs from the rest.
        ([None, "v0.0.62-chart"], 1, 'is "v0.0.62-chart", but entry 0 has "v0.0.61-chart" '
         f"(from the shared values): {SHARE}"),
        # Entry 0 alone sets it: entry 0 is named, not its neighbour that keeps the default.
        (["v0.0.62-chart", None], 0, 'is "v0.0.62-chart", but entry 1 has "v0.0.61-chart"'),
        # Every entry sets it: the odd one out, against the most of them.
        (["v0.0.62-chart", "v0.0.60-chart", "v0.0.62-chart"], 1,
         f'is "v0.0.60-chart", but entries 0, 2 have "v0.0.62-chart": {SHARE}'),
    ],
    ids=["set-by-the-second", "set-by-the-first", "set-by-all"],
)  # fmt: skip
def test_the_entry_that_differs_on_the_shared_operator_is_named(
    run_cli: RunCli, tmp_path: Path, versions: list[str | None], named: int, message: str
) -> None:
    entries = [
        {"cluster_name": f"e{n}", **({"chart_version": v} if v else {})}
        for n, v in enumerate(versions)
    ]
    result = run_cli(["render", "--each", _write(tmp_path, entries)])
    assert result.returncode == 2
    assert f'variable "each[{named}].chart_version": {message}' in result.stderr
    assert result.stderr.count("chart_version") == 2  # one problem, naming the variable twice


def test_each_tree_builds_with_kustomize_and_passes_the_policies(tmp_path: Path) -> None:
    import subprocess

    from tests.conftest import installed_tool
    from wildside_valkey.policies import evaluate_paths
    from wildside_valkey.render import write_tree
    from wildside_valkey.render.batch import environment_variables, render_batch

    environments = environment_variables({}, [{"cluster_name": "a"}, {"namespace": "b"}])
    write_tree(render_batch(environments).tree, tmp_path / "out")
    report = evaluate_paths([tmp_path / "out"])
    assert [f.rule for f in report.findings] == []
    kubectl = installed_tool("kubectl", install_hint="`make helm` installs it into .venv/bin")
    if kubectl is None:
        pytest.skip("kubectl is not installed (`make helm`)")
    built = subprocess.run(
        [kubectl, "kustomize", str(tmp_path / "out")], capture_output=True, text=True, check=True
    )
    names = [doc["metadata"]["name"] for doc in yaml.safe_load_all(built.stdout)]
    assert sorted(names) == ["a-valkey", "valkey-b", "valkey-operator"]


def test_each_as_a_library_call() -> None:
    from wildside_valkey.render.batch import environment_variables, render_batch

    environments = environment_variables({"nodes": 2}, [{"cluster_name": "x"}, {"namespace": "y"}])
    tree, contracts, _ = render_batch(environments)
    assert sorted(contracts) == ["valkey/x", "y/valkey"]
    assert "y/valkey/cluster/valkey.yaml" in tree
    assert "operator/helmrelease.yaml" in tree


def test_objects_two_environments_would_share_are_rejected(run_cli: RunCli, tmp_path: Path) -> None:
    each = _write(
        tmp_path,
        [
            {"cluster_name": "a", "namespace": "b-c"},
            {"cluster_name": "a-b", "namespace": "c"},
            {"cluster_name": "x", "namespace": "shared"},
            {"cluster_name": "y", "namespace": "shared"},
        ],
    )
    result = run_cli(["render", "--each", each])
    assert result.returncode == 2
    assert 'variable "each[1]": Kustomization flux-system/a-b-c is also created by entry 0' in (
        result.stderr
    )
    assert 'variable "each[3]": Namespace shared is also created by entry 2' in result.stderr
    assert not (tmp_path / "build").exists()


def test_a_spaced_flux_path_prefix_is_trimmed_as_in_a_single_render(
    run_cli: RunCli, tmp_path: Path
) -> None:
    each = _write(tmp_path, [{"cluster_name": "a"}])
    result = run_cli(["render", "--each", each, "--var", "flux_path_prefix=  ./platform/x/  "])
    assert result.returncode == 0, result.stderr
    [operator] = yaml.safe_load_all((tmp_path / "build" / "sync.yaml").read_text())
    assert operator["spec"]["path"] == "./platform/x/operator"
    [cluster] = yaml.safe_load_all((tmp_path / "build" / "valkey" / "a" / "sync.yaml").read_text())
    assert cluster["spec"]["path"] == "./platform/x/valkey/a/cluster"


def test_a_problem_of_the_shared_values_is_said_once(run_cli: RunCli, tmp_path: Path) -> None:
    each = _write(tmp_path, [{"cluster_name": f"pr-{n}"} for n in range(5)] + [{"nodes": 0}])
    result = run_cli(["render", "--each", each, "--var", "nodez=1"])
    assert result.returncode == 2
    assert result.stderr.count("nodez") == 1
    assert 'variable "nodez": is not a variable of this module' in result.stderr
    assert 'variable "each[5].nodes"' in result.stderr
