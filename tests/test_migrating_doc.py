"""docs/migrating.md: its side-by-side example works, and its tables cover the module."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.conftest import REPO, RunCli
from wildside_valkey.inputs import load_variables
from wildside_valkey.variables import VARIABLE_NAMES
from wildside_valkey.variables.schema import MODULE_VARIABLES

DOC = REPO / "docs" / "migrating.md"
_HCL = re.compile(r"^```hcl\n(?P<body>.*?)^```$", re.DOTALL | re.MULTILINE)

# The module's variables (variables-*.tf at leynos/wildside d7c3e6f) and outputs (outputs.tf).
MODULE_VARIABLE_COUNT = 47
MODULE_OUTPUTS = 14


def _blocks() -> tuple[str, str]:
    module_call, var_file = (m["body"] for m in _HCL.finditer(DOC.read_text()))
    return module_call, var_file


def _module_arguments(module_call: str) -> str:
    body = module_call.split("{", 1)[1].rsplit("}", 1)[0]
    return "\n".join(line for line in body.splitlines() if not line.strip().startswith("source"))


def test_the_module_call_and_the_var_file_set_the_same_variables(tmp_path: Path) -> None:
    module_call, var_file = _blocks()
    (tmp_path / "module.tfvars").write_text(_module_arguments(module_call))
    (tmp_path / "valkey.auto.tfvars").write_text(var_file)
    from_module = load_variables([tmp_path / "module.tfvars"])
    here = load_variables(folder=tmp_path)
    assert from_module == here
    assert here.namespace == "preview-42"


def test_the_commands_of_the_example_work(run_cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "valkey.auto.tfvars").write_text(_blocks()[1])
    rendered = run_cli(["render", "--out", "platform/valkey"])
    assert rendered.returncode == 0, rendered.stderr
    # The document says the example's replicas = 1 draws the operator's replicas warning.
    assert "warning: replicas = 1: valkey-operator v0.0.61 documents that" in rendered.stderr
    assert (tmp_path / "platform/valkey/cluster/externalsecret.yaml").is_file()
    result = run_cli(["output", "--json"])
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)
    assert outputs["sync_policy_contract"]["value"]["credentials"]["secret_name"] == "cache-auth"


def test_every_module_variable_and_output_has_a_row() -> None:
    rows = [line for line in DOC.read_text().splitlines() if line.startswith("| `")]
    two_columns = [row.split("`")[1] for row in rows if row.count("|") == 3]
    variables = [name for name in two_columns if name in VARIABLE_NAMES]
    assert len(variables) == len(set(variables)) == MODULE_VARIABLE_COUNT
    # The rows hold the module's variables as the declarations mark them (`new=True` for
    # the others): a variable added without the mark would claim to be the module's.
    assert sorted(variables) == sorted(MODULE_VARIABLES)
    output_rows = [row for row in rows if row.count("|") == 4]
    assert len(output_rows) == MODULE_OUTPUTS


def test_the_new_variables_are_listed_from_the_declarations() -> None:
    after = DOC.read_text().split("<!-- generated:new-variables -->")[1]
    section = after.split("<!-- /generated:new-variables -->")[0]
    listed = [row.split("|")[1].strip() for row in section.splitlines() if row.startswith("| ")]
    new = [name for name in VARIABLE_NAMES if name not in MODULE_VARIABLES]
    assert listed[2:] == new  # after the header rows
    assert len(new) == len(VARIABLE_NAMES) - MODULE_VARIABLE_COUNT
