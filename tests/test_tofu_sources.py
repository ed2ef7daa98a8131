"""Issue 11, point 2: OpenTofu's input habits, through the real command.

Precedence, lowest first (OpenTofu docs "Variable Definition Precedence";
opentofu/opentofu internal/command/meta_vars.go, collectVariableValues):
defaults < TF_VAR_<name> < terraform.tfvars < terraform.tfvars.json <
*.auto.tfvars(.json) in lexical order < -var/-var-file in command-line order.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import RunCli, command_path
from wildside_valkey.inputs import load_variables
from wildside_valkey.inputs.precedence import UndeclaredValuesWarning


def contract(run_cli: RunCli, *args: str, env: dict[str, str] | None = None) -> dict[str, Any]:
    result = run_cli(["contract", *args], env=env)
    assert result.returncode == 0, result.stderr
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def nodes(run_cli: RunCli, *args: str, env: dict[str, str] | None = None) -> int:
    return int(contract(run_cli, *args, env=env)["replication"]["nodes"])


def test_tf_var_environment_variables(run_cli: RunCli) -> None:
    got = contract(
        run_cli,
        env={
            "TF_VAR_nodes": "3",
            "TF_VAR_cluster_name": "from-env",
            "TF_VAR_anonymous_auth": "true",
            "TF_VAR_unrelated_module_setting": "ignored, as tofu ignores it",
        },
    )
    assert got["replication"]["nodes"] == 3
    assert got["cluster_name"] == "from-env"
    assert got["credentials"] is None  # a bool from the environment: no password at all


def test_tf_var_takes_hcl_literals_for_objects(run_cli: RunCli) -> None:
    env = {"TF_VAR_tolerations": '[{operator = "Exists"}]', "TF_VAR_mode": "render"}
    result = run_cli(["render", "--out", "out"], env=env)
    assert result.returncode == 0, result.stderr


def test_a_bad_tf_var_value_names_the_environment_variable(run_cli: RunCli) -> None:
    result = run_cli(["validate"], env={"TF_VAR_nodes": "0", "TF_VAR_tolerations": "[{"})
    assert result.returncode == 2
    assert "TF_VAR_tolerations is not a valid" in result.stderr
    result = run_cli(["validate"], env={"TF_VAR_nodes": "0"})
    assert 'variable "nodes": must be a whole number' in result.stderr
    assert "(from TF_VAR_nodes)" in result.stderr
    assert "Traceback" not in result.stderr


def test_auto_loaded_files_in_tofus_order(run_cli: RunCli, tmp_path: Path) -> None:
    env = {"TF_VAR_nodes": "2", "TF_VAR_replicas": "1"}
    assert nodes(run_cli, env=env) == 2
    (tmp_path / "terraform.tfvars").write_text("nodes = 3\n")
    assert nodes(run_cli, env=env) == 3  # a file beats the environment
    (tmp_path / "terraform.tfvars.json").write_text('{"nodes": 4}')
    assert nodes(run_cli, env=env) == 4
    (tmp_path / "b.auto.tfvars.json").write_text('{"nodes": 6}')
    (tmp_path / "a.auto.tfvars").write_text("nodes = 5\n")
    assert nodes(run_cli, env=env) == 6  # lexical order: a.auto.tfvars, then b.auto...
    (tmp_path / "ignored.tfvars").write_text("nodes = 99\n")  # not auto-loaded
    assert nodes(run_cli, env=env) == 6
    got = contract(run_cli, env=env)
    assert got["replication"]["replicas"] == 1  # untouched by the files: the environment's


def test_command_line_beats_auto_loaded_files_in_its_own_order(
    run_cli: RunCli, tmp_path: Path
) -> None:
    (tmp_path / "z.auto.tfvars").write_text("nodes = 5\n")
    (tmp_path / "seven.tfvars").write_text("nodes = 7\n")
    assert nodes(run_cli, "--var-file", "seven.tfvars") == 7
    # -var and -var-file apply in the order they are given, as in tofu.
    assert nodes(run_cli, "--var", "nodes=8", "--var-file", "seven.tfvars") == 7
    assert nodes(run_cli, "--var-file", "seven.tfvars", "--var", "nodes=8") == 8
    assert nodes(run_cli, "--var-file=seven.tfvars", "--var=nodes=9") == 9


def test_a_bad_value_names_the_file_it_came_from(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "terraform.tfvars").write_text('nodes = 0\nstorage_size = "lots"\n')
    (tmp_path / "prod.auto.tfvars.json").write_text('{"storage_size": "huge"}')
    result = run_cli(["validate", "--var", "cluster_name=Bad_Name"])
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert any('"nodes"' in line and line.endswith("(from terraform.tfvars)") for line in lines)
    assert any(
        '"storage_size"' in line and line.endswith("(from prod.auto.tfvars.json)") for line in lines
    )
    assert any('"cluster_name"' in line and line.endswith("(from --var)") for line in lines)


def test_a_broken_auto_loaded_file_is_named(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "broken.auto.tfvars").write_text("nodes = = 3\n")
    result = run_cli(["validate"])
    assert result.returncode == 2
    assert "broken.auto.tfvars" in result.stderr
    assert "not valid HCL" in result.stderr


def test_undeclared_values_in_var_files_are_one_warning(run_cli: RunCli, tmp_path: Path) -> None:
    """A root module's terraform.tfvars holds its other variables: tofu warns, and so do we."""
    (tmp_path / "terraform.tfvars").write_text('do_token = "x"\nnodes = 2\n')
    (tmp_path / "dev.tfvars").write_text("nodez = 3\n")
    result = run_cli(["contract", "--var-file", "dev.tfvars"])
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["replication"]["nodes"] == 2
    assert result.stderr == (
        "warning: ignored the values of 2 undeclared variables, as tofu ignores them in var "
        'files: "do_token" (from terraform.tfvars), "nodez" (from dev.tfvars; did you '
        "mean 'nodes'?)\n"
    )
    report = json.loads(run_cli(["validate", "--output", "json"]).stdout)
    assert report["valid"] is True
    assert [w for w in report["warnings"] if "do_token" in w] == [
        "ignored the values of 1 undeclared variable, as tofu ignores them in var files: "
        '"do_token" (from terraform.tfvars)'
    ]


def test_undeclared_tf_var_names_are_ignored_without_a_word(run_cli: RunCli) -> None:
    """Pipelines export TF_VAR_ for several modules at once: tofu says nothing, nor do we."""
    result = run_cli(["validate"], env={"TF_VAR_do_token": "x", "TF_VAR_nodez": "3"})
    assert result.returncode == 0
    assert result.stderr == ""


def test_an_undeclared_var_option_stays_an_error(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "terraform.tfvars").write_text('do_token = "x"\n')
    result = run_cli(["validate", "--var", "nodez=3"])
    assert result.returncode == 2
    assert (
        "variable \"nodez\": is not a variable of this module; did you mean 'nodes'? "
        "(from --var)" in result.stderr
    )
    assert "do_token" in result.stderr.splitlines()[0]  # the file's value: still a warning


def test_undeclared_values_on_standard_input_are_a_warning(tmp_path: Path) -> None:
    result = _with_stdin(tmp_path, "extra = 1\n", "validate", "--var-file", "-")
    assert result.returncode == 0, result.stderr
    assert '"extra" (from standard input)' in result.stderr


def test_the_library_warns_with_a_python_warning(tmp_path: Path) -> None:
    (tmp_path / "terraform.tfvars").write_text('do_token = "x"\n')
    with pytest.warns(UndeclaredValuesWarning, match=r'"do_token" \(from .*terraform.tfvars\)'):
        assert load_variables(folder=tmp_path).nodes == 1
    told: list[str] = []
    load_variables(folder=tmp_path, warn=told.append)
    assert len(told) == 1


def _with_stdin(tmp_path: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [command_path(), *args],
        input=text,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "text", ['nodes = 3\ncluster_name = "piped"\n', '{"nodes": 3, "cluster_name": "piped"}']
)
def test_var_file_dash_reads_standard_input(tmp_path: Path, text: str) -> None:
    result = _with_stdin(tmp_path, text, "contract", "--var-file", "-")
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout)
    assert (got["replication"]["nodes"], got["cluster_name"]) == (3, "piped")


def test_standard_input_is_named_in_errors(tmp_path: Path) -> None:
    result = _with_stdin(tmp_path, "nodes = 0\n", "validate", "--var-file", "-")
    assert result.returncode == 2
    assert "(from standard input)" in result.stderr
    result = _with_stdin(tmp_path, "nodes = = 0\n", "validate", "--var-file", "-")
    assert "standard input is not valid HCL at line 1, column 9" in result.stderr
    result = _with_stdin(tmp_path, "{}", "validate", "--var-file", "-", "--var-file", "-")
    assert result.returncode == 2
    assert "can be read only once" in result.stderr


def test_a_password_from_the_environment_is_never_shown(run_cli: RunCli) -> None:
    result = run_cli(
        ["validate", "--var", "nodes=0"], env={"TF_VAR_password_inline": "env-canary-77"}
    )
    assert result.returncode == 2
    assert "(from TF_VAR_password_inline)" in result.stderr
    assert "env-canary-77" not in result.stderr + result.stdout
