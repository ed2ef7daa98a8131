"""Loading variables from every file format and from --var, in the documented precedence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REPO
from wildside_valkey.errors import VarFileError, VariablesError
from wildside_valkey.inputs import load_variables
from wildside_valkey.variables import VARIABLE_NAMES
from wildside_valkey.variables.docs import variables_table

TFVARS = """
# a comment
nodes         = 3
cluster_name  = "  cache  "
node_selector = { "kubernetes.io/os" = "linux" }
tolerations   = [{ key = "dedicated", operator = "Equal", value = "cache", effect = "NoSchedule" }]
resource_requests = { cpu = "200m", memory = "256Mi" }
helm_values = [<<EOT
a:
  b: 1
EOT
]
"""


def test_tfvars_hcl(tmp_path: Path) -> None:
    path = tmp_path / "dev.tfvars"
    path.write_text(TFVARS)
    v = load_variables([path])
    assert v.nodes == 3
    assert v.cluster_name == "cache", "strings are trimmed"
    assert v.node_selector == {"kubernetes.io/os": "linux"}
    assert v.tolerations[0].to_manifest() == {
        "key": "dedicated",
        "operator": "Equal",
        "value": "cache",
        "effect": "NoSchedule",
    }
    assert v.resource_requests.cpu == "200m"
    assert v.helm_values == ("a:\n  b: 1\n",), "a heredoc keeps its last newline, as in tofu"


@pytest.mark.parametrize("name", ["dev.tfvars.json", "dev.json"])
def test_json(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(json.dumps({"replicas": 2, "tls_enabled": True, "cert_issuer_name": "x"}))
    v = load_variables([path])
    assert (v.replicas, v.tls_enabled) == (2, True)


@pytest.mark.parametrize("name", ["dev.yaml", "dev.yml"])
def test_yaml(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text("namespace: cache\ncreate_namespaces: false\n")
    v = load_variables([path])
    assert (v.namespace, v.create_namespaces) == ("cache", False)


def test_precedence_defaults_files_in_order_then_vars(tmp_path: Path) -> None:
    (tmp_path / "1.yaml").write_text("nodes: 2\nreplicas: 1\nnamespace: one\n")
    (tmp_path / "2.json").write_text('{"nodes": 4}')
    v = load_variables([tmp_path / "1.yaml", tmp_path / "2.json"], ["replicas=3"])
    assert (v.nodes, v.replicas, v.namespace, v.cluster_name) == (4, 3, "one", "valkey")


@pytest.mark.parametrize(
    ("option", "attribute", "expected"),
    [
        ("nodes=3", "nodes", 3),
        ("create_namespaces=false", "create_namespaces", False),
        ("cluster_name=  spaced  ", "cluster_name", "spaced"),
        ("image=repo/valkey:8.1", "image", "repo/valkey:8.1"),
        ('helm_values=["a: 1", "b: 2"]', "helm_values", ("a: 1", "b: 2")),
        ('node_selector={"disk" = "ssd"}', "node_selector", {"disk": "ssd"}),
        ('node_selector={"disk": "ssd"}', "node_selector", {"disk": "ssd"}),
        ("chart_version=1.2.3", "chart_version", "1.2.3"),
    ],
)
def test_var_option_literals(option: str, attribute: str, expected: object) -> None:
    assert getattr(load_variables(var_options=[option]), attribute) == expected


def test_var_without_equals_is_bad_input() -> None:
    with pytest.raises(VariablesError, match='variable "nodes": --var takes NAME=VALUE'):
        load_variables(var_options=["nodes"])


def test_unknown_file_format(tmp_path: Path) -> None:
    path = tmp_path / "vars.toml"
    path.write_text("nodes = 1")
    with pytest.raises(VarFileError, match="unknown format"):
        load_variables([path])


def test_file_must_be_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "vars.yaml"
    path.write_text("- nodes\n")
    with pytest.raises(VarFileError, match="must hold a mapping"):
        load_variables([path])


def test_empty_file_sets_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("")
    assert load_variables([path]).nodes == 1


def test_variables_table_matches_the_interface() -> None:
    """The interface's promised rows, carried in tests/data (current when ../shared is here)."""
    carried = (REPO / "tests" / "data" / "interface-variables.md").read_text(encoding="utf-8")
    interface = REPO.parent / "shared" / "docs" / "interface.md"
    if interface.exists():
        current = interface.read_text(encoding="utf-8")
        assert carried.splitlines()[1:] == [
            line for line in current.splitlines() if line.startswith("| ")
        ], "stale: run python scripts/carry_interface_table.py"
    rows = {line for line in carried.splitlines() if line.startswith("| ")}
    generated = set(variables_table().splitlines())
    promised = {row for row in rows if row.split("|")[1].strip() in VARIABLE_NAMES}
    assert len(promised) >= 50
    kept = {row for row in promised if row.split("|")[1].strip() not in REWORDED_RULES}
    assert kept <= generated, sorted(kept - generated)
    # A reworded rule keeps the promise itself: the name, type and default.
    columns = {tuple(row.split("|")[1:4]) for row in generated}
    for row in promised - kept:
        assert tuple(row.split("|")[1:4]) in columns, row
        # Still the interface's wording: otherwise the exception below has outlived its reason.
        assert REWORDED_RULES[row.split("|")[1].strip()] in row, row


# Rules whose wording here differs from the interface's, and why.
REWORDED_RULES = {
    # The interface sends readers to operator-facts.md, which is not in this repository:
    # the rule states the fact and links to docs/design.md instead (issue 21, point 4).
    "pdb_enabled": "see operator-facts.md on the operator's own PDB",
}


def test_every_bad_item_and_attribute_is_reported_at_once() -> None:
    with pytest.raises(VariablesError) as caught:
        load_variables(
            var_options=[
                'tolerations=[{"effect": "x"}, {"key": "a", "operator": "Exists", "value": "v",'
                ' "effect": "NoSchedule"}, 3]',
                'resource_requests={"cpu": "-1", "memory": "lots"}',
            ]
        )
    assert [p.variable for p in caught.value.problems] == [
        "resource_requests.cpu",
        "resource_requests.memory",
        "tolerations[0].effect",
        "tolerations[0].key",
        "tolerations[1].value",
        "tolerations[2]",
    ]


def test_numbers_inside_objects_become_text_as_in_tofu() -> None:
    v = load_variables(
        var_options=[
            'resource_limits={cpu = 2, memory = "1Gi"}',
            'tolerations=[{key = "gpu", value = 1, effect = "NoSchedule"}]',
            'node_selector={"zone" = 3}',
        ]
    )
    assert v.resource_limits.cpu == "2"
    assert v.tolerations[0].value == "1"
    assert v.node_selector == {"zone": "3"}


def test_helm_values_keep_their_indentation() -> None:
    v = load_variables(var_options=['helm_values=["  a: 1\\n  b: 2\\n"]'])
    assert v.helm_values == ("  a: 1\n  b: 2\n",)


def test_maps_of_variables_are_read_only() -> None:
    v = load_variables(var_options=['node_selector={"a" = "b"}'])
    with pytest.raises(TypeError):
        v.node_selector["x"] = "y"  # type: ignore[index]


@pytest.mark.parametrize(
    ("option", "variable"),
    [
        ("storage_size=１Gi", "storage_size"),  # a full-width digit: not a Kubernetes quantity
        ('node_selector={"kubernetes.io/os\\n" = "linux"}', "node_selector"),
        ("password_secret_key=..", "password_secret_key"),
        ('tolerations=[{key = "bad key", effect = "NoSchedule"}]', "tolerations[0].key"),
        ("namespace=kube-system", "namespace"),
        ("operator_namespace=flux-system", "operator_namespace"),
    ],
)
def test_values_kubernetes_would_reject_are_refused(option: str, variable: str) -> None:
    with pytest.raises(VariablesError) as caught:
        load_variables(var_options=[option])
    assert [p.variable for p in caught.value.problems] == [variable]


def test_the_module_pdb_may_not_take_the_operators_name() -> None:
    with pytest.raises(VariablesError, match='variable "pdb_name": must differ from cluster_name'):
        load_variables(var_options=["pdb_enabled=true", "replicas=1", "pdb_name=valkey"])


def _var_file_error(folder: Path, text: str) -> str:
    path = folder / "v.tfvars"
    path.write_text(text)
    with pytest.raises(VarFileError) as caught:
        load_variables([path])
    return str(caught.value)


def test_an_unquoted_password_is_not_shown_in_the_quoting_hint(tmp_path: Path) -> None:
    message = _var_file_error(tmp_path, "password_inline = hunter2secret\n")
    assert message.endswith('(strings are quoted: password_inline = "...")')
    assert "hunter2secret" not in message


def test_a_file_in_the_format_its_name_promises_gets_no_format_hint(tmp_path: Path) -> None:
    assert _var_file_error(tmp_path, "nodes = = 3\n").endswith(
        "is not valid HCL at line 1, column 9"
    )
